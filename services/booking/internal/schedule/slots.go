package schedule

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// Dates are civil dates in the school's zone, held as midnight UTC (as
// pgtype.Date holds them); times of day are minutes since midnight, 1440
// being the end of the day.

// LocalDate is the school-zone date of instant t.
func LocalDate(t time.Time, loc *time.Location) time.Time { return DateOf(t.In(loc)) }

// ClassWeek is one teaching week of a term as one class is taught in it: the
// term's kind unless the class overrides it.
type ClassWeek struct {
	Number     int
	Monday     time.Time
	Individual bool
}

// Calendar is a class's term: its dates (inclusive), weeks and breaks.
type Calendar struct {
	Start, End time.Time
	Weeks      []ClassWeek
	Breaks     []Span // days without sessions
}

// InTerm reports whether d is a day of the term.
func (c Calendar) InTerm(d time.Time) bool { return !d.Before(c.Start) && !d.After(c.End) }

// IsBreak reports whether d is a break day of the term.
func (c Calendar) IsBreak(d time.Time) bool {
	return slices.ContainsFunc(c.Breaks, func(b Span) bool { return b.Contains(d) })
}

// WeekOf is the teaching week holding term day d.
func (c Calendar) WeekOf(d time.Time) (ClassWeek, bool) {
	if !c.InTerm(d) {
		return ClassWeek{}, false
	}
	for _, w := range c.Weeks {
		// Dates are UTC midnights, so a week is exactly 7×24 h (and this
		// spares an AddDate per week per day of a Range).
		if since := d.Sub(w.Monday); since >= 0 && since < 7*24*time.Hour {
			return w, true
		}
	}
	return ClassWeek{}, false
}

// Window is a booking window: open from Open until (not at) Close, for the
// listed weeks and classes (empty: all).
type Window struct {
	Open, Close time.Time
	Weeks       []int
	Classes     []uuid.UUID
}

// Takes reports whether the window takes, at now, a booking of class in week.
func (w Window) Takes(now time.Time, week int, class uuid.UUID) bool {
	return !now.Before(w.Open) && now.Before(w.Close) &&
		(len(w.Weeks) == 0 || slices.Contains(w.Weeks, week)) &&
		(len(w.Classes) == 0 || slices.Contains(w.Classes, class))
}

// Block is a weekly block of a teacher's availability.
type Block struct {
	Weekday    int
	Start, End int // minutes; End may be 1440
	Room       uuid.UUID
}

// Exception takes a date, or part of it, out of the weekly blocks.
type Exception struct {
	Date       time.Time
	AllDay     bool
	Start, End int
}

// Bookable is a slot that may be booked: a session time, in its block's
// room, in a teaching week (0: outside the term's weeks, a make-up only).
type Bookable struct {
	Start, End time.Time
	Room       uuid.UUID
	Week       int
}

// Busy is what already blocks slots: sessions of the teacher or the
// student (All), and of each room.
type Busy struct {
	All   []Slot
	Rooms map[uuid.UUID][]Slot
}

// Takes reports whether a blocking session overlaps s.
func (b Busy) Takes(s Bookable) bool {
	overlaps := func(list []Slot) bool {
		for _, i := range list {
			if i.Start.Before(s.End) && s.Start.Before(i.End) {
				return true
			}
		}
		return false
	}
	return overlaps(b.All) || overlaps(b.Rooms[s.Room])
}

// Problem is why a slot cannot be booked or a day has no slot.
type Problem int

const (
	OK           Problem = iota
	NotInTerm            // outside the class's term (not for a make-up)
	OnBreak              // a break day of the term
	GroupWeek            // not an individual week of the class
	WindowClosed         // no booking window takes this class and week now
	Unavailable          // not in the teacher's availability or off its grid
	TooSoon              // within the notice period, or past
	Expired              // at or after the make-up credit's expiry
	AllTaken             // every slot of the day is taken
)

// Rules is what decides the bookable slots of one student of one class:
// the term, the windows (none for a make-up), the teacher's availability
// and the school's notice rule, at Now.
type Rules struct {
	Loc         *time.Location
	Now         time.Time
	NoticeHours int
	Minutes     int // the class's individual session length
	Class       uuid.UUID
	Calendar    Calendar
	Windows     []Window
	// Makeup books with a credit: any week, no window, starting before
	// Expire.
	Makeup     bool
	Expire     time.Time
	Blocks     []Block
	Exceptions []Exception
}

// Grid is the slots of the teacher's availability on date d: from each
// block's start, every Minutes, that end by the block's end and touch no
// exception of the day. A slot lasts Minutes of elapsed time (also across
// a DST change).
func (r Rules) Grid(d time.Time) []Bookable {
	if r.Minutes <= 0 {
		return nil
	}
	week, _ := r.Calendar.WeekOf(d)
	var out []Bookable
	for _, b := range r.Blocks {
		if b.Weekday != ISOWeekday(d) {
			continue
		}
		for m := b.Start; m+r.Minutes <= b.End; m += r.Minutes {
			if r.excepted(d, m, m+r.Minutes) {
				continue
			}
			start := At(d, Clock(m), r.Loc)
			if l := start.In(r.Loc); l.Hour()*60+l.Minute() != m {
				// m falls in the spring-forward gap: that wall-clock time does not
				// exist today, and LocalAt's normalised instant is another slot's.
				continue
			}
			out = append(out, Bookable{Start: start, End: start.Add(time.Duration(r.Minutes) * time.Minute), Room: b.Room, Week: week.Number})
		}
	}
	slices.SortFunc(out, func(a, b Bookable) int { return a.Start.Compare(b.Start) })
	return out
}

func (r Rules) excepted(d time.Time, from, to int) bool {
	for _, e := range r.Exceptions {
		if e.Date.Equal(d) && (e.AllDay || (e.Start < to && from < e.End)) {
			return true
		}
	}
	return false
}

// teaches reports whether the teacher has a block on d's weekday.
func (r Rules) teaches(d time.Time) bool {
	return slices.ContainsFunc(r.Blocks, func(b Block) bool { return b.Weekday == ISOWeekday(d) })
}

// week decides the day's standing before any slot: a break, a group week,
// a closed window.
func (r Rules) week(d time.Time) (int, Problem) {
	inTerm := r.Calendar.InTerm(d)
	if inTerm && r.Calendar.IsBreak(d) {
		return 0, OnBreak
	}
	w, ok := r.Calendar.WeekOf(d)
	if r.Makeup {
		return w.Number, OK
	}
	if !inTerm {
		return 0, NotInTerm
	}
	if !ok || !w.Individual {
		return w.Number, GroupWeek
	}
	if !slices.ContainsFunc(r.Windows, func(win Window) bool { return win.Takes(r.Now, w.Number, r.Class) }) {
		return w.Number, WindowClosed
	}
	return w.Number, OK
}

// timely reports the problem of a slot starting at start as to time.
func (r Rules) timely(start time.Time) Problem {
	if r.Makeup && !start.Before(r.Expire) {
		return Expired
	}
	if !start.After(r.Now) || !InTime(r.Now, start, r.NoticeHours, r.Loc) {
		return TooSoon
	}
	return OK
}

// Check decides whether the slot starting at start may be booked, apart
// from whether it is taken (the database decides that): the slot, or the
// first problem in the order week, window, availability, time.
func (r Rules) Check(start time.Time) (Bookable, Problem) {
	d := LocalDate(start, r.Loc)
	if _, p := r.week(d); p != OK {
		return Bookable{}, p
	}
	grid := r.Grid(d)
	i := slices.IndexFunc(grid, func(s Bookable) bool { return s.Start.Equal(start) })
	if i < 0 {
		return Bookable{}, Unavailable
	}
	return grid[i], r.timely(start)
}

// Day is the free slots of date d, or why it has none.
func (r Rules) Day(d time.Time, busy Busy) ([]Bookable, Problem) {
	if _, p := r.week(d); p != OK {
		return nil, p
	}
	grid := r.Grid(d)
	if len(grid) == 0 {
		return nil, Unavailable
	}
	var timely, free []Bookable
	for _, s := range grid {
		if r.timely(s.Start) == OK {
			timely = append(timely, s)
		}
	}
	if len(timely) == 0 {
		return nil, TooSoon
	}
	for _, s := range timely {
		if !busy.Takes(s) {
			free = append(free, s)
		}
	}
	if len(free) == 0 {
		return nil, AllTaken
	}
	return free, OK
}

// DayReport is one day of Range without a slot.
type DayReport struct {
	Date time.Time
	Why  Problem
}

// Range is the free slots from date from to date to, inclusive, and the
// days among the teacher's weekdays (or break days of the term) without a
// slot, and why. Days outside the term (not for a make-up) are left out.
func (r Rules) Range(from, to time.Time, busy Busy) ([]Bookable, []DayReport) {
	var slots []Bookable
	var days []DayReport
	for d := from; !d.After(to); d = d.Add(24 * time.Hour) { // UTC midnights: a day is 24 h
		if !r.teaches(d) {
			continue
		}
		free, p := r.Day(d, busy)
		switch p {
		case OK:
			slots = append(slots, free...)
		case NotInTerm:
		default:
			days = append(days, DayReport{Date: d, Why: p})
		}
	}
	return slots, days
}

// Nearest is at most n of slots, nearest to t first (the earlier of two
// as near), excluding the one at t itself.
func Nearest(slots []Bookable, t time.Time, n int) []Bookable {
	out := slices.DeleteFunc(slices.Clone(slots), func(s Bookable) bool { return s.Start.Equal(t) })
	dist := func(s Bookable) time.Duration {
		if d := s.Start.Sub(t); d >= 0 {
			return d
		}
		return t.Sub(s.Start)
	}
	slices.SortStableFunc(out, func(a, b Bookable) int {
		if c := dist(a) - dist(b); c != 0 {
			if c < 0 {
				return -1
			}
			return 1
		}
		return a.Start.Compare(b.Start)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Series is the starts of a series booked at first: the same local weekday
// and time in every individual week of the class from first's week to the
// end of the term, leaving out days outside the term and break days.
func (r Rules) Series(first time.Time) []time.Time {
	l := first.In(r.Loc)
	d := LocalDate(first, r.Loc)
	minutes := l.Hour()*60 + l.Minute()
	w0, ok := r.Calendar.WeekOf(d)
	if !ok {
		return []time.Time{first}
	}
	out := []time.Time{first}
	for _, w := range r.Calendar.Weeks {
		if w.Number <= w0.Number || !w.Individual {
			continue
		}
		day := w.Monday.AddDate(0, 0, ISOWeekday(d)-1)
		if !r.Calendar.InTerm(day) || r.Calendar.IsBreak(day) {
			continue
		}
		out = append(out, At(day, Clock(minutes), r.Loc).Add(time.Duration(l.Second())*time.Second+time.Duration(l.Nanosecond())))
	}
	return out
}

// NearestFree is Nearest(Range(d−days, d+days, busy), t, n) for t's local
// date d, computed from d outwards: it stops once n free slots are nearer
// than any slot of a day not yet looked at can be, so SLOT_TAKEN in a rush
// usually builds one or two days' grids instead of a fortnight's.
func (r Rules) NearestFree(t time.Time, days, n int, busy Busy) []Bookable {
	d := LocalDate(t, r.Loc)
	var found []Bookable
	add := func(day time.Time) {
		if !r.teaches(day) {
			return
		}
		if free, p := r.Day(day, busy); p == OK {
			found = append(found, free...)
		}
	}
	for k := 0; k <= days; k++ {
		if k == 0 {
			add(d)
		} else {
			add(d.AddDate(0, 0, -k))
			add(d.AddDate(0, 0, k))
		}
		// A slot of day d±(k+1) is more than k local days from t; a DST
		// change shortens a day by at most an hour, hence the margin.
		if near := Nearest(found, t, n); len(near) == n && absDuration(near[n-1].Start.Sub(t)) < time.Duration(k)*24*time.Hour-2*time.Hour {
			return near
		}
	}
	return Nearest(found, t, n)
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
