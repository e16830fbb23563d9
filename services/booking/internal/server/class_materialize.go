package server

import (
	"context"
	"time"

	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

// classSlot is one week's group session or placeholder of a class.
type classSlot struct {
	week int32
	kind string // group or placeholder
	slot schedule.Slot
}

// classSlots are the sessions a class has by its schedule: one per teaching
// week whose day for the class is a term day outside the breaks, a group
// session or a placeholder as the week's kind (or the class's override)
// says, at the class's local time in the school's zone.
func classSlots(ctx context.Context, q txQueries, c store.BookingClass, term store.BookingTerm) ([]classSlot, *time.Location, error) {
	loc, err := schoolZone(ctx, q.Queries, c.TenantID)
	if err != nil {
		return nil, nil, err
	}
	lt, err := loadTerm(ctx, q.Queries, term)
	if err != nil {
		return nil, nil, err
	}
	overrides, err := q.ClassOverrides(ctx, store.ClassOverridesParams{TenantID: c.TenantID, ClassID: c.ClassID})
	if err != nil {
		return nil, nil, err
	}
	kindOf := map[int32]string{}
	for _, w := range lt.weeks {
		kindOf[w.WeekNumber] = w.Kind
	}
	for _, o := range overrides {
		kindOf[o.WeekNumber] = o.Kind
	}
	var out []classSlot
	for _, w := range lt.weeks {
		day, ok := lt.dates.Day(fromDate(w.Monday), int(c.Weekday))
		if !ok {
			continue
		}
		out = append(out, classSlot{week: w.WeekNumber, kind: sessionKindFor(kindOf[w.WeekNumber]),
			slot: schedule.SlotAt(day, fromClock(c.StartTime), int(c.GroupMinutes), loc)})
	}
	return out, loc, nil
}

// materializeClass writes a new class's sessions.
func materializeClass(ctx context.Context, q txQueries, c store.BookingClass, term store.BookingTerm) error {
	slots, loc, err := classSlots(ctx, q, c, term)
	if err != nil {
		return err
	}
	return insertClassSessions(ctx, q, c, slots, loc)
}

// insertClassSessions inserts slots as the class's sessions; a clash with
// another session of the teacher or the room is SLOT_TAKEN naming it.
func insertClassSessions(ctx context.Context, q txQueries, c store.BookingClass, slots []classSlot, loc *time.Location) error {
	if len(slots) == 0 {
		return nil
	}
	p := store.InsertClassSessionsParams{TenantID: c.TenantID, ClassID: c.ClassID}
	for _, s := range slots {
		p.WeekNumbers = append(p.WeekNumbers, s.week)
		p.Kinds = append(p.Kinds, s.kind)
		p.StartTimes = append(p.StartTimes, s.slot.Start)
		p.EndTimes = append(p.EndTimes, s.slot.End)
	}
	err := inSavepoint(ctx, q.tx, func() error {
		_, err := q.InsertClassSessions(ctx, p)
		return err
	})
	return classClash(ctx, q, c, slots, loc, err)
}

// classClash turns an exclusion violation of the class's sessions into
// SLOT_TAKEN naming what they clash with (looked up after the savepoint
// was rolled back); other errors pass.
func classClash(ctx context.Context, q txQueries, c store.BookingClass, slots []classSlot, loc *time.Location, err error) error {
	switch {
	case violated(err, "sessions_teacher_excl"), violated(err, "sessions_room_excl"):
	case violated(err, "session_attendees_student_excl"):
		return slotTaken("an enrolled student of " + c.DisplayName + " has another session at the class's new time")
	default:
		return err
	}
	p := store.ClassSlotClashParams{TenantID: c.TenantID, ClassID: c.ClassID, TeacherID: c.TeacherID, RoomID: c.RoomID}
	for _, s := range slots {
		if s.kind == kindGroup {
			p.StartTimes = append(p.StartTimes, s.slot.Start)
			p.EndTimes = append(p.EndTimes, s.slot.End)
		}
	}
	clash, lookupErr := q.ClassSlotClash(ctx, p)
	if lookupErr != nil {
		return slotTaken("the class's slot overlaps another session of its teacher or room")
	}
	who := "its room is taken by "
	if clash.SameTeacher {
		who = "its teacher is already teaching "
	}
	return slotTaken("the class's group slot clashes: " + who + describeSession(clash.Kind, clash.ClassName, clash.StartTime, loc))
}

// retimeClass moves the class's sessions that have not started to what its
// schedule now says: in place where the week keeps a session (the same
// session, its sequence bumped, attendees moved by the trigger), deleted
// where the new day is a break, added where the new day is a term day.
// Sessions that have started stay as they were.
func retimeClass(ctx context.Context, q txQueries, c store.BookingClass, term store.BookingTerm) error {
	slots, loc, err := classSlots(ctx, q, c, term)
	if err != nil {
		return err
	}
	existing, err := q.ClassWeekSessions(ctx, store.ClassWeekSessionsParams{TenantID: c.TenantID, ClassID: c.ClassID})
	if err != nil {
		return err
	}
	now := time.Now()
	byWeek := map[int32]store.ClassWeekSessionsRow{}
	for _, e := range existing {
		byWeek[e.WeekNumber.Int32] = e
	}
	wanted := map[int32]bool{}
	var added []classSlot
	err = inSavepoint(ctx, q.tx, func() error {
		for _, s := range slots {
			wanted[s.week] = true
			e, has := byWeek[s.week]
			switch {
			case has && !e.StartTime.After(now), !s.slot.Start.After(now):
				continue // started, or the new time has passed: history stays
			case has:
				if err := q.RetimeClassSession(ctx, store.RetimeClassSessionParams{TenantID: c.TenantID, SessionID: e.SessionID,
					StartTime: s.slot.Start, EndTime: s.slot.End, TeacherID: c.TeacherID, RoomID: c.RoomID}); err != nil {
					return err
				}
			default:
				added = append(added, s)
			}
		}
		for week, e := range byWeek {
			if !wanted[week] && e.StartTime.After(now) {
				if err := q.DeleteClassSession(ctx, store.DeleteClassSessionParams{TenantID: c.TenantID, SessionID: e.SessionID}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err := classClash(ctx, q, c, slots, loc, err); err != nil {
		return err
	}
	if err := insertClassSessions(ctx, q, c, added, loc); err != nil {
		return err
	}
	if len(added) == 0 {
		return nil
	}
	err = inSavepoint(ctx, q.tx, func() error {
		return q.AddEnrolledToClassSessions(ctx, store.AddEnrolledToClassSessionsParams{TenantID: c.TenantID, ClassID: c.ClassID})
	})
	return classClash(ctx, q, c, slots, loc, err)
}
