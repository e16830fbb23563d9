package insight

import (
	"fmt"
	"math"
	"time"
)

// Method is how a prediction was made.
type Method int

const (
	// MethodNone: the plan has no trigger to predict from.
	MethodNone Method = iota
	// MethodCalendar: from the plan's calendar trigger (a time plan, or a
	// usage plan with too little history).
	MethodCalendar
	// MethodUsage: from one recent usage rate.
	MethodUsage
	// MethodSeasonal: from usage rates by month of the year.
	MethodSeasonal
)

// Trigger is which of a plan's triggers decides its predicted date.
type Trigger int

const (
	TriggerNone Trigger = iota
	TriggerCalendar
	TriggerUsage
)

// Plan is what a prediction needs of a maintenance plan.
type Plan struct {
	// Title names the plan in the explanation ("Replace furnace filter").
	Title string
	// Meter and Unit name the meter a usage trigger counts ("runtime",
	// "hours"); MeterInterval is the usage between services, 0 for a plan
	// without a usage trigger.
	Meter, Unit   string
	MeterInterval float64
	// LastDone is when the plan was last done, or when it started counting
	// if never; zero counts usage from the first reading.
	LastDone time.Time
	// LastDoneMeter is the meter's reading when it was last done, used when
	// the meter has not restarted since (LastDoneMeterKnown).
	LastDoneMeter      float64
	LastDoneMeterKnown bool
	// CalendarDue is the local date the calendar trigger falls due (its
	// year, month and day; zero for a plan without one).
	CalendarDue time.Time
}

// Prediction is when a plan is likely due and why.
type Prediction struct {
	Method  Method
	Trigger Trigger
	// Date is the predicted local date, Earliest and Latest the ends of its
	// 95% range, all at midnight in the home's zone; zero Date when nothing
	// could be predicted (a usage plan beyond three years with no calendar
	// trigger, or a plan with neither trigger).
	Date, Earliest, Latest time.Time
	// WeeklyRate is the fitted usage a week at the latest reading; 0 when
	// the usage was not fitted.
	WeeklyRate  float64
	Explanation string
}

// quantile is the 97.5% quantile of Student's t with df degrees of freedom:
// the range's half-width in standard deviations, wider than the normal's
// 1.96 when the spread was estimated from few blocks.
func quantile(df int) float64 {
	table := []struct {
		df int
		t  float64
	}{{3, 3.182}, {4, 2.776}, {5, 2.571}, {6, 2.447}, {7, 2.365}, {8, 2.306}, {9, 2.262}, {10, 2.228},
		{12, 2.179}, {15, 2.131}, {20, 2.086}, {30, 2.042}, {60, 2.000}, {120, 1.980}}
	t := table[0].t // fewer than 3 are never fitted; 3 is the widest there is
	for _, row := range table {
		if df >= row.df {
			t = row.t
		}
	}
	if df >= 1000 {
		t = 1.960
	}
	return t
}

// horizonDays is how far ahead usage is projected.
const horizonDays = 1096

// Predict predicts plan's next due date from the meter's readings, in loc,
// as of now (which only decides how dates are written: the projection runs
// from the latest reading).
func Predict(plan Plan, readings []Reading, now time.Time, loc *time.Location) Prediction {
	cal := Prediction{Method: MethodCalendar, Trigger: TriggerCalendar}
	if !plan.CalendarDue.IsZero() {
		d := localDate(plan.CalendarDue, loc)
		cal.Date, cal.Earliest, cal.Latest = d, d, d
	}
	if plan.MeterInterval <= 0 {
		if cal.Date.IsZero() {
			return Prediction{Explanation: "no trigger to predict from"}
		}
		cal.Explanation = "due by the calendar on " + dayString(cal.Date, now, loc)
		return cal
	}
	ivs, latestRaw := intervalsOf(readings)
	m, why := fit(ivs, loc)
	if why != fitted {
		cal.Explanation = unfitExplanation(plan, why, len(readings))
		if cal.Date.IsZero() {
			cal.Method, cal.Trigger = MethodNone, TriggerNone
			cal.Explanation += "; no calendar trigger to fall back on"
		} else {
			cal.Explanation += "; due by the calendar on " + dayString(cal.Date, now, loc)
		}
		return cal
	}

	last := ivs[len(ivs)-1].end
	p := Prediction{Method: MethodUsage, Trigger: TriggerUsage, WeeklyRate: 7 * m.ratePerDay(last)}
	if m.seasonal {
		p.Method = MethodSeasonal
	}
	used := usedSince(plan, ivs, latestRaw)
	remaining := plan.MeterInterval - used
	limit := fmt.Sprintf("the %s-%s limit (%s)", number(plan.MeterInterval), unitSingular(plan.Unit), plan.Title)
	rate := rateString(p.WeeklyRate, plan.Unit, p.Method)
	if remaining <= 0 {
		c := cumulativeOf(ivs)
		d := localDate(c.firstAtLeast(c.at(plan.LastDone)+plan.MeterInterval), loc)
		p.Date, p.Earliest, p.Latest = d, d, d
		p.Explanation = fmt.Sprintf("%s; %s was reached by the reading of %s (%s %s since last done)",
			rate, limit, dayString(d, now, loc), number(used), unitPlural(plan.Unit))
		return whicheverFirst(p, cal, now, loc)
	}
	p.Date, p.Earliest, p.Latest = project(m, last, remaining, loc)
	switch {
	case p.Date.IsZero():
		p.Explanation = fmt.Sprintf("%s; %s lies more than 3 years ahead", rate, limit)
	case p.Earliest.Equal(p.Latest):
		p.Explanation = fmt.Sprintf("%s; %s falls around %s", rate, limit, dayString(p.Date, now, loc))
	default:
		p.Explanation = fmt.Sprintf("%s; %s falls around %s, %s likely", rate, limit,
			dayString(p.Date, now, loc), rangeString(p.Earliest, p.Latest, now, loc))
	}
	return whicheverFirst(p, cal, now, loc)
}

// usedSince is the usage since the plan was last done: from the raw meter
// when its reading at completion is known and the meter has not restarted
// since, else from the cumulative usage interpolated at that time.
func usedSince(plan Plan, ivs []interval, latestRaw float64) float64 {
	restarted := false
	for _, iv := range ivs {
		if iv.end.After(plan.LastDone) && iv.restart {
			restarted = true
		}
	}
	if plan.LastDoneMeterKnown && !restarted {
		return max(latestRaw-plan.LastDoneMeter, 0)
	}
	c := cumulativeOf(ivs)
	return c.values[len(c.values)-1] - c.at(plan.LastDone)
}

// project walks the local days from the last reading and returns the day
// the expected usage reaches remaining and the days its 95% band first and
// last does; zero when the expected usage does not within horizonDays. A
// band that has not closed by then ends the range at the horizon.
func project(m model, from time.Time, remaining float64, loc *time.Location) (date, earliest, latest time.Time) {
	var e, sq float64
	var by [12]float64
	z := quantile(m.df)
	t := from
	for range horizonDays {
		l := t.In(loc)
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		next := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
		de, dby, dsq := m.expected(t, next)
		e, sq = e+de, sq+dsq
		for i := range by {
			by[i] += dby[i]
		}
		sd := math.Sqrt(m.variance(sq, by))
		if earliest.IsZero() && e+z*sd >= remaining {
			earliest = day
		}
		if date.IsZero() && e >= remaining {
			date = day
		}
		if e-z*sd >= remaining {
			return date, earliest, day
		}
		t = next
	}
	if date.IsZero() {
		return time.Time{}, time.Time{}, time.Time{}
	}
	l := t.In(loc)
	return date, earliest, time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// whicheverFirst is the usage prediction p, or the calendar's where it comes
// first: each of the date and the range's ends is the earlier of the two.
func whicheverFirst(p, cal Prediction, now time.Time, loc *time.Location) Prediction {
	if cal.Date.IsZero() {
		return p
	}
	if p.Date.IsZero() || !cal.Date.After(p.Date) {
		p.Trigger = TriggerCalendar
		p.Explanation += "; the calendar date " + dayString(cal.Date, now, loc) + " comes first"
	}
	p.Date = earlier(p.Date, cal.Date)
	p.Earliest, p.Latest = earlier(p.Earliest, cal.Date), earlier(p.Latest, cal.Date)
	return p
}

// earlier is the earlier of a and b, a zero time counting as never.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func unfitExplanation(plan Plan, why unfit, readings int) string {
	if why == noUsage {
		return fmt.Sprintf("no %s usage in the latest readings", plan.Meter)
	}
	return fmt.Sprintf("too few %s readings to predict from use (%d)", plan.Meter, readings)
}

// localDate is midnight in loc of t's year, month and day as written.
func localDate(t time.Time, loc *time.Location) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}
