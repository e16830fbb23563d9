// Package insight turns an asset's meter history and work record into what
// a household should expect next: when each plan falls due, how healthy the
// asset is, and whether repairing it still pays. It is pure: no database,
// no clock; callers pass "now", the home's time zone and the rows.
//
// # Usage rate
//
// Readings become intervals of usage. A reading flagged as a reset, or one
// lower than the reading before it (a meter replaced without saying so),
// starts the count again: the interval's usage is the new reading itself.
//
// The rate is a weighted least-squares fit of usage against time with the
// variance of an interval's usage proportional to its length, which makes
// the estimate the interval-weighted mean: total usage over total time. A
// flat rate is fitted over the last 182 days (at least the last 6
// intervals). With at least 360 days of history the package also fits a
// rate per month of the year, in the home's zone, over the last three years:
// each interval's usage is spread over the local months it spans in
// proportion to its time. The seasonal rates are used when they explain the
// data: their residual variance per degree of freedom is below 0.6 of the
// flat rate's over the same history (a furnace's winter hours are; a
// washer's steady cycles are not).
//
// # Confidence range
//
// Residuals are taken over blocks of consecutive intervals at least 14 days
// long, so that noise that persists for a week or two is not mistaken for
// independent draws. Noise is taken to be multiplicative and independent
// from week to week (weather, a household away): a block's usage u has
// variance q²·∫rate²dt, q² being the residual sum of (u−E)²/∫rate²dt per
// degree of freedom, so a winter's spread is not averaged with a summer's.
// The usage forecast over a horizon then has variance q²·(∫rate²dt +
// Σ E_m²/T_m), the second term the error of the fitted rates (E_m the
// horizon's expected usage at rate m, T_m the days that rate was fitted
// on). The seasonal curve runs linearly between the months' rates placed at
// their midpoints (solved so that it averages to each month's rate), not in
// steps on the 1st. The predicted date is the local day the expected usage
// reaches the threshold; the range is the days on which its 95% band first
// and last reaches it: ±t standard deviations, Student's t quantile for the
// residual degrees of freedom (1.96 for many, 3.18 for three).
//
// TestSeasonalPredictionsLandInTheirRange checks the range on 300 seeded
// seasonal series with weekly noise and meter resets: the true crossing day
// falls inside it in about 94% of them.
//
// # Calendar fallback
//
// With fewer than three residual degrees of freedom (in practice fewer than
// four readings or three weeks of them), or no usage at all in the fitted
// window, a usage plan is predicted from its calendar trigger, when it has
// one, and the explanation says why. A whichever-first plan is due at the
// earlier of its usage prediction and its calendar date.
//
// # Health and repair or replace
//
// The health score starts at 100 and loses points for each reason listed:
// age past half the expected lifespan (up to 50), overdue work (up to 30),
// repairs in the last three years (up to 25), skipped maintenance in the
// last year (up to 10) and being out of service (15); it never goes below
// 0. The hint says to consider replacing the asset when the repairs of the
// last three years cost at least half its purchase cost (exact int64
// comparison, 2·spend ≥ cost; repairs in another currency are not counted)
// or when at least 90% of its expected life is used. Percentages shown are
// rounded down to whole percent.
package insight
