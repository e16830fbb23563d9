package insight

import (
	"math"
	"strings"
	"testing"
	"time"
)

func chicago(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// steady returns weekly readings at 18:00 local from start, advancing by
// perWeek, with resetAt (when > 0) restarting the meter from zero.
func steady(start time.Time, weeks int, perWeek float64, resetAt int) []Reading {
	var rs []Reading
	v := 120.0
	for i := range weeks {
		r := Reading{Time: start.AddDate(0, 0, 7*i), Value: v}
		if i == resetAt && resetAt > 0 {
			v = perWeek
			r = Reading{Time: r.Time, Value: v, Reset: true}
		}
		rs = append(rs, r)
		v += perWeek * (1 + 0.05*math.Sin(float64(i)))
	}
	return rs
}

func TestIntervalsCountResetsAndUndeclaredDrops(t *testing.T) {
	at := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }
	ivs, latest := intervalsOf([]Reading{
		{Time: at(8), Value: 5, Reset: true}, // out of order on purpose
		{Time: at(1), Value: 100},
		{Time: at(4), Value: 110},
		{Time: at(4), Value: 999}, // same instant: ignored
		{Time: at(12), Value: 2},  // lower without a reset flag: a replaced meter
		{Time: at(15), Value: 9},
	})
	want := []float64{10, 5, 2, 7}
	if len(ivs) != len(want) {
		t.Fatalf("got %d intervals, want %d", len(ivs), len(want))
	}
	for i, w := range want {
		if ivs[i].usage != w {
			t.Errorf("interval %d: usage %v, want %v", i, ivs[i].usage, w)
		}
	}
	if latest != 9 || !ivs[1].restart || !ivs[2].restart || ivs[3].restart {
		t.Errorf("latest %v, restarts %v %v %v", latest, ivs[1].restart, ivs[2].restart, ivs[3].restart)
	}
}

func TestPredict(t *testing.T) {
	loc := chicago(t)
	start := time.Date(2026, time.January, 5, 18, 0, 0, 0, loc)
	rs := steady(start, 30, 41, 0) // ~41 hours a week for 30 weeks
	last := rs[len(rs)-1]
	filter := Plan{Title: "Replace the furnace filter", Meter: "runtime", Unit: "hours", MeterInterval: 500,
		LastDone: last.Time.AddDate(0, 0, -21), LastDoneMeter: last.Value - 3*41, LastDoneMeterKnown: true}
	now := last.Time

	tests := []struct {
		name        string
		plan        Plan
		readings    []Reading
		method      Method
		trigger     Trigger
		explanation string // a part of it
		check       func(t *testing.T, p Prediction)
	}{
		{name: "steady usage", plan: filter, readings: rs, method: MethodUsage, trigger: TriggerUsage,
			explanation: "~41 hours a week; the 500-hour limit (Replace the furnace filter) falls around",
			check: func(t *testing.T, p Prediction) {
				// 377 hours left at ~41 a week: about 64 days after the last reading.
				want := time.Date(last.Time.Year(), last.Time.Month(), last.Time.Day()+64, 0, 0, 0, 0, loc)
				if d := math.Abs(p.Date.Sub(want).Hours() / 24); d > 3 {
					t.Errorf("date %s, want about %s", p.Date.Format(time.DateOnly), want.Format(time.DateOnly))
				}
				if !p.Earliest.Before(p.Date) || !p.Latest.After(p.Date) {
					t.Errorf("range %s..%s does not surround %s", p.Earliest, p.Latest, p.Date)
				}
			}},
		{name: "a reset meter counts usage across the reset", plan: Plan{Title: "Clean", Meter: "cycles", Unit: "cycles",
			MeterInterval: 100, LastDone: rs[20].Time}, readings: steady(start, 30, 10, 25), method: MethodUsage, trigger: TriggerUsage,
			check: func(t *testing.T, p Prediction) {
				// 90-odd cycles since week 20 (the reset at week 25 loses none): the limit is about a week ahead.
				if days := p.Date.Sub(last.Time).Hours() / 24; days < 0 || days > 14 {
					t.Errorf("date %s is %.0f days after the last reading, want under two weeks", p.Date.Format(time.DateOnly), days)
				}
			}},
		{name: "already past the limit", plan: Plan{Title: "Clean", Meter: "runtime", Unit: "hours", MeterInterval: 200,
			LastDone: rs[10].Time}, readings: rs, method: MethodUsage, trigger: TriggerUsage,
			explanation: "was reached by the reading of"},
		{name: "too few readings falls back to the calendar", plan: Plan{Title: "Filter", Meter: "runtime", Unit: "hours",
			MeterInterval: 500, CalendarDue: time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC)}, readings: rs[:3],
			method: MethodCalendar, trigger: TriggerCalendar,
			explanation: "too few runtime readings to predict from use (3); due by the calendar on 14 Sep"},
		{name: "no usage falls back to the calendar", plan: Plan{Title: "Filter", Meter: "runtime", Unit: "hours",
			MeterInterval: 500, CalendarDue: time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC)}, readings: steady(start, 30, 0, 0)[:1],
			method: MethodCalendar, trigger: TriggerCalendar},
		{name: "whichever comes first: the calendar", plan: Plan{Title: "Filter", Meter: "runtime", Unit: "hours",
			MeterInterval: 5000, CalendarDue: time.Date(2026, 8, 14, 0, 0, 0, 0, time.UTC)}, readings: rs,
			method: MethodUsage, trigger: TriggerCalendar, explanation: "the calendar date 14 Aug comes first",
			check: func(t *testing.T, p Prediction) {
				want := time.Date(2026, 8, 14, 0, 0, 0, 0, loc)
				if !p.Date.Equal(want) || !p.Latest.Equal(want) {
					t.Errorf("date %s latest %s, want %s for both", p.Date, p.Latest, want)
				}
			}},
		{name: "a time plan is its calendar date", plan: Plan{Title: "Test alarms", CalendarDue: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)},
			method: MethodCalendar, trigger: TriggerCalendar, explanation: "due by the calendar on 1 Feb 2027"},
		{name: "no trigger at all", plan: Plan{Title: "Nothing"}, method: MethodNone, trigger: TriggerNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Predict(tc.plan, tc.readings, now, loc)
			if p.Method != tc.method || p.Trigger != tc.trigger {
				t.Errorf("method %v trigger %v, want %v %v (%s)", p.Method, p.Trigger, tc.method, tc.trigger, p.Explanation)
			}
			if !strings.Contains(p.Explanation, tc.explanation) {
				t.Errorf("explanation %q, want it to contain %q", p.Explanation, tc.explanation)
			}
			if !p.Date.IsZero() && (p.Date.Location() != loc || p.Date.Hour() != 0) {
				t.Errorf("date %v is not a local midnight in %s", p.Date, loc)
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

// TestProjectionCountsLocalDaysAcrossDST: the days the projection walks are
// the home's, so the spring-forward day (23 hours) and fall-back day (25)
// carry that much usage and dates stay local midnights.
func TestProjectionCountsLocalDaysAcrossDST(t *testing.T) {
	loc := chicago(t)
	m := model{flat: 24, loc: loc, q2: 0, df: 100} // one unit an hour
	m.fitted[0] = 1e9
	from := time.Date(2026, time.March, 7, 0, 0, 0, 0, loc) // the day before clocks go forward
	// 24 + 23 + 24 = 71 hours reach 71 units on 9 March, not 10 March.
	date, _, _ := project(m, from, 71, loc)
	if want := time.Date(2026, time.March, 9, 0, 0, 0, 0, loc); !date.Equal(want) {
		t.Errorf("spring forward: %s, want %s", date, want)
	}
	from = time.Date(2026, time.October, 31, 0, 0, 0, 0, loc)
	// 24 + 25 = 49 hours by the end of 1 November.
	date, _, _ = project(m, from, 49, loc)
	if want := time.Date(2026, time.November, 1, 0, 0, 0, 0, loc); !date.Equal(want) {
		t.Errorf("fall back: %s, want %s", date, want)
	}
}

// TestSeasonalityIsDetectedByVariance: monthly readings of a furnace that
// runs in winter pick the seasonal model; the same total usage spread
// evenly does not.
func TestSeasonalityIsDetectedByVariance(t *testing.T) {
	loc := chicago(t)
	hours := [12]float64{390, 330, 260, 140, 45, 6, 0, 0, 18, 120, 250, 360}
	var winter, even []Reading
	v, w := 0.0, 0.0
	for i := range 40 {
		at := time.Date(2023, time.Month(1+i), 1, 18, 0, 0, 0, loc)
		winter, even = append(winter, Reading{Time: at, Value: v}), append(even, Reading{Time: at, Value: w})
		jitter := 1 + 0.1*math.Sin(float64(7*i))
		v += hours[(i)%12] * jitter
		w += 160 * jitter
	}
	ivs, _ := intervalsOf(winter)
	if m, _ := fit(ivs, loc); !m.seasonal {
		t.Error("a furnace's winter hours were not found seasonal")
	} else if jan, jul := m.ratePerDay(time.Date(2026, 1, 15, 0, 0, 0, 0, loc)), m.ratePerDay(time.Date(2026, 7, 15, 0, 0, 0, 0, loc)); jan < 10 || jul > 0.5 {
		t.Errorf("mid-January %.1f hours a day, mid-July %.1f", jan, jul)
	}
	ivs, _ = intervalsOf(even)
	if m, _ := fit(ivs, loc); m.seasonal {
		t.Error("even usage was found seasonal")
	}
}

func TestFormats(t *testing.T) {
	loc := chicago(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, loc)
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, loc) }
	for _, tc := range []struct{ got, want string }{
		{rangeString(d(2026, 3, 9), d(2026, 3, 20), now, loc), "9–20 Mar"},
		{rangeString(d(2026, 2, 28), d(2026, 3, 6), now, loc), "28 Feb–6 Mar"},
		{rangeString(d(2026, 12, 28), d(2027, 1, 6), now, loc), "28 Dec 2026–6 Jan 2027"},
		{rangeString(d(2027, 1, 2), d(2027, 1, 6), now, loc), "2–6 Jan 2027"},
		{dayString(d(2026, 3, 14), now, loc), "14 Mar"},
		{number(16000), "16,000"},
		{number(12.96), "13.0"},
		{rateString(41.3, "hours", MethodUsage), "~41 hours a week"},
		{rateString(0.5, "cycles", MethodUsage), "~2.2 cycles a month"},
		{rateString(0.2, "cycles", MethodUsage), "~10 cycles a year"},
		{rateString(320, "kilometers", MethodSeasonal), "~320 km a week at this time of year"},
		{rateString(0, "hours", MethodSeasonal), "almost no use at this time of year"},
		{money(124000, "USD"), "$1,240.00"},
		{money(5000, "JPY"), "¥5,000"},
		{money(1250, "CHF"), "12.50 CHF"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestScore(t *testing.T) {
	today := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	ago := func(years, months, days int) time.Time { return today.AddDate(-years, -months, -days) }
	furnace := Asset{InstallDate: ago(12, 0, 0), LifespanMonths: 180, PurchaseCostMinor: 4_800_00, PurchaseCurrency: "USD"}
	repair := func(cost int64, when time.Time) Work {
		return Work{Title: "Repair", Kind: KindRepair, State: StateDone, CompletedDate: when, CostMinor: cost, CostCurrency: "USD"}
	}
	tests := []struct {
		name    string
		asset   Asset
		work    []Work
		score   int
		reasons []ReasonCode
		hint    HintKind
		text    string // a part of the hint
		percent int
	}{
		{name: "new and looked after", asset: Asset{InstallDate: ago(1, 0, 0), LifespanMonths: 120},
			score: 100, reasons: []ReasonCode{ReasonGood}, hint: HintNone},
		{name: "unknown age", asset: Asset{}, score: 100, reasons: []ReasonCode{ReasonGood}, hint: HintNone},
		{name: "old (80% of its life)", asset: furnace, score: 76, reasons: []ReasonCode{ReasonAge}, hint: HintNone},
		{name: "overdue work", asset: Asset{InstallDate: ago(1, 0, 0), LifespanMonths: 120},
			work: []Work{
				{Title: "Clean the dryer vent", State: StateOpen, DueDate: ago(0, 0, 45)},
				{Title: "Test", State: StateInProgress, DueDate: ago(0, 0, 3)},
				{Title: "Later", State: StateOpen, DueDate: today.AddDate(0, 0, 3)},
			},
			score: 83, reasons: []ReasonCode{ReasonOverdue}, hint: HintNone},
		{name: "repairs within three years, cheap", asset: furnace,
			work:  []Work{repair(300_00, ago(1, 0, 0)), repair(200_00, ago(4, 0, 0))}, // the second is too old to count
			score: 69, reasons: []ReasonCode{ReasonAge, ReasonRepairs}, hint: HintRepair, text: "repairing still pays", percent: 6},
		{name: "repairs at half the price new", asset: Asset{InstallDate: ago(3, 0, 0), LifespanMonths: 180, PurchaseCostMinor: 1_000_00, PurchaseCurrency: "USD"},
			work:  []Work{repair(300_00, ago(2, 0, 0)), repair(200_00, ago(0, 1, 0)), {Kind: KindRepair, State: StateDone, CompletedDate: ago(0, 2, 0), CostMinor: 900_00, CostCurrency: "EUR"}},
			score: 79, reasons: []ReasonCode{ReasonRepairs}, hint: HintReplace, text: "cost $500.00, 50% of the $1,000.00 it cost new", percent: 50},
		{name: "just under half", asset: Asset{InstallDate: ago(3, 0, 0), LifespanMonths: 180, PurchaseCostMinor: 1_000_01, PurchaseCurrency: "USD"},
			work:  []Work{repair(500_00, ago(0, 1, 0))},
			score: 93, reasons: []ReasonCode{ReasonRepairs}, hint: HintRepair, percent: 49},
		{name: "near the end of its life", asset: Asset{InstallDate: ago(9, 2, 0), LifespanMonths: 120},
			score: 67, reasons: []ReasonCode{ReasonAge}, hint: HintReplace, text: "it has lived 91% of the 10 years expected of it"},
		{name: "skipped and out of service", asset: Asset{InstallDate: ago(1, 0, 0), LifespanMonths: 120, OutOfService: true},
			work:  []Work{{State: StateSkipped, CompletedDate: ago(0, 2, 0)}, {State: StateSkipped, CompletedDate: ago(2, 0, 0)}},
			score: 82, reasons: []ReasonCode{ReasonOutOfService, ReasonSkipped}, hint: HintNone},
		{name: "never below zero", asset: Asset{InstallDate: ago(30, 0, 0), LifespanMonths: 120, OutOfService: true},
			work: []Work{repair(1, ago(0, 1, 0)), repair(1, ago(0, 1, 0)), repair(1, ago(0, 1, 0)), repair(1, ago(0, 1, 0)),
				{State: StateOpen, DueDate: ago(2, 0, 0)}, {State: StateOpen, DueDate: ago(2, 0, 0)}},
			score: 0, reasons: []ReasonCode{ReasonAge, ReasonOverdue, ReasonRepairs, ReasonOutOfService}, hint: HintReplace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Score(tc.asset, tc.work, today)
			if h.Score != tc.score {
				t.Errorf("score %d, want %d (%+v)", h.Score, tc.score, h.Reasons)
			}
			var codes []ReasonCode
			for _, r := range h.Reasons {
				codes = append(codes, r.Code)
			}
			if len(codes) != len(tc.reasons) {
				t.Fatalf("reasons %v, want %v", h.Reasons, tc.reasons)
			}
			for i := range codes {
				if codes[i] != tc.reasons[i] {
					t.Errorf("reasons %v, want %v", h.Reasons, tc.reasons)
				}
			}
			if h.Hint.Kind != tc.hint || !strings.Contains(h.Hint.Text, tc.text) || h.Hint.SpendPercent != tc.percent {
				t.Errorf("hint %+v, want %v containing %q at %d%%", h.Hint, tc.hint, tc.text, tc.percent)
			}
		})
	}
}
