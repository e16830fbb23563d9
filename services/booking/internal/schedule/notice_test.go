package schedule

import (
	"testing"
	"time"
)

func sydney(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDeadlineAcrossSydneyDST: 24 hours' notice of a Sunday 10:00 session is
// Saturday 10:00 local time, 25 elapsed hours when DST ends between them
// (03:00 on the first Sunday of April) and 23 when it starts (02:00 on the
// first Sunday of October).
func TestDeadlineAcrossSydneyDST(t *testing.T) {
	t.Parallel()
	loc := sydney(t)
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, loc) }
	for _, tc := range []struct {
		name     string
		start    time.Time
		hours    int
		deadline time.Time
		elapsed  time.Duration
	}{
		{"DST ends, 24h", at(2027, time.April, 4, 10, 0), 24, at(2027, time.April, 3, 10, 0), 25 * time.Hour},
		{"DST starts, 24h", at(2027, time.October, 3, 10, 0), 24, at(2027, time.October, 2, 10, 0), 23 * time.Hour},
		{"DST ends, 48h", at(2027, time.April, 4, 10, 0), 48, at(2027, time.April, 2, 10, 0), 49 * time.Hour},
		{"DST starts, 30h: a day and 6 hours", at(2027, time.October, 3, 10, 0), 30, at(2027, time.October, 2, 4, 0), 29 * time.Hour},
		{"after the change, 24h", at(2027, time.April, 5, 10, 0), 24, at(2027, time.April, 4, 10, 0), 24 * time.Hour},
		{"no change, 24h", at(2027, time.June, 8, 9, 30), 24, at(2027, time.June, 7, 9, 30), 24 * time.Hour},
		{"no notice", at(2027, time.June, 8, 9, 30), 0, at(2027, time.June, 8, 9, 30), 0},
		// Sunday 02:30 does not exist on the day DST starts: moved forward by the gap.
		{"deadline in the gap", at(2027, time.October, 4, 2, 30), 24, at(2027, time.October, 3, 3, 30), 23 * time.Hour},
	} {
		got := Deadline(tc.start, tc.hours, loc)
		if !got.Equal(tc.deadline) {
			t.Errorf("%s: deadline %v, want %v", tc.name, got.In(loc), tc.deadline)
		}
		if e := tc.start.Sub(got); e != tc.elapsed {
			t.Errorf("%s: %v of notice, want %v", tc.name, e, tc.elapsed)
		}
		// The exact boundary is in time; an instant later is not.
		if !InTime(tc.deadline, tc.start, tc.hours, loc) || InTime(tc.deadline.Add(time.Nanosecond), tc.start, tc.hours, loc) {
			t.Errorf("%s: boundary misjudged", tc.name)
		}
	}
	// 24 elapsed hours before the Sunday DST ends is already too late.
	start := at(2027, time.April, 4, 10, 0)
	if InTime(start.Add(-24*time.Hour), start, 24, loc) {
		t.Error("24 elapsed hours before the Sunday DST ends passed the rule (Saturday 10:00 is 25 hours before)")
	}
	// 23.5 elapsed hours before the Sunday DST starts is still in time.
	start = at(2027, time.October, 3, 10, 0)
	if !InTime(start.Add(-23*time.Hour-30*time.Minute), start, 24, loc) {
		t.Error("Saturday 10:30 before the Sunday 10:00 DST starts was refused")
	}
}
