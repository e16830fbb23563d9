package recurrence

import (
	"errors"
	"testing"
	"time"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func done(occurrence, on string) History {
	return History{Previous: &Previous{Occurrence: day(occurrence), Due: day(occurrence), Done: true}, LastDone: day(on)}
}

func skipped(occurrence string) History {
	return History{Previous: &Previous{Occurrence: day(occurrence), Due: day(occurrence)}}
}

// TestCalendarTriggers: fixed occurrences are start + k·N whatever the
// completions, clamped at month ends and returning to the 31st when a month
// has one; floating ones count from the last completion (clamping too); leap
// days in both.
func TestCalendarTriggers(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	for _, tc := range []struct {
		name string
		trig Trigger
		hist History
		want string
	}{
		{"fixed first is the start", Trigger{Every: 1, Unit: Month, Anchor: Fixed, Start: day("2027-01-31")}, History{}, "2027-01-31"},
		{"fixed Jan 31 + 1 month clamps", Trigger{Every: 1, Unit: Month, Anchor: Fixed, Start: day("2027-01-31")}, done("2027-01-31", "2027-01-31"), "2027-02-28"},
		{"fixed clamps to Feb 29 in a leap year", Trigger{Every: 1, Unit: Month, Anchor: Fixed, Start: day("2028-01-31")}, done("2028-01-31", "2028-02-02"), "2028-02-29"},
		{"fixed returns to the 31st", Trigger{Every: 1, Unit: Month, Anchor: Fixed, Start: day("2027-01-31")}, done("2027-02-28", "2027-02-28"), "2027-03-31"},
		{"fixed 30th after 31st months", Trigger{Every: 1, Unit: Month, Anchor: Fixed, Start: day("2027-01-31")}, done("2027-03-31", "2027-03-31"), "2027-04-30"},
		{"fixed ignores an early completion", Trigger{Every: 1, Unit: Month, Anchor: Fixed, Start: day("2027-01-15")}, done("2027-03-15", "2027-03-02"), "2027-04-15"},
		{"fixed ignores a late completion's date, skipping missed anchors", Trigger{Every: 1, Unit: Month, Anchor: Fixed, Start: day("2027-01-15")}, done("2027-02-15", "2027-04-20"), "2027-05-15"},
		{"fixed quarterly", Trigger{Every: 3, Unit: Month, Anchor: Fixed, Start: day("2026-11-30")}, done("2026-11-30", "2026-12-01"), "2027-02-28"},
		{"fixed quarterly back to the 30th", Trigger{Every: 3, Unit: Month, Anchor: Fixed, Start: day("2026-11-30")}, done("2027-02-28", "2027-03-01"), "2027-05-30"},
		{"fixed yearly from a leap day", Trigger{Every: 1, Unit: Year, Anchor: Fixed, Start: day("2028-02-29")}, done("2028-02-29", "2028-02-29"), "2029-02-28"},
		{"fixed yearly back to the leap day", Trigger{Every: 1, Unit: Year, Anchor: Fixed, Start: day("2028-02-29")}, done("2031-02-28", "2031-02-28"), "2032-02-29"},
		{"fixed every 90 days", Trigger{Every: 90, Unit: Day, Anchor: Fixed, Start: day("2027-12-01")}, done("2027-12-01", "2028-01-10"), "2028-02-29"},
		{"fixed every 2 weeks", Trigger{Every: 2, Unit: Week, Anchor: Fixed, Start: day("2027-03-01")}, done("2027-03-15", "2027-03-16"), "2027-03-29"},
		{"fixed every 5 years", Trigger{Every: 5, Unit: Year, Anchor: Fixed, Start: day("2024-06-01")}, done("2024-06-01", "2024-06-01"), "2029-06-01"},
		{"fixed after a skip", Trigger{Every: 1, Unit: Month, Anchor: Fixed, Start: day("2027-01-31")}, skipped("2027-04-30"), "2027-05-31"},
		{"floating first counts from the start", Trigger{Every: 90, Unit: Day, Anchor: Floating, Start: day("2027-12-01")}, History{}, "2028-02-29"},
		{"floating counts from the completion", Trigger{Every: 90, Unit: Day, Anchor: Floating, Start: day("2027-01-01")}, done("2027-04-01", "2027-04-20"), "2027-07-19"},
		{"floating monthly clamps", Trigger{Every: 1, Unit: Month, Anchor: Floating, Start: day("2027-01-01")}, done("2027-02-01", "2028-01-31"), "2028-02-29"},
		{"floating drifts from the clamp", Trigger{Every: 1, Unit: Month, Anchor: Floating, Start: day("2027-01-01")}, done("2028-02-29", "2028-02-29"), "2028-03-29"},
		{"floating yearly from a leap day", Trigger{Every: 1, Unit: Year, Anchor: Floating, Start: day("2027-01-01")}, done("2028-02-01", "2028-02-29"), "2029-02-28"},
		{"floating after a skip counts from its due date", Trigger{Every: 6, Unit: Month, Anchor: Floating, Start: day("2027-01-01")}, skipped("2027-07-01"), "2028-01-01"},
		{"floating done twice in a day moves on a day", Trigger{Every: 1, Unit: Week, Anchor: Floating, Start: day("2027-01-01")},
			History{Previous: &Previous{Occurrence: day("2027-03-08"), Due: day("2027-03-08"), Done: true}, LastDone: day("2027-03-01")}, "2027-03-09"},
	} {
		got, err := Next(tc.trig, tc.hist, Usage{}, utc)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got.Due.Format(time.DateOnly) != tc.want || got.Date.Format(time.DateOnly) != tc.want || got.Cause != ByCalendar {
			t.Errorf("%s: next = %v (key %v, %s); want %s", tc.name, got.Due.Format(time.DateOnly), got.Date.Format(time.DateOnly), got.Cause, tc.want)
		}
	}
}

// TestFixedMonthlySequence walks a fixed monthly plan anchored on the 31st
// through two years including a leap February: it is back on the 31st every
// month that has one.
func TestFixedMonthlySequence(t *testing.T) {
	t.Parallel()
	trig := Trigger{Every: 1, Unit: Month, Anchor: Fixed, Start: day("2027-10-31")}
	want := []string{"2027-10-31", "2027-11-30", "2027-12-31", "2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30",
		"2028-05-31", "2028-06-30", "2028-07-31", "2028-08-31", "2028-09-30", "2028-10-31", "2028-11-30", "2028-12-31",
		"2029-01-31", "2029-02-28", "2029-03-31"}
	var h History
	for i, w := range want {
		o, err := Next(trig, h, Usage{}, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Due.Format(time.DateOnly); got != w {
			t.Fatalf("occurrence %d = %s, want %s", i, got, w)
		}
		// Done a few days late every time: the anchor holds.
		h = History{Previous: &Previous{Occurrence: o.Date, Due: o.Due, Done: true}, LastDone: o.Due.AddDate(0, 0, 3)}
		if i%2 == 1 {
			h.LastDone = o.Due.AddDate(0, 0, -5) // and early on others
		}
	}
}

// TestSeasons: autumn is September to November in the north and March to May
// in the south; an occurrence is due at its window's start, once a
// season-year, and a plan begun inside a window is due from its start date.
func TestSeasons(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		trig Trigger
		hist History
		want string
	}{
		{"north autumn, before it", Trigger{Season: Autumn, Hemisphere: North, Anchor: Fixed, Start: day("2027-05-10")}, History{}, "2027-09-01"},
		{"north autumn, begun inside it", Trigger{Season: Autumn, Hemisphere: North, Anchor: Fixed, Start: day("2027-10-10")}, History{}, "2027-10-10"},
		{"north autumn, begun after it", Trigger{Season: Autumn, Hemisphere: North, Anchor: Fixed, Start: day("2027-12-01")}, History{}, "2028-09-01"},
		{"north autumn, done in it", Trigger{Season: Autumn, Hemisphere: North, Anchor: Fixed, Start: day("2027-01-01")}, done("2027-09-01", "2027-10-20"), "2028-09-01"},
		{"north autumn, done early, before the window", Trigger{Season: Autumn, Hemisphere: North, Anchor: Fixed, Start: day("2027-01-01")},
			History{LastDone: day("2027-08-25")}, "2027-09-01"},
		{"north autumn, skipped", Trigger{Season: Autumn, Hemisphere: North, Anchor: Fixed, Start: day("2027-01-01")}, skipped("2027-09-01"), "2028-09-01"},
		{"south autumn", Trigger{Season: Autumn, Hemisphere: South, Anchor: Fixed, Start: day("2027-01-10")}, History{}, "2027-03-01"},
		{"south autumn, done", Trigger{Season: Autumn, Hemisphere: South, Anchor: Fixed, Start: day("2027-01-10")}, done("2027-03-01", "2027-04-02"), "2028-03-01"},
		{"south spring", Trigger{Season: Spring, Hemisphere: South, Anchor: Fixed, Start: day("2027-01-10")}, History{}, "2027-09-01"},
		{"north spring", Trigger{Season: Spring, Hemisphere: North, Anchor: Fixed, Start: day("2027-04-10")}, History{}, "2027-04-10"},
		{"north winter spans the new year", Trigger{Season: Winter, Hemisphere: North, Anchor: Fixed, Start: day("2028-01-15")}, History{}, "2028-01-15"},
		{"north winter, done in January", Trigger{Season: Winter, Hemisphere: North, Anchor: Fixed, Start: day("2027-01-15")}, done("2027-12-01", "2028-01-20"), "2028-12-01"},
		{"south summer is December", Trigger{Season: Summer, Hemisphere: South, Anchor: Fixed, Start: day("2027-02-27")}, History{}, "2027-02-27"},
		{"south winter is June", Trigger{Season: Winter, Hemisphere: South, Anchor: Fixed, Start: day("2027-02-27")}, History{}, "2027-06-01"},
	} {
		got, err := Next(tc.trig, tc.hist, Usage{}, time.UTC)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got.Due.Format(time.DateOnly) != tc.want || got.Cause != BySeason {
			t.Errorf("%s: next = %s (%s); want %s", tc.name, got.Due.Format(time.DateOnly), got.Cause, tc.want)
		}
	}
	if s, e := Window(Winter, North, 2027); s != day("2027-12-01") || e != day("2028-03-01") {
		t.Errorf("north winter 2027 = [%v, %v)", s, e)
	}
	if s, e := Window(Winter, South, 2027); s != day("2027-06-01") || e != day("2027-09-01") {
		t.Errorf("south winter 2027 = [%v, %v)", s, e)
	}
}

// TestUsageAndWhicheverFirst: a usage occurrence is due at the last
// completion's reading plus the interval; its date comes from the rate
// (which a prediction supplies), the average as fallback, or a year out
// with none; with a calendar trigger too, the earlier date wins.
func TestUsageAndWhicheverFirst(t *testing.T) {
	t.Parallel()
	ny := zone(t, "America/New_York")
	filter := Trigger{Every: 90, Unit: Day, Anchor: Floating, MeterEvery: 500, Start: day("2027-01-01")}
	doneAt := History{Previous: &Previous{Occurrence: day("2027-02-01"), Due: day("2027-02-01"), Done: true},
		LastDone: day("2027-02-01"), LastMeter: 1200, HasLastMeter: true}
	latest := Reading{Value: 1400, Time: time.Date(2027, 3, 1, 12, 0, 0, 0, ny)}
	for _, tc := range []struct {
		name  string
		trig  Trigger
		hist  History
		usage Usage
		want  string
		cause Cause
	}{
		{"usage first at 20 h a day", filter, doneAt, Usage{Latest: latest, HasLatest: true, PerDay: 20}, "2027-03-16", ByUsage},
		{"calendar first at 2 h a day", filter, doneAt, Usage{Latest: latest, HasLatest: true, PerDay: 2}, "2027-05-02", ByCalendar},
		{"no rate: the calendar", filter, doneAt, Usage{Latest: latest, HasLatest: true}, "2027-05-02", ByCalendar},
		{"meter already past: the reading's date", filter, doneAt, Usage{Latest: Reading{Value: 1800, Time: latest.Time}, HasLatest: true}, "2027-03-01", ByUsage},
		{"usage only", Trigger{MeterEvery: 50, Anchor: Floating, Start: day("2027-01-01")},
			History{LastDone: day("2027-05-01"), LastMeter: 100, HasLastMeter: true},
			Usage{Latest: Reading{Value: 110, Time: time.Date(2027, 5, 20, 9, 0, 0, 0, ny)}, HasLatest: true, PerDay: 2}, "2027-06-09", ByUsage},
		{"usage only, no rate: a year out", Trigger{MeterEvery: 50, Anchor: Floating, Start: day("2027-01-01")},
			History{LastDone: day("2027-05-01"), LastMeter: 100, HasLastMeter: true}, Usage{}, "2028-04-30", ByFallback},
		{"usage never done counts from the start reading", Trigger{MeterEvery: 10000, Anchor: Floating, Start: day("2027-01-01")},
			History{StartMeter: 42000}, Usage{Latest: Reading{Value: 45000, Time: time.Date(2027, 4, 1, 8, 0, 0, 0, ny)}, HasLatest: true, PerDay: 50}, "2027-08-19", ByUsage},
		{"skipped usage occurrence counts on from its meter", Trigger{MeterEvery: 50, Anchor: Floating, Start: day("2027-01-01")},
			History{Previous: &Previous{Occurrence: day("2027-06-09"), Due: day("2027-06-09"), DueMeter: 150, HasDueMeter: true},
				LastDone: day("2027-05-01"), LastMeter: 100, HasLastMeter: true},
			Usage{Latest: Reading{Value: 160, Time: time.Date(2027, 6, 10, 9, 0, 0, 0, ny)}, HasLatest: true, PerDay: 2}, "2027-06-30", ByUsage},
		{"fixed calendar and usage", Trigger{Every: 12, Unit: Month, Anchor: Fixed, MeterEvery: 10000, Start: day("2026-06-30")},
			History{Previous: &Previous{Occurrence: day("2026-06-30"), Due: day("2026-06-30"), Done: true}, LastDone: day("2026-07-02"), LastMeter: 30000, HasLastMeter: true},
			Usage{Latest: Reading{Value: 36000, Time: time.Date(2027, 1, 1, 8, 0, 0, 0, ny)}, HasLatest: true, PerDay: 10}, "2027-06-30", ByCalendar},
	} {
		got, err := Next(tc.trig, tc.hist, tc.usage, ny)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got.Due.Format(time.DateOnly) != tc.want || got.Cause != tc.cause {
			t.Errorf("%s: next = %s (%s); want %s (%s)", tc.name, got.Due.Format(time.DateOnly), got.Cause, tc.want, tc.cause)
		}
	}
	o, _ := Next(filter, doneAt, Usage{}, ny)
	if !o.HasDueMeter || o.DueMeter != 1700 {
		t.Errorf("due meter = %v %v, want 1700", o.DueMeter, o.HasDueMeter)
	}
	if r := AverageRate(Reading{Value: 100, Time: day("2027-01-01")}, Reading{Value: 400, Time: day("2027-01-31")}); r != 10 {
		t.Errorf("average rate = %v, want 10", r)
	}
	if r := AverageRate(Reading{Value: 400, Time: day("2027-01-01")}, Reading{Value: 100, Time: day("2027-01-31")}); r != 0 {
		t.Errorf("average rate of a reset meter = %v, want 0", r)
	}
}

// TestDatesInTheHomesZone: a usage date is the home's wall-clock date plus
// whole days, so a DST change between the reading and the due date moves
// nothing; today is the local date of now; a due date begins at local
// midnight, whose UTC instant moves with the offset.
func TestDatesInTheHomesZone(t *testing.T) {
	t.Parallel()
	ny, syd := zone(t, "America/New_York"), zone(t, "Australia/Sydney")
	for _, tc := range []struct {
		name    string
		reading time.Time
		perDay  float64
		want    string
	}{
		// 23:30 EST on 13 March plus one day of usage is 23:30 on the 14th
		// by the wall clock; 24 hours later is 00:30 EDT on the 15th.
		{"New York spring forward", time.Date(2027, 3, 13, 23, 30, 0, 0, ny), 10, "2027-03-14"},
		{"New York fall back", time.Date(2027, 11, 6, 23, 30, 0, 0, ny), 10, "2027-11-07"},
		// Sydney leaves DST on 4 April 2027 and starts it on 3 October.
		{"Sydney fall back", time.Date(2027, 4, 3, 23, 30, 0, 0, syd), 10, "2027-04-04"},
		{"Sydney spring forward", time.Date(2027, 10, 2, 23, 30, 0, 0, syd), 10, "2027-10-03"},
		{"leap day", time.Date(2028, 2, 28, 6, 0, 0, 0, ny), 10, "2028-02-29"},
	} {
		loc := tc.reading.Location()
		got, ok := UsageDate(Usage{Latest: Reading{Value: 0, Time: tc.reading.UTC()}, HasLatest: true, PerDay: tc.perDay}, 10, loc)
		if !ok || got.Format(time.DateOnly) != tc.want {
			t.Errorf("%s: usage date = %s %v, want %s", tc.name, got.Format(time.DateOnly), ok, tc.want)
		}
	}
	for _, tc := range []struct {
		now  time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2027, 3, 14, 4, 30, 0, 0, time.UTC), ny, "2027-03-13"}, // 23:30 EST
		{time.Date(2027, 3, 14, 7, 30, 0, 0, time.UTC), ny, "2027-03-14"}, // 03:30 EDT
		{time.Date(2027, 11, 7, 4, 30, 0, 0, time.UTC), ny, "2027-11-07"}, // 00:30 EDT
		{time.Date(2027, 4, 3, 13, 30, 0, 0, time.UTC), syd, "2027-04-04"},
		{time.Date(2028, 2, 28, 13, 30, 0, 0, time.UTC), syd, "2028-02-29"},
	} {
		if got := DateIn(tc.now, tc.loc).Format(time.DateOnly); got != tc.want {
			t.Errorf("today at %v in %s = %s, want %s", tc.now, tc.loc, got, tc.want)
		}
	}
	spring, after := StartOfDay(day("2027-03-14"), ny), StartOfDay(day("2027-03-15"), ny)
	if spring.UTC().Hour() != 5 || after.UTC().Hour() != 4 || after.Sub(spring) != 23*time.Hour {
		t.Errorf("14 March in New York begins %v, the 15th %v: want 05:00Z and 04:00Z, 23 hours apart", spring.UTC(), after.UTC())
	}
	if d := StartOfDay(day("2027-04-05"), syd).Sub(StartOfDay(day("2027-04-04"), syd)); d != 25*time.Hour {
		t.Errorf("4 April 2027 in Sydney lasts %v, want 25h", d)
	}
}

// TestPhase: UPCOMING before the lead time, DUE within it up to the due date,
// OVERDUE the day after.
func TestPhase(t *testing.T) {
	t.Parallel()
	due := day("2028-03-01")
	for today, want := range map[string]Phase{
		"2028-02-15": Upcoming, "2028-02-16": DueNow, "2028-02-29": DueNow, "2028-03-01": DueNow, "2028-03-02": Overdue,
	} {
		if got := PhaseOf(due, 14, day(today)); got != want {
			t.Errorf("on %s: phase %v, want %v", today, got, want)
		}
	}
	if PhaseOf(due, 0, due) != DueNow || PhaseOf(due, 0, day("2028-02-29")) != Upcoming {
		t.Error("with no lead time a task is due on its day only")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		trig Trigger
		want error
	}{
		{Trigger{Anchor: Fixed}, ErrNoTrigger},
		{Trigger{Every: 1, Unit: Year, Season: Autumn, Anchor: Fixed}, ErrSeasonInterval},
		{Trigger{Every: 0, Unit: Month, Anchor: Fixed}, ErrEvery},
		{Trigger{Every: 1001, Unit: Month, Anchor: Fixed}, ErrEvery},
		{Trigger{Every: 1, Unit: "fortnight", Anchor: Fixed}, ErrEvery},
		{Trigger{MeterEvery: -1, Anchor: Fixed}, ErrMeterEvery},
		{Trigger{Every: 1, Unit: Month, MeterEvery: -5, Anchor: Fixed}, ErrMeterEvery},
		{Trigger{Every: 1, Unit: Month}, ErrAnchor},
		{Trigger{Every: 1, Unit: Month, Anchor: Floating}, nil},
	} {
		if err := tc.trig.Check(); !errors.Is(err, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.trig, err, tc.want)
		}
	}
}
