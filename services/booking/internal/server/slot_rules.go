package server

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"steward.dev/platform/aip"
	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

// The JSON shapes of BookableRules' aggregates.
type (
	windowJSON struct {
		Open    time.Time   `json:"open"`
		Close   time.Time   `json:"close"`
		Weeks   []int       `json:"weeks"`
		Classes []uuid.UUID `json:"classes"`
	}
	exceptionJSON struct {
		Date  string  `json:"date"`
		Start *string `json:"start"`
		End   *string `json:"end"`
	}
)

// rulesRowOf is the BookableRules part of a BookingContext row.
func rulesRowOf(c store.BookingContextRow) store.BookableRulesRow {
	return store.BookableRulesRow{ClassID: c.ClassID, TermID: c.TermID, DisplayName: c.DisplayName, TeacherID: c.TeacherID, RoomID: c.RoomID,
		IndividualMinutes: c.IndividualMinutes, TermStart: c.TermStart, TermEnd: c.TermEnd, TimeZone: c.TimeZone, NoticeHours: c.NoticeHours,
		Enrolled: c.Enrolled, WeekNumbers: c.WeekNumbers, WeekMondays: c.WeekMondays, WeekIndividual: c.WeekIndividual,
		BreakStarts: c.BreakStarts, BreakEnds: c.BreakEnds, Windows: c.Windows, BlockWeekdays: c.BlockWeekdays,
		BlockStarts: c.BlockStarts, BlockEnds: c.BlockEnds, BlockRooms: c.BlockRooms, Exceptions: c.Exceptions}
}

// rulesOf builds the rules of a BookableRules row.
func rulesOf(row store.BookableRulesRow, credit *store.BookingMakeupCredit, now time.Time) (schedule.Rules, error) {
	loc, err := aip.LoadTimeZone(row.TimeZone)
	if err != nil {
		return schedule.Rules{}, err // the settings refuse a zone that does not load
	}
	r := schedule.Rules{Loc: loc, Now: now, NoticeHours: int(row.NoticeHours), Minutes: int(row.IndividualMinutes), Class: row.ClassID,
		Calendar: schedule.Calendar{Start: row.TermStart.Time, End: row.TermEnd.Time}}
	var (
		windows    []windowJSON
		exceptions []exceptionJSON
	)
	for _, part := range []struct {
		text string
		dst  any
	}{{row.Windows, &windows}, {row.Exceptions, &exceptions}} {
		if err := json.Unmarshal([]byte(part.text), part.dst); err != nil {
			return r, fmt.Errorf("bookable rules: %w", err)
		}
	}
	r.Calendar.Weeks = make([]schedule.ClassWeek, len(row.WeekNumbers))
	for i, n := range row.WeekNumbers {
		r.Calendar.Weeks[i] = schedule.ClassWeek{Number: int(n), Monday: row.WeekMondays[i].Time, Individual: row.WeekIndividual[i]}
	}
	for i, st := range row.BreakStarts {
		r.Calendar.Breaks = append(r.Calendar.Breaks, schedule.Span{Start: st.Time, End: row.BreakEnds[i].Time})
	}
	if credit != nil {
		r.Makeup, r.Expire = true, credit.ExpireTime
	} else {
		for _, w := range windows {
			r.Windows = append(r.Windows, schedule.Window{Open: w.Open, Close: w.Close, Weeks: w.Weeks, Classes: w.Classes})
		}
	}
	r.Blocks = make([]schedule.Block, len(row.BlockWeekdays))
	for i, wd := range row.BlockWeekdays {
		r.Blocks[i] = schedule.Block{Weekday: int(wd), Start: timeMinutes(row.BlockStarts[i]), End: timeMinutes(row.BlockEnds[i]), Room: row.BlockRooms[i]}
	}
	for _, e := range exceptions {
		x := schedule.Exception{Date: civil(e.Date), AllDay: e.Start == nil}
		if e.Start != nil && e.End != nil {
			x.Start, x.End = clockMinutes(*e.Start), clockMinutes(*e.End)
		}
		r.Exceptions = append(r.Exceptions, x)
	}
	return r, nil
}

// civil reads a JSON date ("2027-03-01") as midnight UTC.
func civil(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s) // PostgreSQL wrote it
	return t
}

// timeMinutes is a time of day's minutes since midnight (1440 for 24:00).
func timeMinutes(t pgtype.Time) int { return int(t.Microseconds / 60_000_000) }

// clockMinutes reads a JSON time of day ("09:30:00", "24:00:00").
func clockMinutes(s string) int {
	var h, m, sec int
	_, _ = fmt.Sscanf(s, "%d:%d:%d", &h, &m, &sec) // PostgreSQL wrote it
	return h*60 + m
}

// busyFor loads what blocks the rules' slots from one date to another: the
// teacher's, the student's and the availability rooms' blocking sessions.
func busyFor(ctx context.Context, q *store.Queries, tenant, teacher, student uuid.UUID, r schedule.Rules, from, to time.Time) (schedule.Busy, error) {
	var rooms []uuid.UUID
	for _, b := range r.Blocks {
		if !slices.Contains(rooms, b.Room) {
			rooms = append(rooms, b.Room)
		}
	}
	rows, err := q.BusyIntervals(ctx, store.BusyIntervalsParams{TenantID: tenant, TeacherID: teacher, StudentID: student, RoomIds: rooms,
		RangeStart: schedule.At(from, 0, r.Loc), RangeEnd: schedule.At(to, 24*60, r.Loc)})
	if err != nil {
		return schedule.Busy{}, err
	}
	busy := schedule.Busy{Rooms: map[uuid.UUID][]schedule.Slot{}}
	for _, row := range rows {
		i := schedule.Slot{Start: row.StartTime, End: row.EndTime}
		if row.OfPerson {
			busy.All = append(busy.All, i)
		}
		busy.Rooms[row.RoomID] = append(busy.Rooms[row.RoomID], i)
	}
	return busy, nil
}

// busyOfContext is the busy intervals a BookingContext row carries, as
// busyFor would have read them.
func busyOfContext(c store.BookingContextRow) schedule.Busy {
	busy := schedule.Busy{Rooms: map[uuid.UUID][]schedule.Slot{}}
	for i := range c.BusyStarts {
		iv := schedule.Slot{Start: c.BusyStarts[i], End: c.BusyEnds[i]}
		if c.BusyOfPerson[i] {
			busy.All = append(busy.All, iv)
		}
		busy.Rooms[c.BusyRooms[i]] = append(busy.Rooms[c.BusyRooms[i]], iv)
	}
	return busy
}
