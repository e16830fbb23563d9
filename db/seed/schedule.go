package seed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The Riverside Music School's current term (schema booking): its breaks and
// numbered teaching weeks with a mixed GROUP/INDIVIDUAL pattern, 30 classes
// over the 8 teachers and 6 rooms, the students' enrolments (a few on
// waitlists), every session materialised, each teacher's availability, and
// one booking window open now, partly booked.
//
// The first seeding writes the term, starting three weeks before "now", in
// one transaction; later seedings leave it to the app. Rows are written
// with plain SQL inside the school tenant, and only primary keys are named
// as conflict targets: a clash with an exclusion constraint (teacher, room,
// student) or the capacity check fails the seed instead of being skipped, so
// the database proves the seeded schedule clash-free.

// TermID is the seeded current term's id.
var TermID = id("term:current")

// BookingWindowID is the seeded booking window's id.
var BookingWindowID = id("window:current")

// termWeeks is how many calendar weeks the term spans: from three weeks
// before the first seeding to a Friday nineteen weeks on, so `make run`
// shows weeks behind and many ahead (and, for a term starting in November,
// the spring-forward change of mid-March).
const termWeeks = 19

// civil is a calendar date: midnight UTC of that day, so that AddDate and
// Weekday do calendar arithmetic with no time zone in the way.
type civil = time.Time

func day(y int, m time.Month, d int) civil { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func dateOf(t time.Time) civil { return day(t.Year(), t.Month(), t.Day()) }

// isoWeekday is 1 for Monday to 7 for Sunday.
func isoWeekday(d civil) int { return (int(d.Weekday())+6)%7 + 1 }

func mondayOf(d civil) civil { return d.AddDate(0, 0, 1-isoWeekday(d)) }

// nthWeekday is the n-th (1-based; -1 the last) ISO weekday wd of a month.
func nthWeekday(y int, m time.Month, wd, n int) civil {
	if n < 0 {
		last := day(y, m+1, 1).AddDate(0, 0, -1)
		return last.AddDate(0, 0, -((isoWeekday(last) - wd + 7) % 7))
	}
	first := day(y, m, 1)
	return first.AddDate(0, 0, (wd-isoWeekday(first)+7)%7+7*(n-1))
}

type termBreak struct {
	name       string
	start, end civil // inclusive
}

type teachingWeek struct {
	number int
	monday civil
	kind   string // "group" or "individual"
}

type termPlan struct {
	name       string
	start, end civil
	breaks     []termBreak
	weeks      []teachingWeek
}

// holidays are the US school holidays of the years y-1..y+1: a Californian
// school's calendar.
func holidays(y int) []termBreak {
	var out []termBreak
	for yy := y - 1; yy <= y+1; yy++ {
		christmas := day(yy, time.December, 25)
		winter := mondayOf(christmas)
		if isoWeekday(christmas) == 7 { // a Sunday Christmas: the break starts the next day
			winter = christmas.AddDate(0, 0, 1)
		}
		thanksgiving := nthWeekday(yy, time.November, 4, 4)
		spring := nthWeekday(yy, time.March, 1, -1)
		out = append(out,
			termBreak{"Martin Luther King Jr. Day", nthWeekday(yy, time.January, 1, 3), nthWeekday(yy, time.January, 1, 3)},
			termBreak{"Presidents' Day", nthWeekday(yy, time.February, 1, 3), nthWeekday(yy, time.February, 1, 3)},
			termBreak{"Spring break", spring, spring.AddDate(0, 0, 6)},
			termBreak{"Memorial Day", nthWeekday(yy, time.May, 1, -1), nthWeekday(yy, time.May, 1, -1)},
			termBreak{"Independence Day", day(yy, time.July, 4), day(yy, time.July, 4)},
			termBreak{"Labor Day", nthWeekday(yy, time.September, 1, 1), nthWeekday(yy, time.September, 1, 1)},
			termBreak{"Veterans Day", day(yy, time.November, 11), day(yy, time.November, 11)},
			termBreak{"Thanksgiving", thanksgiving, thanksgiving.AddDate(0, 0, 1)},
			termBreak{"Winter break", winter, winter.AddDate(0, 0, 13)},
		)
	}
	return out
}

func termName(start civil) string {
	y := start.Year()
	switch m := start.Month(); {
	case m >= time.November:
		return fmt.Sprintf("Winter term %d–%02d", y, (y+1)%100)
	case m <= time.March:
		return fmt.Sprintf("Winter term %d", y)
	case m <= time.June:
		return fmt.Sprintf("Spring term %d", y)
	case m <= time.August:
		return fmt.Sprintf("Summer term %d", y)
	default:
		return fmt.Sprintf("Fall term %d", y)
	}
}

// planTerm lays out the term that starts on the Monday start: its breaks
// (clipped to the term), its teaching weeks (Monday to Sunday; a week whose
// term days all fall in breaks has no number) and their kinds. Every third
// week, counted so that the week of today is a group week and the second
// week after it individual, is INDIVIDUAL.
func planTerm(start, today civil) termPlan {
	p := termPlan{name: termName(start), start: start, end: start.AddDate(0, 0, 7*termWeeks-3)}
	for _, b := range holidays(start.Year()) {
		if b.end.Before(p.start) || b.start.After(p.end) {
			continue
		}
		b.start, b.end = maxDate(b.start, p.start), minDate(b.end, p.end)
		p.breaks = append(p.breaks, b)
	}
	slices.SortFunc(p.breaks, func(a, b termBreak) int { return a.start.Compare(b.start) })
	todayWeek := 0
	for monday := p.start; !monday.After(p.end); monday = monday.AddDate(0, 0, 7) {
		teaching := false
		for d := maxDate(monday, p.start); !d.After(minDate(monday.AddDate(0, 0, 6), p.end)); d = d.AddDate(0, 0, 1) {
			if p.breakOn(d) == "" {
				teaching = true
			}
		}
		if !teaching {
			continue
		}
		p.weeks = append(p.weeks, teachingWeek{number: len(p.weeks) + 1, monday: monday})
		if todayWeek == 0 && !monday.AddDate(0, 0, 6).Before(today) {
			todayWeek = len(p.weeks)
		}
	}
	for i := range p.weeks {
		p.weeks[i].kind = "group"
		if (p.weeks[i].number-todayWeek)%3 == 2 || (p.weeks[i].number-todayWeek)%3 == -1 {
			p.weeks[i].kind = "individual"
		}
	}
	return p
}

// breakOn names the break d falls in, or "".
func (p termPlan) breakOn(d civil) string {
	for _, b := range p.breaks {
		if !d.Before(b.start) && !d.After(b.end) {
			return b.name
		}
	}
	return ""
}

// teachingDay reports whether sessions may be held on d: inside the term
// and on no break.
func (p termPlan) teachingDay(d civil) bool {
	return !d.Before(p.start) && !d.After(p.end) && p.breakOn(d) == ""
}

func minDate(a, b civil) civil {
	if a.Before(b) {
		return a
	}
	return b
}

func maxDate(a, b civil) civil {
	if a.After(b) {
		return a
	}
	return b
}

// A class as planned: who, what, where and when.
type seedClass struct {
	key, name          string
	teacher            int // index into schoolStaff[1:]
	instrument         string
	levels             []string // the student levels it takes, in order of preference
	groupMin, indivMin int
	capacity           int
	room               string
	weekday            int
	start              int // minutes after midnight
}

func (c seedClass) id() uuid.UUID { return id("class:" + c.key) }

// classCatalog is each teacher's classes (schoolStaff[1:] order), sized to
// the seeded students' instruments and levels so that only a few wait. Levels
// say who a class takes.
var classCatalog = [][]seedClass{
	{{name: "Piano Foundations", instrument: "Piano", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 10},
		{name: "Piano Intermediate", instrument: "Piano", levels: []string{"intermediate"}, groupMin: 60, indivMin: 30, capacity: 12},
		{name: "Piano Masterclass", instrument: "Piano", levels: []string{"advanced", "intermediate"}, groupMin: 60, indivMin: 30, capacity: 24},
		{name: "Junior Singers", instrument: "Voice", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 8}},
	{{name: "Guitar Beginners A", instrument: "Guitar", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 12},
		{name: "Guitar Beginners B", instrument: "Guitar", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 12},
		{name: "Guitar Intermediate", instrument: "Guitar", levels: []string{"intermediate"}, groupMin: 60, indivMin: 30, capacity: 12},
		{name: "Rock Band Lab", instrument: "Guitar", levels: []string{"advanced", "intermediate"}, groupMin: 60, indivMin: 30, capacity: 10}},
	{{name: "Violin Foundations A", instrument: "Violin", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 12},
		{name: "Violin Foundations B", instrument: "Violin", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 12},
		{name: "Violin Intermediate", instrument: "Violin", levels: []string{"intermediate"}, groupMin: 60, indivMin: 30, capacity: 14},
		{name: "String Ensemble", instrument: "Violin", levels: []string{"advanced", "intermediate"}, groupMin: 60, indivMin: 30, capacity: 24}},
	{{name: "Drums Beginners A", instrument: "Drums", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 10},
		{name: "Drums Beginners B", instrument: "Drums", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 10},
		{name: "Junior Drum Line", instrument: "Drums", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 12},
		{name: "Percussion Ensemble", instrument: "Drums", levels: []string{"intermediate", "advanced"}, groupMin: 60, indivMin: 30, capacity: 20}},
	{{name: "Voice Foundations", instrument: "Voice", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 8},
		{name: "Voice Intermediate", instrument: "Voice", levels: []string{"intermediate"}, groupMin: 60, indivMin: 30, capacity: 10},
		{name: "Chamber Choir", instrument: "Voice", levels: []string{"advanced"}, groupMin: 60, indivMin: 30, capacity: 20},
		{name: "Musical Theatre", instrument: "Voice", levels: []string{"intermediate", "advanced"}, groupMin: 60, indivMin: 30, capacity: 16}},
	{{name: "Cello Foundations A", instrument: "Cello", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 12},
		{name: "Cello Foundations B", instrument: "Cello", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 10},
		{name: "Cello Intermediate", instrument: "Cello", levels: []string{"intermediate", "advanced"}, groupMin: 60, indivMin: 30, capacity: 8},
		{name: "Cello Ensemble", instrument: "Cello", levels: []string{"beginner", "intermediate", "advanced"}, groupMin: 60, indivMin: 30, capacity: 12}},
	{{name: "Flute Foundations", instrument: "Flute", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 14},
		{name: "Flute Intermediate", instrument: "Flute", levels: []string{"intermediate"}, groupMin: 60, indivMin: 30, capacity: 12},
		{name: "Flute Choir", instrument: "Flute", levels: []string{"advanced", "intermediate"}, groupMin: 60, indivMin: 30, capacity: 16}},
	{{name: "Trumpet Foundations", instrument: "Trumpet", levels: []string{"beginner"}, groupMin: 45, indivMin: 20, capacity: 14},
		{name: "Trumpet Intermediate", instrument: "Trumpet", levels: []string{"intermediate", "advanced"}, groupMin: 60, indivMin: 30, capacity: 12},
		{name: "Brass Ensemble", instrument: "Trumpet", levels: []string{"beginner", "intermediate", "advanced"}, groupMin: 60, indivMin: 30, capacity: 20}},
}

// preferredRooms are tried first for an instrument's classes; any room big
// enough comes after.
var preferredRooms = map[string][]string{
	"Piano": {"Piano Room"}, "Drums": {"Drum Room"}, "Voice": {"Recital Hall", "Studio C"},
	"Guitar": {"Studio A", "Studio B"}, "Violin": {"Studio C", "Studio B"}, "Cello": {"Studio B", "Studio C"},
	"Flute": {"Studio A", "Studio C"}, "Trumpet": {"Studio B", "Studio A"},
}

// groupSlots are when groups meet: weekday afternoons and Saturday morning,
// on an hour grid that every group length (≤ 60 minutes) fits.
var groupSlots = func() []struct{ weekday, start int } {
	var out []struct{ weekday, start int }
	for wd := 1; wd <= 5; wd++ {
		for _, hm := range []int{15*60 + 30, 16*60 + 30, 17*60 + 30, 18*60 + 30} {
			out = append(out, struct{ weekday, start int }{wd, hm})
		}
	}
	for _, hm := range []int{9 * 60, 10 * 60, 11 * 60, 12 * 60} {
		out = append(out, struct{ weekday, start int }{6, hm})
	}
	return out
}()

// maxTeachersPerDay keeps one room free per teacher on each teaching day,
// for their availability block.
var maxTeachersPerDay = len(schoolRooms)

// planClasses places every class of classCatalog in a slot and a room: no
// teacher or room twice at once, a teacher's classes on different days
// where possible, and at most one teacher per room per day for the
// availability blocks. Deterministic.
func planClasses() []seedClass {
	type slotKey struct{ weekday, start int }
	roomBusy := map[string]bool{}      // room|weekday|start
	teacherBusy := map[slotKey][]int{} // who teaches at a slot
	teacherDays := map[int]map[int]bool{}
	dayTeachers := map[int]map[int]bool{}
	roomCap := map[string]int{}
	for _, r := range schoolRooms {
		roomCap[r.name] = r.capacity
	}
	var out []seedClass
	// Round-robin over teachers, so each spreads over the week alike.
	for round := 0; round < 4; round++ {
		for t, classes := range classCatalog {
			if round >= len(classes) {
				continue
			}
			c := classes[round]
			c.teacher, c.key = t, fmt.Sprintf("%d:%d", t, round)
			if teacherDays[t] == nil {
				teacherDays[t] = map[int]bool{}
			}
			rooms := append(append([]string(nil), preferredRooms[c.instrument]...), "Studio A", "Studio B", "Studio C", "Recital Hall")
			placed := false
			for pass := 0; pass < 2 && !placed; pass++ {
				for i := range groupSlots {
					s := groupSlots[(i+t*5+round*7)%len(groupSlots)]
					if slices.Contains(teacherBusy[slotKey(s)], t) || (pass == 0 && teacherDays[t][s.weekday]) {
						continue
					}
					if !dayTeachers[s.weekday][t] && len(dayTeachers[s.weekday]) >= maxTeachersPerDay {
						continue
					}
					for _, r := range rooms {
						key := fmt.Sprintf("%s|%d|%d", r, s.weekday, s.start)
						if roomBusy[key] || roomCap[r] < c.capacity {
							continue
						}
						roomBusy[key] = true
						teacherBusy[slotKey(s)] = append(teacherBusy[slotKey(s)], t)
						teacherDays[t][s.weekday] = true
						if dayTeachers[s.weekday] == nil {
							dayTeachers[s.weekday] = map[int]bool{}
						}
						dayTeachers[s.weekday][t] = true
						c.room, c.weekday, c.start = r, s.weekday, s.start
						placed = true
						break
					}
					if placed {
						break
					}
				}
			}
			if !placed {
				panic("seed: no slot for class " + c.name) // the catalog is fixed: a test catches this
			}
			out = append(out, c)
		}
	}
	return out
}

type seedEnrolment struct {
	class   int // index into the planned classes
	student seededStudent
	state   string // "enrolled" or "waitlisted"
}

// planEnrolments places every student in a class of each instrument they
// play: the first class for their level with a free place whose slot does
// not clash with their other classes, else the waitlist of the first that
// does not clash.
func planEnrolments(classes []seedClass, students []seededStudent) []seedEnrolment {
	enrolled := make([]int, len(classes))
	var out []seedEnrolment
	for _, s := range students {
		var mine []int
		clashes := func(ci int) bool {
			for _, o := range mine {
				a, b := classes[ci], classes[o]
				if a.weekday == b.weekday && a.start < b.start+b.groupMin && b.start < a.start+a.groupMin {
					return true
				}
			}
			return false
		}
		for _, instr := range s.instruments {
			var candidates []int
			for ci, c := range classes {
				if instrumentID(c.instrument) == instr && slices.Contains(c.levels, s.level) && !clashes(ci) {
					candidates = append(candidates, ci)
				}
			}
			if len(candidates) == 0 {
				continue
			}
			e := seedEnrolment{class: candidates[0], student: s, state: "waitlisted"}
			for _, ci := range candidates {
				if enrolled[ci] < classes[ci].capacity {
					e.class, e.state = ci, "enrolled"
					enrolled[ci]++
					break
				}
			}
			if e.state == "enrolled" {
				mine = append(mine, e.class)
			}
			out = append(out, e)
		}
	}
	return out
}

// A teacher's weekly availability block.
type seedBlock struct {
	teacher, weekday int
	start, end       int // minutes after midnight
	room             string
}

// planAvailability gives each teacher a block on every day they teach:
// 14:30–19:30 on weekdays, 09:00–13:00 on Saturday, in a room no other
// teacher's block uses that day (their own class's room when free).
func planAvailability(classes []seedClass) []seedBlock {
	var out []seedBlock
	used := map[int]map[string]bool{}
	for t := range classCatalog {
		var days []int
		for _, c := range classes {
			if c.teacher == t && !slices.Contains(days, c.weekday) {
				days = append(days, c.weekday)
			}
		}
		slices.Sort(days)
		for _, wd := range days {
			if used[wd] == nil {
				used[wd] = map[string]bool{}
			}
			var rooms []string
			for _, c := range classes {
				if c.teacher == t && c.weekday == wd {
					rooms = append(rooms, c.room)
				}
			}
			for _, r := range schoolRooms {
				rooms = append(rooms, r.name)
			}
			b := seedBlock{teacher: t, weekday: wd, start: 14*60 + 30, end: 19*60 + 30}
			if wd == 6 {
				b.start, b.end = 9*60, 13*60
			}
			for _, r := range rooms {
				if !used[wd][r] {
					b.room, used[wd][r] = r, true
					break
				}
			}
			if b.room == "" {
				panic("seed: no room for an availability block") // maxTeachersPerDay prevents this
			}
			out = append(out, b)
		}
	}
	return out
}

// availabilityException is the one dated exception seeded: the violin
// teacher away for a day of the window's second week.
const exceptionTeacher = 2

// An individual session booked in the seeded window.
type seedBooking struct {
	key        string
	class      int
	student    seededStudent
	week       int
	start, end time.Time
	room       string
	bookedBy   uuid.UUID
	bookedAt   time.Time
}

// interval is a half-open span of time.
type interval struct{ from, to time.Time }

func overlaps(list []interval, iv interval) bool {
	for _, o := range list {
		if iv.from.Before(o.to) && o.from.Before(iv.to) {
			return true
		}
	}
	return false
}

// at is the instant of minutes after midnight on d in loc. A local time in a
// spring-forward gap is taken as Go normalises it (moved forward by the gap).
func at(d civil, minutes int, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), minutes/60, minutes%60, 0, 0, loc)
}

// planBookings books about a third of the enrolled students of every class
// into an individual session in each of the window's weeks: the first free
// slot on the teacher's grid (individual_minutes from the block's start)
// from a spot picked per student, on a teaching day the teacher has no
// exception, clashing with nothing already booked.
func planBookings(p termPlan, windowWeeks []int, classes []seedClass, enrolments []seedEnrolment, blocks []seedBlock,
	exceptionDay civil, parentOf map[uuid.UUID]uuid.UUID, open time.Time, loc *time.Location) []seedBooking {
	var out []seedBooking
	teacherBusy := map[int][]interval{}
	roomBusy := map[string][]interval{}
	studentBusy := map[uuid.UUID][]interval{}
	for _, wn := range windowWeeks {
		monday := p.weeks[wn-1].monday
		for ei, e := range enrolments {
			c := classes[e.class]
			key := fmt.Sprintf("booking:%s:%d:%s", c.key, wn, e.student.id)
			if e.state != "enrolled" || jitter(key, 100) >= 35 {
				continue
			}
			type slot struct {
				iv   interval
				room string
			}
			var slots []slot
			for _, b := range blocks {
				d := monday.AddDate(0, 0, b.weekday-1)
				if b.teacher != c.teacher || !p.teachingDay(d) || (b.teacher == exceptionTeacher && d.Equal(exceptionDay)) {
					continue
				}
				for m := b.start; m+c.indivMin <= b.end; m += c.indivMin {
					slots = append(slots, slot{interval{at(d, m, loc), at(d, m+c.indivMin, loc)}, b.room})
				}
			}
			if len(slots) == 0 {
				continue
			}
			first := jitter(key+":slot", len(slots))
			for i := range slots {
				s := slots[(first+i)%len(slots)]
				if overlaps(teacherBusy[c.teacher], s.iv) || overlaps(roomBusy[s.room], s.iv) || overlaps(studentBusy[e.student.id], s.iv) {
					continue
				}
				teacherBusy[c.teacher] = append(teacherBusy[c.teacher], s.iv)
				roomBusy[s.room] = append(roomBusy[s.room], s.iv)
				studentBusy[e.student.id] = append(studentBusy[e.student.id], s.iv)
				out = append(out, seedBooking{key: key, class: e.class, student: e.student, week: wn,
					start: s.iv.from, end: s.iv.to, room: s.room, bookedBy: parentOf[e.student.family],
					// The rush: the first hour after the window opened.
					bookedAt: open.Add(time.Duration(jitter(key+":at", 3600)+ei%7) * time.Second)})
				break
			}
		}
	}
	return out
}

// ScheduleSummary is what Summary reports of the school's current term,
// read back from the database (dates and times in the school's zone).
type ScheduleSummary struct {
	Term, TermStart, TermEnd, TimeZone     string
	TeachingWeeks                          int
	IndividualWeeks, Breaks                string
	Classes, Enrolled, Waitlisted          int
	GroupSessions, Placeholders            int
	AvailabilityBlocks                     int
	WindowWeeks, WindowOpens, WindowCloses string
	Bookings                               int
}

// writeSchedule writes the school's current term in tx (scoped to the
// school) after writeDirectory, unless a seeding wrote it before. now
// places the term.
func writeSchedule(ctx context.Context, tx pgx.Tx, people []person, now time.Time) error {
	tenant := SchoolTenantID
	var zone string
	if err := tx.QueryRow(ctx, `SELECT time_zone FROM booking.settings WHERE tenant_id = $1`, tenant).Scan(&zone); err != nil {
		return fmt.Errorf("read time zone: %w", err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return fmt.Errorf("school time zone %q: %w", zone, err)
	}
	// The term is written once, whole, by the first seeding: afterwards it
	// is the app's (an admin may change the pattern, parents book and
	// cancel), and writing the seed's rows again could only clash with
	// what the app made of them.
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM booking.terms WHERE tenant_id = $1 AND term_id = $2)`, tenant, TermID).Scan(&exists); err != nil {
		return fmt.Errorf("read term: %w", err)
	}
	if exists {
		return nil
	}
	today := dateOf(now.In(loc))
	start := mondayOf(today).AddDate(0, 0, -21)
	p := planTerm(start, today)
	classes := planClasses()
	parents := people[len(schoolStaff):]
	students := directoryStudents(parents)
	enrolments := planEnrolments(classes, students)
	blocks := planAvailability(classes)
	parentOf := map[uuid.UUID]uuid.UUID{}
	for _, pp := range parents {
		parentOf[FamilyID(pp.email)] = UserID(pp.email)
	}

	// The window: the next two individual weeks after today's, opened the
	// Saturday before today's week at 09:00 and closing the Friday before
	// the first of them at 18:00.
	var windowWeeks []int
	for _, w := range p.weeks {
		if w.kind == "individual" && w.monday.After(today) && len(windowWeeks) < 2 {
			windowWeeks = append(windowWeeks, w.number)
		}
	}
	if len(windowWeeks) == 0 {
		return errors.New("the term has no individual week ahead")
	}
	open := at(mondayOf(today).AddDate(0, 0, -2), 9*60, loc)
	closes := at(p.weeks[windowWeeks[0]-1].monday.AddDate(0, 0, -3), 18*60, loc)
	exceptionDay := p.weeks[windowWeeks[len(windowWeeks)-1]-1].monday.AddDate(0, 0, 1)
	bookings := planBookings(p, windowWeeks, classes, enrolments, blocks, exceptionDay, parentOf, open, loc)

	b := &pgx.Batch{}
	b.Queue(`INSERT INTO booking.terms (tenant_id, term_id, display_name, start_date, end_date) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant_id, term_id) DO NOTHING`, tenant, TermID, p.name, p.start, p.end)
	for i, br := range p.breaks {
		b.Queue(`INSERT INTO booking.term_breaks (tenant_id, term_id, break_number, display_name, start_date, end_date)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, term_id, break_number) DO NOTHING`,
			tenant, TermID, i+1, br.name, br.start, br.end)
	}
	for _, w := range p.weeks {
		b.Queue(`INSERT INTO booking.term_weeks (tenant_id, term_id, week_number, monday, kind) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, term_id, week_number) DO NOTHING`, tenant, TermID, w.number, w.monday, w.kind)
	}
	staff := people[1:len(schoolStaff)]
	for _, c := range classes {
		b.Queue(`INSERT INTO booking.classes (tenant_id, class_id, term_id, display_name, instrument_id, teacher_id, room_id,
				weekday, start_time, group_minutes, individual_minutes, capacity)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, make_time($9, $10, 0), $11, $12, $13)
			ON CONFLICT (tenant_id, class_id) DO NOTHING`,
			tenant, c.id(), TermID, c.name, instrumentID(c.instrument), id("teacher:"+staff[c.teacher].email), id("room:"+c.room),
			c.weekday, c.start/60, c.start%60, c.groupMin, c.indivMin, c.capacity)
	}
	// In plan order, so the waitlist's queue is the order students came in.
	for _, e := range enrolments {
		c := classes[e.class]
		b.Queue(`INSERT INTO booking.enrolments (tenant_id, enrolment_id, class_id, student_id, state) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, enrolment_id) DO NOTHING`,
			tenant, id("enrolment:"+c.key+":"+e.student.id.String()), c.id(), e.student.id, e.state)
	}
	for t, tm := range staff {
		teacher := id("teacher:" + tm.email)
		b.Queue(`INSERT INTO booking.availability (tenant_id, teacher_id) VALUES ($1, $2) ON CONFLICT (tenant_id, teacher_id) DO NOTHING`, tenant, teacher)
		n := 0
		for _, bl := range blocks {
			if bl.teacher != t {
				continue
			}
			n++
			// '24:00' never occurs here, so make_time suffices for the end too.
			b.Queue(`INSERT INTO booking.availability_blocks (tenant_id, teacher_id, block_number, weekday, start_time, end_time, room_id)
				VALUES ($1, $2, $3, $4, make_time($5, $6, 0), make_time($7, $8, 0), $9)
				ON CONFLICT (tenant_id, teacher_id, block_number) DO NOTHING`,
				tenant, teacher, n, bl.weekday, bl.start/60, bl.start%60, bl.end/60, bl.end%60, id("room:"+bl.room))
		}
		if t == exceptionTeacher {
			b.Queue(`INSERT INTO booking.availability_exceptions (tenant_id, teacher_id, exception_number, on_date, note)
				VALUES ($1, $2, 1, $3, 'Youth orchestra tour') ON CONFLICT (tenant_id, teacher_id, exception_number) DO NOTHING`,
				tenant, teacher, exceptionDay)
		}
	}
	b.Queue(`INSERT INTO booking.booking_windows (tenant_id, window_id, term_id, week_numbers, open_time, close_time)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, window_id) DO NOTHING`,
		tenant, BookingWindowID, TermID, windowWeeks, open, closes)

	// Group sessions and placeholders: one per class and teaching week,
	// none on a break day or outside the term; attendees are the class's
	// enrolled students (blocking only for a group session).
	for _, c := range classes {
		for _, w := range p.weeks {
			d := w.monday.AddDate(0, 0, c.weekday-1)
			if !p.teachingDay(d) {
				continue
			}
			sid := id(fmt.Sprintf("session:%s:%d", c.key, w.number))
			from := at(d, c.start, loc)
			during := tsRange(from, from.Add(time.Duration(c.groupMin)*time.Minute))
			b.Queue(`INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::tstzrange) ON CONFLICT (tenant_id, session_id) DO NOTHING`,
				tenant, sid, map[string]string{"group": "group", "individual": "placeholder"}[w.kind], TermID, c.id(), w.number,
				id("teacher:"+staff[c.teacher].email), id("room:"+c.room), during)
			for _, e := range enrolments {
				if e.state != "enrolled" || classes[e.class].key != c.key {
					continue
				}
				b.Queue(`INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
					VALUES ($1, $2, $3, $4::tstzrange, $5) ON CONFLICT (tenant_id, session_id, student_id) DO NOTHING`,
					tenant, sid, e.student.id, during, w.kind == "group")
			}
		}
	}
	for _, bk := range bookings {
		c := classes[bk.class]
		bid, sid := id(bk.key), id("session:"+bk.key)
		during := tsRange(bk.start, bk.end)
		b.Queue(`INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, booked_by, create_time)
			VALUES ($1, $2, $3, $4, $5, 'once', $6, $7) ON CONFLICT (tenant_id, booking_id) DO NOTHING`,
			tenant, bid, bk.student.family, bk.student.id, c.id(), bk.bookedBy, bk.bookedAt)
		b.Queue(`INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during,
				booking_id, create_time, update_time)
			VALUES ($1, $2, 'individual', $3, $4, $5, $6, $7, $8::tstzrange, $9, $10, $10) ON CONFLICT (tenant_id, session_id) DO NOTHING`,
			tenant, sid, TermID, c.id(), bk.week, id("teacher:"+staff[c.teacher].email), id("room:"+bk.room), during, bid, bk.bookedAt)
		b.Queue(`INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
			VALUES ($1, $2, $3, $4::tstzrange, true) ON CONFLICT (tenant_id, session_id, student_id) DO NOTHING`,
			tenant, sid, bk.student.id, during)
		b.Queue(`INSERT INTO booking.session_events (tenant_id, event_id, session_id, action, actor_user_id, new_start_time, student_id, create_time)
			VALUES ($1, $2, $3, 'booked', $4, $5, $6, $7) ON CONFLICT (tenant_id, event_id) DO NOTHING`,
			tenant, id("event:"+bk.key), sid, bk.bookedBy, bk.start, bk.student.id, bk.bookedAt)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write schedule: %w", err)
	}
	return nil
}

// tsRange is the text of the half-open range [from, to), which PostgreSQL
// casts to tstzrange.
func tsRange(from, to time.Time) string {
	return "[" + from.UTC().Format(time.RFC3339) + "," + to.UTC().Format(time.RFC3339) + ")"
}

// readSchedule reads back what the school's schedule holds, for Summary.
func readSchedule(ctx context.Context, tx pgx.Tx) (ScheduleSummary, error) {
	var s ScheduleSummary
	var start, end time.Time
	var individual, windowWeeks []int32
	var breaks []string
	var opens, closes *time.Time
	err := tx.QueryRow(ctx, `SELECT t.display_name, t.start_date, t.end_date,
			coalesce((SELECT time_zone FROM booking.settings WHERE tenant_id = $1), 'UTC'),
			(SELECT count(*) FROM booking.term_weeks w WHERE w.tenant_id = $1 AND w.term_id = $2),
			coalesce((SELECT array_agg(week_number ORDER BY week_number) FROM booking.term_weeks w
				WHERE w.tenant_id = $1 AND w.term_id = $2 AND kind = 'individual'), '{}'),
			coalesce((SELECT array_agg(display_name || ' ' || to_char(start_date, 'Mon DD') ||
					CASE WHEN end_date > start_date THEN '–' || to_char(end_date, 'Mon DD') ELSE '' END ORDER BY start_date)
				FROM booking.term_breaks b WHERE b.tenant_id = $1 AND b.term_id = $2), '{}'),
			(SELECT count(*) FROM booking.classes c WHERE c.tenant_id = $1 AND c.term_id = $2),
			(SELECT count(*) FILTER (WHERE e.state = 'enrolled') FROM booking.enrolments e JOIN booking.classes c USING (tenant_id, class_id)
				WHERE e.tenant_id = $1 AND c.term_id = $2),
			(SELECT count(*) FILTER (WHERE e.state = 'waitlisted') FROM booking.enrolments e JOIN booking.classes c USING (tenant_id, class_id)
				WHERE e.tenant_id = $1 AND c.term_id = $2),
			(SELECT count(*) FROM booking.sessions s WHERE s.tenant_id = $1 AND s.term_id = $2 AND kind = 'group'),
			(SELECT count(*) FROM booking.sessions s WHERE s.tenant_id = $1 AND s.term_id = $2 AND kind = 'placeholder'),
			(SELECT count(*) FROM booking.availability_blocks WHERE tenant_id = $1),
			coalesce((SELECT week_numbers FROM booking.booking_windows WHERE tenant_id = $1 AND window_id = $3), '{}'),
			(SELECT open_time FROM booking.booking_windows WHERE tenant_id = $1 AND window_id = $3),
			(SELECT close_time FROM booking.booking_windows WHERE tenant_id = $1 AND window_id = $3),
			(SELECT count(*) FROM booking.bookings b JOIN booking.classes c USING (tenant_id, class_id) WHERE b.tenant_id = $1 AND c.term_id = $2)
		FROM booking.terms t WHERE t.tenant_id = $1 AND t.term_id = $2`, SchoolTenantID, TermID, BookingWindowID).
		Scan(&s.Term, &start, &end, &s.TimeZone, &s.TeachingWeeks, &individual, &breaks, &s.Classes, &s.Enrolled, &s.Waitlisted,
			&s.GroupSessions, &s.Placeholders, &s.AvailabilityBlocks, &windowWeeks, &opens, &closes, &s.Bookings)
	if err != nil {
		return s, fmt.Errorf("read schedule: %w", err)
	}
	s.TermStart, s.TermEnd = start.Format(time.DateOnly), end.Format(time.DateOnly)
	s.IndividualWeeks, s.WindowWeeks, s.Breaks = joinInts(individual), joinInts(windowWeeks), strings.Join(breaks, "; ")
	if loc, err := time.LoadLocation(s.TimeZone); err == nil && opens != nil && closes != nil {
		s.WindowOpens, s.WindowCloses = opens.In(loc).Format("Mon 2006-01-02 15:04"), closes.In(loc).Format("Mon 2006-01-02 15:04")
	}
	return s, nil
}

func joinInts(ns []int32) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(int(n))
	}
	return strings.Join(parts, ", ")
}
