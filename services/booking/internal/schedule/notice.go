package schedule

import "time"

// Deadline is the last instant a session starting at start may still be
// moved or cancelled under a notice rule of hours, in the school's zone loc.
//
// The rule: N hours' notice means the same wall-clock time N/24 days
// earlier in the school's zone, less the remaining N%24 hours. So 24 hours'
// notice of a Monday 10:00 session ends on Sunday 10:00 local time, also
// when a DST change lies between them (the notice is then 23 or 25 hours
// of elapsed time), which is what a family reading "a day before" expects.
// A wall-clock time that does not exist on the earlier day (the
// spring-forward gap) is taken as time.Date normalises it: moved forward by
// the gap.
func Deadline(start time.Time, hours int, loc *time.Location) time.Time {
	if hours <= 0 {
		return start
	}
	l := start.In(loc)
	day := time.Date(l.Year(), l.Month(), l.Day()-hours/24, l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
	return day.Add(-time.Duration(hours%24) * time.Hour)
}

// InTime reports whether now is at or before the deadline of a session
// starting at start: "at least N hours before" includes the exact boundary.
func InTime(now, start time.Time, hours int, loc *time.Location) bool {
	return !now.After(Deadline(start, hours, loc))
}
