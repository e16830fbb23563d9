package server

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

// slotRules loads what decides one student's bookable slots of a class
// (schedule.Rules): the term's weeks as the class is taught, its breaks and
// windows, the teacher's availability and the school's notice rule. credit
// set makes them a make-up's: any week, no window, before its expiry.
func slotRules(ctx context.Context, q *store.Queries, tenant uuid.UUID, class store.BookableClassRow,
	credit *store.BookingMakeupCredit, now time.Time) (schedule.Rules, error) {
	loc, hours, err := settingsOf(ctx, q, tenant)
	if err != nil {
		return schedule.Rules{}, err
	}
	r := schedule.Rules{Loc: loc, Now: now, NoticeHours: hours, Minutes: int(class.IndividualMinutes), Class: class.ClassID,
		Calendar: schedule.Calendar{Start: class.TermStart.Time, End: class.TermEnd.Time}}
	weeks, err := q.BookableWeeks(ctx, store.BookableWeeksParams{TenantID: tenant, TermID: class.TermID, ClassID: class.ClassID})
	if err != nil {
		return r, err
	}
	for _, w := range weeks {
		r.Calendar.Weeks = append(r.Calendar.Weeks, schedule.Week{Number: int(w.WeekNumber), Monday: w.Monday.Time, Individual: w.Kind == "individual"})
	}
	breaks, err := q.BookableBreaks(ctx, store.BookableBreaksParams{TenantID: tenant, TermID: class.TermID})
	if err != nil {
		return r, err
	}
	for _, b := range breaks {
		r.Calendar.Breaks = append(r.Calendar.Breaks, schedule.Break{Start: b.StartDate.Time, End: b.EndDate.Time})
	}
	if credit != nil {
		r.Makeup, r.Expire = true, credit.ExpireTime
	} else {
		windows, err := q.BookableWindows(ctx, store.BookableWindowsParams{TenantID: tenant, TermID: class.TermID})
		if err != nil {
			return r, err
		}
		for _, w := range windows {
			win := schedule.Window{Open: w.OpenTime, Close: w.CloseTime, Classes: w.ClassIds}
			for _, n := range w.WeekNumbers {
				win.Weeks = append(win.Weeks, int(n))
			}
			r.Windows = append(r.Windows, win)
		}
	}
	blocks, err := q.BookableBlocks(ctx, store.BookableBlocksParams{TenantID: tenant, TeacherID: class.TeacherID})
	if err != nil {
		return r, err
	}
	for _, b := range blocks {
		r.Blocks = append(r.Blocks, schedule.Block{Weekday: int(b.Weekday), Start: minutesOf(b.StartTime), End: minutesOf(b.EndTime), Room: b.RoomID})
	}
	// Every exception the rules may meet: the term's, and a make-up's life.
	from, to := class.TermStart, class.TermEnd
	if credit != nil {
		from = pgtype.Date{Time: schedule.DateOf(now, loc).AddDate(0, 0, -1), Valid: true}
		to = pgtype.Date{Time: schedule.DateOf(credit.ExpireTime, loc).AddDate(0, 0, 1), Valid: true}
	}
	exceptions, err := q.BookableExceptions(ctx, store.BookableExceptionsParams{TenantID: tenant, TeacherID: class.TeacherID, FromDate: from, ToDate: to})
	if err != nil {
		return r, err
	}
	for _, e := range exceptions {
		r.Exceptions = append(r.Exceptions, schedule.Exception{Date: e.OnDate.Time, AllDay: !e.StartTime.Valid,
			Start: minutesOf(e.StartTime), End: minutesOf(e.EndTime)})
	}
	return r, nil
}

// minutesOf is a time of day as minutes since midnight ('24:00' is 1440).
func minutesOf(t pgtype.Time) int { return int(t.Microseconds / int64(time.Minute/time.Microsecond)) }

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
	busy := schedule.Busy{Rooms: map[uuid.UUID][]schedule.Interval{}}
	for _, row := range rows {
		i := schedule.Interval{Start: row.StartTime, End: row.EndTime}
		if row.OfPerson {
			busy.All = append(busy.All, i)
		}
		busy.Rooms[row.RoomID] = append(busy.Rooms[row.RoomID], i)
	}
	return busy, nil
}
