// Package recurrence is the maintenance schedule's arithmetic, with no
// database and no clock of its own: when a plan's next occurrence falls due
// from its trigger (every N days, weeks, months or years, fixed to the
// calendar or floating from the last completion; a season of the home's
// hemisphere; every N units of a meter; whichever of those comes first), and
// where a task stands against today. The server and the generator load the
// rows and ask these functions, so the rules are tested alone and every
// caller agrees on them.
//
// A date is a civil calendar date, held as midnight UTC so that adding days
// never meets a DST change; an instant becomes a date only through the
// home's zone (DateIn), and a date an instant only through it (StartOfDay).
package recurrence

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Date returns the date y-m-d as midnight UTC.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// DateIn is the home's local date at instant t.
func DateIn(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return Date(l.Year(), l.Month(), l.Day())
}

// StartOfDay is the instant the local date d begins in loc. Built with
// time.Date, so a day that starts inside a DST gap (zones that change at
// midnight) begins at the first wall time that exists.
func StartOfDay(d time.Time, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// Unit is the unit of a calendar interval.
type Unit string

// The units, as stored in plans.interval_unit.
const (
	Day   Unit = "day"
	Week  Unit = "week"
	Month Unit = "month"
	Year  Unit = "year"
)

// Anchor says what a calendar interval counts from.
type Anchor string

const (
	// Fixed occurrences are start + k·N, whenever the work was done: the
	// smoke alarms are tested on the 1st of each month.
	Fixed Anchor = "fixed"
	// Floating occurrences count N from the last completion: a filter
	// changed late is next due N after the change.
	Floating Anchor = "floating"
)

// Season is a quarter of the year, whose months depend on the hemisphere.
type Season string

// The seasons, as stored in plans.season.
const (
	Spring Season = "spring"
	Summer Season = "summer"
	Autumn Season = "autumn"
	Winter Season = "winter"
)

// Hemisphere is the half of the globe a home is in (home_facts.hemisphere).
type Hemisphere string

// The hemispheres.
const (
	North Hemisphere = "north"
	South Hemisphere = "south"
)

// seasonStart is the first month of each season in the north: the
// meteorological seasons of three whole months. The south's are six months
// later (its autumn is March to May).
var seasonStart = map[Season]time.Month{Spring: time.March, Summer: time.June, Autumn: time.September, Winter: time.December}

// Window is the span of season s in hemisphere h that starts in year y:
// [Start, End), End being the first day after it. Winter starting in
// December runs into the next year.
func Window(s Season, h Hemisphere, y int) (start, end time.Time) {
	m := seasonStart[s]
	if h == South {
		m = (m+5)%12 + 1
	}
	start = Date(y, m, 1)
	return start, start.AddDate(0, 3, 0)
}

// Trigger is what makes a plan fall due. At least one of a calendar interval
// (Every and Unit), a Season and a meter interval (MeterEvery) is set; with
// more than one the occurrence is due at whichever comes first.
type Trigger struct {
	Every  int
	Unit   Unit
	Anchor Anchor
	// Season, when set, makes the plan due once a year at the start of that
	// season's window in Hemisphere; it takes no calendar interval.
	Season     Season
	Hemisphere Hemisphere
	// MeterEvery is the meter units between occurrences; 0 for none.
	MeterEvery float64
	// Start is the plan's first date: a fixed plan's anchor, and what a
	// floating plan counts from before its first completion.
	Start time.Time
}

// Limits of a trigger, the contract's bounds too.
const (
	MaxEvery      = 1000
	MaxMeterEvery = 1e9
)

// Errors of Trigger.Check, each naming the rule broken.
var (
	ErrNoTrigger      = errors.New("a plan needs a calendar interval, a season or a meter interval")
	ErrEvery          = fmt.Errorf("interval_count must be 1 to %d with an interval_unit", MaxEvery)
	ErrSeasonInterval = errors.New("a seasonal plan is yearly: it takes no calendar interval")
	ErrMeterEvery     = fmt.Errorf("meter_interval must be above 0 and at most %g", MaxMeterEvery)
	ErrAnchor         = errors.New("anchor must be fixed or floating")
)

// Check reports the first rule t breaks, nil when it is a trigger.
func (t Trigger) Check() error {
	calendar := t.Every != 0 || t.Unit != ""
	switch {
	case !calendar && t.Season == "" && t.MeterEvery == 0:
		return ErrNoTrigger
	case calendar && t.Season != "":
		return ErrSeasonInterval
	case calendar && (t.Every < 1 || t.Every > MaxEvery || !t.Unit.known()):
		return ErrEvery
	case t.Season != "" && seasonStart[t.Season] == 0:
		return fmt.Errorf("season %q is not spring, summer, autumn or winter", t.Season)
	case t.MeterEvery < 0 || t.MeterEvery > MaxMeterEvery || math.IsNaN(t.MeterEvery):
		return ErrMeterEvery
	case t.Anchor != Fixed && t.Anchor != Floating:
		return ErrAnchor
	}
	return nil
}

func (u Unit) known() bool { return u == Day || u == Week || u == Month || u == Year }

// Add is d plus n units, a month or year landing past the end of a shorter
// month clamped to its last day: Jan 31 + 1 month is Feb 28 (29 in a leap
// year), Feb 29 + 1 year is Feb 28.
func Add(d time.Time, n int, u Unit) time.Time {
	switch u {
	case Day:
		return d.AddDate(0, 0, n)
	case Week:
		return d.AddDate(0, 0, 7*n)
	case Year:
		n *= 12
	}
	first := Date(d.Year(), d.Month()+time.Month(n), 1)
	last := first.AddDate(0, 1, -1).Day()
	return Date(first.Year(), first.Month(), min(d.Day(), last))
}

// Reading is a meter's value at an instant.
type Reading struct {
	Value float64
	Time  time.Time
}

// Previous is how a plan's latest occurrence (its latest task) ended.
type Previous struct {
	Occurrence time.Time
	Due        time.Time
	// DueMeter is the meter value it was due at, when it had one.
	DueMeter    float64
	HasDueMeter bool
	// Done is false for an occurrence skipped or cancelled: it counts as
	// passed, so a floating plan counts on from its due date and meter.
	Done bool
}

// History is what a plan's next occurrence counts from.
type History struct {
	// Previous is the plan's latest occurrence; nil when it has none.
	Previous *Previous
	// LastDone is when the work was last done (zero: never), and LastMeter
	// the meter reading then.
	LastDone     time.Time
	LastMeter    float64
	HasLastMeter bool
	// StartMeter is the meter at the plan's start, for a usage plan never
	// done: the latest reading before the plan began, 0 without one.
	StartMeter float64
}

// Usage is what is known of the plan's meter now: the latest reading, and
// the rate it is climbing at.
type Usage struct {
	Latest    Reading
	HasLatest bool
	// PerDay is the predicted meter units a day (Maintenance's insight, or
	// AverageRate); 0 when there is no prediction.
	PerDay float64
}

// AverageRate is the units a day between two readings: the fallback when no
// fitted prediction exists. 0 when they are not in order or do not climb.
func AverageRate(from, to Reading) float64 {
	days := to.Time.Sub(from.Time).Hours() / 24
	if days <= 0 || to.Value <= from.Value {
		return 0
	}
	return (to.Value - from.Value) / days
}

// Cause is what the due date of an occurrence comes from.
type Cause string

// The causes.
const (
	ByCalendar Cause = "calendar"
	BySeason   Cause = "season"
	ByUsage    Cause = "usage"
	// ByFallback is a usage-only plan with no usage rate to date it:
	// it is dated FallbackDays after its cycle began until readings tell
	// more, so that it is on the list rather than nowhere.
	ByFallback Cause = "fallback"
)

// FallbackDays is how far a usage-only occurrence with no rate is dated.
const FallbackDays = 365

// Occurrence is a plan's next time due.
type Occurrence struct {
	// Date is the occurrence's key (tasks' occurrence column), strictly
	// after the previous occurrence's: each occurrence of a plan is one task.
	Date time.Time
	// Due is when the work is due, the earliest of the triggers' dates.
	Due time.Time
	// DueMeter is the meter value a usage trigger is due at.
	DueMeter    float64
	HasDueMeter bool
	Cause       Cause
}

// Next is t's next occurrence after h, with the meter as u says (u matters
// only when t has a meter interval). loc is the home's zone, in which a
// reading's instant has its local date.
func Next(t Trigger, h History, u Usage, loc *time.Location) (Occurrence, error) {
	if err := t.Check(); err != nil {
		return Occurrence{}, err
	}
	var o Occurrence
	consider := func(d time.Time, c Cause) {
		if o.Cause == "" || d.Before(o.Due) {
			o.Due, o.Cause = d, c
		}
	}
	switch {
	case t.Season != "":
		consider(nextSeason(t, h), BySeason)
	case t.Every != 0 && t.Anchor == Fixed:
		consider(nextFixed(t, h), ByCalendar)
	case t.Every != 0:
		consider(Add(floatingBase(t, h), t.Every, t.Unit), ByCalendar)
	}
	if t.MeterEvery > 0 {
		o.DueMeter, o.HasDueMeter = meterBase(h)+t.MeterEvery, true
		if d, ok := UsageDate(u, o.DueMeter, loc); ok {
			consider(maxDate(d, floatingBase(t, h)), ByUsage)
		} else if o.Cause == "" {
			consider(floatingBase(t, h).AddDate(0, 0, FallbackDays), ByFallback)
		}
	}
	o.Date = o.Due
	if p := h.Previous; p != nil && !o.Date.After(p.Occurrence) {
		// Work done twice in a day can land the next due date on the
		// occurrence just used; the next one is then the day after, so
		// the plan never stalls on its own unique key.
		o.Date = p.Occurrence.AddDate(0, 0, 1)
		o.Due = maxDate(o.Due, o.Date)
	}
	return o, nil
}

// nextFixed is the first anchor occurrence start + k·N after both the
// previous occurrence and the last completion: occurrences missed while the
// work was late are not replayed, and none moves.
func nextFixed(t Trigger, h History) time.Time {
	after := lastEvent(h)
	if after.IsZero() {
		return t.Start
	}
	// Estimate k from the elapsed span, then step: month arithmetic with
	// clamping is not linear, so the estimate may be one off either way.
	k := 0
	switch t.Unit {
	case Day:
		k = int(after.Sub(t.Start).Hours()/24) / t.Every
	case Week:
		k = int(after.Sub(t.Start).Hours()/24) / (7 * t.Every)
	case Month, Year:
		months := (after.Year()-t.Start.Year())*12 + int(after.Month()-t.Start.Month())
		if t.Unit == Year {
			months /= 12
		}
		k = months / t.Every
	}
	k = max(k-1, 0)
	for !Add(t.Start, k*t.Every, t.Unit).After(after) {
		k++
	}
	return Add(t.Start, k*t.Every, t.Unit)
}

// nextSeason is the start of the season's next window: the first that
// starts after the previous occurrence and the last completion (one
// occurrence a season-year: work done in October is autumn's), or, for a
// plan never due, the window open at its start, due from the start date.
func nextSeason(t Trigger, h History) time.Time {
	after := lastEvent(h)
	if after.IsZero() {
		for y := t.Start.Year() - 1; ; y++ {
			if start, end := Window(t.Season, t.Hemisphere, y); end.After(t.Start) {
				return maxDate(start, t.Start)
			}
		}
	}
	for y := after.Year() - 1; ; y++ {
		if start, _ := Window(t.Season, t.Hemisphere, y); start.After(after) {
			return start
		}
	}
}

// lastEvent is the later of the previous occurrence and the last completion.
func lastEvent(h History) time.Time {
	d := h.LastDone
	if h.Previous != nil {
		d = maxDate(d, h.Previous.Occurrence)
	}
	return d
}

// floatingBase is the date a floating cycle counts from: the last
// completion, or a skipped occurrence's due date when that is later, or the
// plan's start when it was never done.
func floatingBase(t Trigger, h History) time.Time {
	base := h.LastDone
	if p := h.Previous; p != nil && !p.Done {
		base = maxDate(base, p.Due)
	}
	if base.IsZero() {
		return t.Start
	}
	return base
}

// meterBase is the reading a usage cycle counts from, as floatingBase.
func meterBase(h History) float64 {
	base := h.StartMeter
	if h.HasLastMeter {
		base = h.LastMeter
	}
	if p := h.Previous; p != nil && !p.Done && p.HasDueMeter {
		base = math.Max(base, p.DueMeter)
	}
	return base
}

// UsageDate is the local date the meter reaches target, climbing at u.PerDay
// from u.Latest: already reached is the latest reading's date. The days are
// added to the reading's local wall clock, not as 24-hour spans, so a DST
// change in between moves no date. false when there is no reading or no
// rate.
func UsageDate(u Usage, target float64, loc *time.Location) (time.Time, bool) {
	if !u.HasLatest {
		return time.Time{}, false
	}
	l := u.Latest.Time.In(loc)
	day := Date(l.Year(), l.Month(), l.Day())
	if u.Latest.Value >= target {
		return day, true
	}
	if u.PerDay <= 0 {
		return time.Time{}, false
	}
	sinceMidnight := float64(l.Hour()*3600+l.Minute()*60+l.Second()) / 86400
	days := math.Floor(sinceMidnight + (target-u.Latest.Value)/u.PerDay)
	if days > 100*366 {
		days = 100 * 366 // a meter that barely moves: far off, not overflowing
	}
	return day.AddDate(0, 0, int(days)), true
}

func maxDate(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Phase is where an open task stands against today.
type Phase int

// The phases of an open task.
const (
	// Upcoming: its lead time has not begun.
	Upcoming Phase = iota + 1
	// DueNow: within its lead time, up to and including the due date.
	DueNow
	// Overdue: the due date has passed.
	Overdue
)

// PhaseOf is the phase of an open task due on due with leadDays of notice,
// on the home's local date today.
func PhaseOf(due time.Time, leadDays int, today time.Time) Phase {
	switch {
	case today.After(due):
		return Overdue
	case today.Before(due.AddDate(0, 0, -leadDays)):
		return Upcoming
	default:
		return DueNow
	}
}
