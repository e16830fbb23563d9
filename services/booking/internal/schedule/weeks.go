// Package schedule is the schedule's arithmetic that needs no database and
// no clock of its own: which weeks of a term are teaching weeks, which
// instant a local date and time of day are in the school's zone, the
// notice rule, and the bookable slots. The server loads the rows and asks
// these functions, so the rules are tested alone and CreateBooking,
// ListFreeSlots and SLOT_TAKEN's alternatives agree.
package schedule

import (
	"fmt"
	"time"
)

// A date is a civil calendar date, held as midnight UTC so that adding days
// never meets a DST change.

// Date returns the date y-m-d as midnight UTC.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// ParseDate reads "YYYY-MM-DD".
func ParseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

// DateOf is the civil date of t's wall clock, as midnight UTC.
func DateOf(t time.Time) time.Time { return Date(t.Year(), t.Month(), t.Day()) }

// ISOWeekday is 1 for Monday to 7 for Sunday.
func ISOWeekday(d time.Time) int {
	if w := int(d.Weekday()); w != 0 {
		return w
	}
	return 7
}

// Monday is the Monday that starts d's week (weeks run Monday to Sunday).
func Monday(d time.Time) time.Time { return d.AddDate(0, 0, 1-ISOWeekday(d)) }

// Span is a run of days, both ends included.
type Span struct{ Start, End time.Time }

// Contains reports whether day d is in the span.
func (s Span) Contains(d time.Time) bool { return !d.Before(s.Start) && !d.After(s.End) }

// Week is one numbered teaching week of a term.
type Week struct {
	Number int
	Monday time.Time
}

// Term is a term's dates and its breaks, which hold no sessions.
type Term struct {
	Start, End time.Time
	Breaks     []Span
}

// MaxWeeks is the most teaching weeks a term has (the schema's bound on
// week numbers).
const MaxWeeks = 53

// DateError says which of a term's dates is wrong: "end_date", or
// "breaks[i]" for the i-th break (from 0).
type DateError struct {
	Field, Msg string
}

func (e *DateError) Error() string { return e.Field + " " + e.Msg }

// Check says what is wrong with the term's dates and breaks, if anything
// (a *DateError): the end before the start, a term longer than 53 weeks,
// a break that ends before it starts or lies outside the term, or more
// teaching weeks than MaxWeeks (370 days starting on a Sunday touch 54
// Monday-to-Sunday weeks).
func (t Term) Check() error {
	if t.End.Before(t.Start) {
		return &DateError{"end_date", "is before start_date"}
	}
	if t.End.Sub(t.Start) > 370*24*time.Hour {
		return &DateError{"end_date", "is more than 53 weeks after start_date"}
	}
	for i, b := range t.Breaks {
		field := fmt.Sprintf("breaks[%d]", i)
		if b.End.Before(b.Start) {
			return &DateError{field, "ends before it starts"}
		}
		if b.Start.Before(t.Start) || b.End.After(t.End) {
			return &DateError{field, "is not within the term"}
		}
	}
	// Counted after the breaks, which can take a week out: the schema
	// numbers at most MaxWeeks teaching weeks.
	if len(t.Weeks()) > MaxWeeks {
		return &DateError{"end_date", fmt.Sprintf("gives more than %d teaching weeks", MaxWeeks)}
	}
	return nil
}

// InBreak reports whether day d falls in one of the term's breaks.
func (t Term) InBreak(d time.Time) bool {
	for _, b := range t.Breaks {
		if b.Contains(d) {
			return true
		}
	}
	return false
}

// Teaches reports whether day d holds sessions: inside the term, not in a
// break.
func (t Term) Teaches(d time.Time) bool {
	return !d.Before(t.Start) && !d.After(t.End) && !t.InBreak(d)
}

// Weeks are the term's teaching weeks in order: each Monday-to-Sunday week
// that holds at least one day of the term outside the breaks, numbered from
// 1. A week wholly in breaks gets no number, so the numbers run on after it.
func (t Term) Weeks() []Week {
	var out []Week
	for monday := Monday(t.Start); !monday.After(t.End); monday = monday.AddDate(0, 0, 7) {
		for i := range 7 {
			if t.Teaches(monday.AddDate(0, 0, i)) {
				out = append(out, Week{Number: len(out) + 1, Monday: monday})
				break
			}
		}
	}
	return out
}

// Day is the date of ISO weekday (1..7) in the week starting monday, and
// whether the term holds sessions on it: a class whose day falls on a break
// (or outside the term, in a first or last partial week) has no session that
// week.
func (t Term) Day(monday time.Time, weekday int) (time.Time, bool) {
	d := monday.AddDate(0, 0, weekday-1)
	return d, t.Teaches(d)
}
