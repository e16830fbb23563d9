package server

import (
	"context"
	"time"

	"github.com/google/uuid"

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
	var out []classSlot
	for _, m := range lt.meetings(c.Weekday, overrides) {
		out = append(out, classSlot{week: m.week, kind: sessionKindFor(m.kind),
			slot: schedule.SlotAt(m.day, fromClock(c.StartTime), int(c.GroupMinutes), loc)})
	}
	return out, loc, nil
}

// meeting is a teaching week in which a class meets: the day, and the
// week's kind for the class (group or individual).
type meeting struct {
	week int32
	day  time.Time
	kind string
}

// meetings are the weeks a class on weekday meets by the term's pattern:
// each teaching week whose day for the class is a term day outside the
// breaks, of the week's kind unless one of overrides (the class's) says
// otherwise. The sessions are materialised from them (classSlots) and the
// term is billed by them (ListBillableEnrolments), so the two agree.
func (lt loadedTerm) meetings(weekday int16, overrides []store.BookingClassWeekOverride) []meeting {
	kindOf := make(map[int32]string, len(lt.weeks))
	for _, w := range lt.weeks {
		kindOf[w.WeekNumber] = w.Kind
	}
	for _, o := range overrides {
		kindOf[o.WeekNumber] = o.Kind
	}
	var out []meeting
	for _, w := range lt.weeks {
		day, ok := lt.dates.Day(fromDate(w.Monday), int(weekday))
		if !ok {
			continue
		}
		out = append(out, meeting{week: w.WeekNumber, day: day, kind: kindOf[w.WeekNumber]})
	}
	return out
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

// movedOffReason is the cancel_reason of a session with history whose week
// lost its day when the class moved; it marks the sessions a move back
// reinstates.
const movedOffReason = "the class moved to a day that is not a teaching day this week"

// retimeClass moves the class's sessions that have not started to what its
// schedule now says: in place where the week keeps a session (the same
// session, its sequence bumped, attendees moved by the trigger; one this
// function cancelled before is scheduled again), removed where the new day
// is a break or outside the term (dropClassSession), added where the new
// day is a term day. Sessions that have started stay as they were.
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
	reinstated := false
	err = inSavepoint(ctx, q.tx, func() error {
		for _, s := range slots {
			wanted[s.week] = true
			e, has := byWeek[s.week]
			switch {
			case has && !e.StartTime.After(now), !s.slot.Start.After(now):
				continue // started, or the new time has passed: history stays
			case has:
				if e.State == "cancelled" {
					n, err := q.ReinstateMovedClassSession(ctx, store.ReinstateMovedClassSessionParams{TenantID: c.TenantID,
						SessionID: e.SessionID, CancelReason: movedOffReason})
					if err != nil {
						return err
					}
					reinstated = reinstated || n > 0
				}
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
				if err := dropClassSession(ctx, q, c, e.SessionID); err != nil {
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
	if len(added) == 0 && !reinstated {
		return nil
	}
	// New sessions, and reinstated ones a student enrolled since missed.
	err = inSavepoint(ctx, q.tx, func() error {
		return q.AddEnrolledToClassSessions(ctx, store.AddEnrolledToClassSessionsParams{TenantID: c.TenantID, ClassID: c.ClassID})
	})
	return classClash(ctx, q, c, slots, loc, err)
}

// dropClassSession removes a session whose week lost its day: deleted when
// nothing records it, else cancelled (movedOffReason, sequence + 1, a
// 'cancelled' event by the caller) so that its audit events, make-up
// credits and attendance keep the session they name. No make-up credit: the
// week has no lesson, as a week in a break has none.
func dropClassSession(ctx context.Context, q txQueries, c store.BookingClass, session uuid.UUID) error {
	var deleted int64
	err := inSavepoint(ctx, q.tx, func() error {
		var err error
		deleted, err = q.DeleteClassSession(ctx, store.DeleteClassSessionParams{TenantID: c.TenantID, SessionID: session})
		return err
	})
	// A record committed after the DELETE's snapshot fails its foreign key:
	// the session has history after all.
	if violated(err, "session_events_session_fkey") || violated(err, "makeup_credits_source_fkey") || violated(err, "makeup_credits_used_fkey") {
		err, deleted = nil, 0
	}
	if err != nil || deleted > 0 {
		return err
	}
	cancelled, err := q.CancelMovedClassSession(ctx, store.CancelMovedClassSessionParams{TenantID: c.TenantID, SessionID: session,
		CancelReason: movedOffReason})
	if err != nil || cancelled == 0 {
		return err // already cancelled: it keeps its own reason
	}
	actor := actorOf(ctx)
	if !actor.Valid {
		return nil
	}
	return q.RecordPatternCancellation(ctx, store.RecordPatternCancellationParams{TenantID: c.TenantID, EventID: uuid.Must(uuid.NewV7()),
		SessionID: session, ActorUserID: actor.UUID, Reason: movedOffReason})
}
