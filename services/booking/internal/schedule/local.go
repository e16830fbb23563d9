package schedule

import (
	"fmt"
	"time"
)

// Clock is a time of day in minutes after midnight.
type Clock int

// ParseClock reads "HH:MM" (24-hour, 00:00 to 23:59).
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 23 || m > 59 || h < 0 || m < 0 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return Clock(h*60 + m), nil
}

// String writes the clock as "HH:MM".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Duration is the clock as time after midnight.
func (c Clock) Duration() time.Duration { return time.Duration(c) * time.Minute }

// ClockOf is the clock of a duration after midnight (e.g. a SQL time).
func ClockOf(d time.Duration) Clock { return Clock(d / time.Minute) }

// At is the instant of civil date day at clock in loc, built with time.Date
// so that it keeps its local wall time across DST changes: a 17:00 class is
// at 17:00 local on both sides of a change, and its UTC offset moves. A
// local time that does not exist (the spring-forward gap) comes out as Go
// normalises it: moved forward by the gap (02:30 in a 02:00→03:00 gap is
// 03:30). An ambiguous one (the fall-back hour) is Go's choice too: the
// first of the two, before the change.
func At(day time.Time, clock Clock, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(clock)/60, int(clock)%60, 0, 0, loc)
}

// Slot is a session's time: from start for minutes.
type Slot struct{ Start, End time.Time }

// SlotAt is the slot from At(day, clock, loc) lasting minutes. The end is
// start plus the duration in absolute time, so a session spanning a DST
// change still lasts its minutes.
func SlotAt(day time.Time, clock Clock, minutes int, loc *time.Location) Slot {
	start := At(day, clock, loc)
	return Slot{Start: start, End: start.Add(time.Duration(minutes) * time.Minute)}
}
