package insight

import (
	"cmp"
	"slices"
	"time"
)

// Reading is one meter reading as Asset Management recorded it.
type Reading struct {
	Time  time.Time
	Value float64
	// Reset says the meter restarted from zero at this reading (a replaced
	// control board, a new hour meter).
	Reset bool
}

// interval is the usage between two consecutive readings.
type interval struct {
	start, end time.Time
	usage      float64
	// restart says the meter started again at the interval's end, so raw
	// values before and after it cannot be subtracted.
	restart bool
}

func (iv interval) days() float64 { return iv.end.Sub(iv.start).Hours() / 24 }

// The windows and thresholds of the fit; the package doc says why.
const (
	flatWindow        = 182 * 24 * time.Hour
	minFlatIntervals  = 6
	seasonalWindow    = 1096 * 24 * time.Hour
	minSeasonalSpan   = 360 * 24 * time.Hour
	minSeasonalMonth  = 7.0  // days of history every month of the year needs
	blockDays         = 14.0 // the shortest residual block
	seasonalVariance  = 0.6  // the seasonal fit's share of the flat fit's variance below which it is used
	minDegreesFreedom = 3
	// floorShare bounds a block's ∫rate²dt below, as a share of the mean
	// block's, so a block the model expects (almost) nothing of cannot
	// blow the spread up by dividing by (almost) zero.
	floorShare = 0.05
)

// intervalsOf orders readings by time and returns the usage between each
// consecutive pair. A reset, or a value below the one before it, counts the
// new value as the usage since the meter restarted from zero. Readings at
// the same instant as an earlier one are ignored. It also returns the latest
// reading's value.
func intervalsOf(rs []Reading) ([]interval, float64) {
	sorted := slices.Clone(rs)
	slices.SortStableFunc(sorted, func(a, b Reading) int { return a.Time.Compare(b.Time) })
	var out []interval
	prev := 0
	for i := 1; i < len(sorted); i++ {
		p, c := sorted[prev], sorted[i]
		if !c.Time.After(p.Time) {
			continue
		}
		iv := interval{start: p.Time, end: c.Time, usage: c.Value - p.Value}
		if c.Reset || iv.usage < 0 {
			iv.usage, iv.restart = max(c.Value, 0), true
		}
		out = append(out, iv)
		prev = i
	}
	if len(sorted) == 0 {
		return nil, 0
	}
	return out, sorted[prev].Value
}

// model is a fitted usage rate: one per day, or one per local month of the
// year, with the dispersion q2 of its residuals.
type model struct {
	seasonal bool
	flat     float64     // usage per day
	monthly  [12]float64 // usage per day by month (January first), when seasonal
	fitted   [12]float64 // days each monthly rate was fitted on; fitted[0] is the flat rate's when not seasonal
	q2       float64     // Var(usage over [a, b)) = q2·∫ rate² dt
	df       int         // the residual degrees of freedom q2 was estimated with
	loc      *time.Location
}

// eachMonth calls f with each local month [start, end) touches and the days
// of it in [start, end), counted in elapsed time (a 23-hour DST day is 23/24).
func eachMonth(start, end time.Time, loc *time.Location, f func(m time.Month, days float64)) {
	for t := start; t.Before(end); {
		l := t.In(loc)
		next := time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, loc)
		if next.After(end) {
			next = end
		}
		f(l.Month(), next.Sub(t).Hours()/24)
		t = next
	}
}

// expected is the usage the model expects over [start, end), and how much
// of it falls to each rate period (index 0 for the flat rate).
//
// The seasonal rate is not a step at each month's start: it runs linearly
// between the months' rates placed at their midpoints, so a furnace's
// November rises through the month instead of jumping on the 1st (a step
// predicts the rise too early in autumn and the fall too late in spring).
// Split at month starts and midpoints, each piece's rate is linear, so its
// midpoint's rate times its length is its exact usage.
func (m model) expected(start, end time.Time) (total float64, by [12]float64, sq float64) {
	if !m.seasonal {
		days := end.Sub(start).Hours() / 24
		by[0] = m.flat * days
		return by[0], by, m.flat * m.flat * days
	}
	for t := start; t.Before(end); {
		next := nextSeasonBoundary(t, m.loc)
		if next.After(end) {
			next = end
		}
		a, b, w := seasonWeights(t.Add(next.Sub(t)/2), m.loc)
		days := next.Sub(t).Hours() / 24
		ea, eb := m.monthly[a]*(1-w)*days, m.monthly[b]*w*days
		by[a], by[b] = by[a]+ea, by[b]+eb
		total += ea + eb
		sq += (ea + eb) * (ea + eb) / days
		t = next
	}
	return total, by, sq
}

// monthBounds is the start, midpoint and end of t's local month.
func monthBounds(t time.Time, loc *time.Location) (start, mid, end time.Time) {
	l := t.In(loc)
	start = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	end = time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, loc)
	return start, start.Add(end.Sub(start) / 2), end
}

// nextSeasonBoundary is the first month start or midpoint after t.
func nextSeasonBoundary(t time.Time, loc *time.Location) time.Time {
	_, mid, end := monthBounds(t, loc)
	if t.Before(mid) {
		return mid
	}
	return end
}

// seasonWeights places t between two months' midpoints: the months (0 for
// January) and the weight of the second.
func seasonWeights(t time.Time, loc *time.Location) (a, b int, w float64) {
	start, mid, end := monthBounds(t, loc)
	month := int(t.In(loc).Month()) - 1
	var from, to time.Time
	if t.Before(mid) {
		_, from, _ = monthBounds(start.Add(-time.Hour), loc)
		to, a, b = mid, (month+11)%12, month
	} else {
		_, to, _ = monthBounds(end, loc)
		from, a, b = mid, month, (month+1)%12
	}
	return a, b, float64(t.Sub(from)) / float64(to.Sub(from))
}

// ratePerDay is the model's rate at t.
func (m model) ratePerDay(t time.Time) float64 {
	if !m.seasonal {
		return m.flat
	}
	a, b, w := seasonWeights(t, m.loc)
	return m.monthly[a]*(1-w) + m.monthly[b]*w
}

// variance is the variance of the usage over a horizon whose squared rate
// integrates to sq and the model expects by of in each rate period: the
// noise plus the error of the fitted rates (a rate fitted over T days is
// off by a variance of q2·rate²/T).
func (m model) variance(sq float64, by [12]float64) float64 {
	v := sq
	for i, x := range by {
		if m.fitted[i] > 0 {
			v += x * x / m.fitted[i]
		}
	}
	return m.q2 * v
}

// block is a run of consecutive intervals at least blockDays long.
type block struct {
	start, end time.Time
	usage      float64
}

// blocksOf groups intervals into blocks of at least min days; a short
// remainder joins the last block.
func blocksOf(ivs []interval, min float64) []block {
	var out []block
	var cur *block
	for _, iv := range ivs {
		if cur == nil {
			out = append(out, block{start: iv.start})
			cur = &out[len(out)-1]
		}
		cur.end, cur.usage = iv.end, cur.usage+iv.usage
		if cur.end.Sub(cur.start).Hours()/24 >= min {
			cur = nil
		}
	}
	if cur != nil && len(out) > 1 {
		last := out[len(out)-1]
		out = out[:len(out)-1]
		out[len(out)-1].end, out[len(out)-1].usage = last.end, out[len(out)-1].usage+last.usage
	}
	return out
}

// dispersion is the q² of blocks under m, with params fitted parameters,
// and the residual degrees of freedom. Usage noise is taken to be
// multiplicative and independent from one week to the next (weather, a
// household away): a block's usage then has variance q²·∫ rate² dt, which
// grows with the block's length and with the square of its rate, so a
// winter's spread is not averaged with a summer's.
func dispersion(m model, blocks []block, params int) (q2 float64, df int) {
	df = len(blocks) - params
	if df < 1 {
		return 0, df
	}
	es, sqs := make([]float64, len(blocks)), make([]float64, len(blocks))
	var sum float64
	for i, b := range blocks {
		es[i], _, sqs[i] = m.expected(b.start, b.end)
		sum += sqs[i]
	}
	floor := floorShare * sum / float64(len(blocks))
	for i, b := range blocks {
		d := b.usage - es[i]
		q2 += d * d / max(sqs[i], floor)
	}
	return q2 / float64(df), df
}

// blockLength is the residual block length for history spanning span days:
// blockDays, shorter for a short history so there are still six blocks.
func blockLength(span float64) float64 { return min(blockDays, span/6) }

// why a usage model could not be fitted.
type unfit int

const (
	fitted unfit = iota
	tooFewReadings
	noUsage
)

// fit fits the usage model to ivs, seasonal where the data shows it.
func fit(ivs []interval, loc *time.Location) (model, unfit) {
	if len(ivs) == 0 {
		return model{}, tooFewReadings
	}
	flat, why := fitFlat(ivs, loc)
	if why != fitted {
		return flat, why
	}
	if s, ok := fitSeasonal(ivs, loc); ok {
		return s, fitted
	}
	return flat, fitted
}

// recent returns the intervals ending within window of the last reading, or
// the last n when that is fewer.
func recent(ivs []interval, window time.Duration, n int) []interval {
	last := ivs[len(ivs)-1].end
	i := len(ivs)
	for i > 0 && last.Sub(ivs[i-1].end) < window {
		i--
	}
	return ivs[min(i, max(len(ivs)-n, 0)):]
}

func fitFlat(all []interval, loc *time.Location) (model, unfit) {
	ivs := recent(all, flatWindow, minFlatIntervals)
	var usage, days float64
	for _, iv := range ivs {
		usage, days = usage+iv.usage, days+iv.days()
	}
	m := model{flat: usage / days, loc: loc}
	m.fitted[0] = days
	span := ivs[len(ivs)-1].end.Sub(ivs[0].start).Hours() / 24
	q2, df := dispersion(m, blocksOf(ivs, blockLength(span)), 1)
	switch {
	case df < minDegreesFreedom:
		return m, tooFewReadings
	case usage <= 0:
		return m, noUsage
	}
	m.q2, m.df = q2, df
	return m, fitted
}

// fitSeasonal fits one rate per local month over the last three years and
// keeps it when it explains the data better than one flat rate over the
// same years (the variance test in the package doc).
func fitSeasonal(all []interval, loc *time.Location) (model, bool) {
	ivs := recent(all, seasonalWindow, 0)
	if ivs[len(ivs)-1].end.Sub(ivs[0].start) < minSeasonalSpan {
		return model{}, false
	}
	var usage, days [12]float64
	var totalUsage, totalDays float64
	for _, iv := range ivs {
		ivDays := iv.days()
		eachMonth(iv.start, iv.end, loc, func(mon time.Month, d float64) {
			usage[mon-1] += iv.usage * d / ivDays
			days[mon-1] += d
		})
		totalUsage, totalDays = totalUsage+iv.usage, totalDays+ivDays
	}
	s := model{seasonal: true, loc: loc, fitted: days}
	for i := range s.monthly {
		if days[i] < minSeasonalMonth {
			return model{}, false
		}
		s.monthly[i] = usage[i] / days[i]
	}
	s.monthly = anchors(s.monthly)
	flat := model{flat: totalUsage / totalDays, loc: loc}
	blocks := blocksOf(ivs, blockDays)
	q2s, dfs := dispersion(s, blocks, 12)
	q2f, dff := dispersion(flat, blocks, 1)
	if dfs < minDegreesFreedom || dff < 1 || !(q2s < seasonalVariance*q2f) {
		return model{}, false
	}
	s.q2, s.df = q2s, dfs
	return s, true
}

// anchors turns months' mean rates into the rates at their midpoints that
// the linear curve between midpoints (model.expected) averages to over each
// month: that curve's mean over month m is about (a[m-1] + 6·a[m] + a[m+1])/8,
// so interpolating the means themselves would flatten every peak. Jacobi
// iteration solves the (diagonally dominant) circulant system; a rate never
// goes below zero, so a summer without heating stays at none.
func anchors(means [12]float64) [12]float64 {
	a := means
	for range 20 {
		var next [12]float64
		for m := range a {
			next[m] = max((8*means[m]-a[(m+11)%12]-a[(m+1)%12])/6, 0)
		}
		a = next
	}
	return a
}

// cumulative is the meter's usage since the first reading, by reading.
type cumulative struct {
	times  []time.Time
	values []float64
}

func cumulativeOf(ivs []interval) cumulative {
	c := cumulative{times: []time.Time{ivs[0].start}, values: []float64{0}}
	for _, iv := range ivs {
		c.times = append(c.times, iv.end)
		c.values = append(c.values, c.values[len(c.values)-1]+iv.usage)
	}
	return c
}

// at is the cumulative usage at t, interpolated linearly between readings;
// before the first reading it is 0, after the last the last.
func (c cumulative) at(t time.Time) float64 {
	i, found := slices.BinarySearchFunc(c.times, t, func(a, b time.Time) int { return cmp.Compare(a.UnixNano(), b.UnixNano()) })
	switch {
	case found:
		return c.values[i]
	case i == 0:
		return 0
	case i == len(c.times):
		return c.values[len(c.values)-1]
	}
	f := float64(t.Sub(c.times[i-1])) / float64(c.times[i].Sub(c.times[i-1]))
	return c.values[i-1] + f*(c.values[i]-c.values[i-1])
}

// firstAtLeast is the time of the first reading whose cumulative usage is
// at least v.
func (c cumulative) firstAtLeast(v float64) time.Time {
	for i, x := range c.values {
		if x >= v {
			return c.times[i]
		}
	}
	return c.times[len(c.times)-1]
}
