package booking_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
)

func (s *sched) moveReq(session string, to time.Time, reason string) *bookingv1.RescheduleSessionRequest {
	return &bookingv1.RescheduleSessionRequest{Name: session, StartTime: timestamppb.New(to), Reason: reason}
}

func (s *sched) cancelReq(session, reason string) *bookingv1.CancelSessionRequest {
	return &bookingv1.CancelSessionRequest{Name: session, Reason: reason}
}

// startOf reads a session's start by SQL.
func (s *sched) startOf(t *testing.T, session string) (start time.Time, attendee time.Time, sequence int) {
	t.Helper()
	var row struct{ s, a time.Time }
	var seq int32
	s.countInto(t, `SELECT lower(s.during), lower(a.during), s.sequence FROM booking.sessions s JOIN booking.session_attendees a USING (tenant_id, session_id)
		WHERE s.tenant_id = $1 AND s.session_id = $2`, []any{s.id, idOf(session)}, &row.s, &row.a, &seq)
	return row.s, row.a, int(seq)
}

// TestRescheduleIsAtomic: a taken target leaves the session (and its
// attendee row) exactly where it was; a free one moves both in one UPDATE
// and bumps the sequence; the target must be in the availability.
func TestRescheduleIsAtomic(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	mine := must(s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(2, 0, 9, 0))))(t).GetSessions()[0]
	must(s.sc.CreateBooking(s.parentB, s.bookReq(s.b1.GetName(), s.week(2, 0, 9, 30))))(t)

	_, err := s.sc.RescheduleSession(s.parentA, s.moveReq(mine, s.week(2, 0, 9, 30), ""))
	if code(err) != codes.Aborted || reasonOf(err) != "SLOT_TAKEN" || len(alternativesOf(err)) == 0 {
		t.Fatalf("move onto a taken slot: %v (alternatives %v)", err, alternativesOf(err))
	}
	if start, att, seq := s.startOf(t, mine); !start.Equal(s.week(2, 0, 9, 0)) || !att.Equal(start) || seq != 0 {
		t.Errorf("after a refused move: session at %v, attendee at %v, sequence %d", start, att, seq)
	}
	for _, tc := range []struct {
		name   string
		to     time.Time
		reason string
	}{
		{"off the grid", s.week(2, 0, 10, 15), "OUTSIDE_AVAILABILITY"},
		{"no availability that day", s.week(2, 2, 10, 0), "OUTSIDE_AVAILABILITY"},
		{"a break day", s.week(8, 0, 10, 0), "NOT_INDIVIDUAL_WEEK"},
	} {
		if _, err := s.sc.RescheduleSession(s.parentA, s.moveReq(mine, tc.to, "")); reasonOf(err) != tc.reason {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.reason)
		}
	}
	if _, err := s.sc.RescheduleSession(s.parentB, s.moveReq(mine, s.week(2, 0, 10, 0), "")); code(err) != codes.NotFound {
		t.Errorf("another family moves it: %v", err)
	}
	moved := must(s.sc.RescheduleSession(s.parentA, s.moveReq(mine, s.week(2, 0, 10, 0), "")))(t)
	if !moved.GetStartTime().AsTime().Equal(s.week(2, 0, 10, 0)) || moved.GetSequence() != 1 {
		t.Errorf("moved = %v", moved)
	}
	if start, att, seq := s.startOf(t, mine); !start.Equal(s.week(2, 0, 10, 0)) || !att.Equal(start) || seq != 1 {
		t.Errorf("after the move: session at %v, attendee at %v, sequence %d", start, att, seq)
	}
	// Its teacher moves it too; another teacher may not.
	must(s.sc.RescheduleSession(s.teacherCtx, s.moveReq(mine, s.week(2, 0, 10, 30), "")))(t)
	other := s.env.User(t, s.id, "teacher")
	must(s.c.CreateTeacher(s.admin, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: s.name + "/members/" + other.ID.String(), DisplayName: "Marcus Lee"}}))(t)
	if _, err := s.sc.RescheduleSession(s.as(other), s.moveReq(mine, s.week(2, 0, 11, 0), "")); code(err) != codes.PermissionDenied {
		t.Errorf("another teacher moves it: %v", err)
	}
	if n := s.count(t, `SELECT count(*) FROM booking.session_events WHERE tenant_id = $1 AND session_id = $2 AND action = 'rescheduled'`, s.id, idOf(mine)); n != 2 {
		t.Errorf("%d rescheduled events, want 2", n)
	}
}

// TestNoticeAcrossSydneyDST: 24 hours' notice is the same wall-clock time a
// day earlier in Australia/Sydney: for a Sunday 10:00 session on the day
// DST ends that is 25 elapsed hours, on the day it starts 23. At the
// deadline a PARENT still cancels; an instant later they may not.
func TestNoticeAcrossSydneyDST(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1 := s.studentA1.GetName()
	// April: Sunday 2027-04-04 is in week 5 (individual), DST ends at 03:00.
	early := must(s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.at(2027, 4, 4, 10, 0))))(t).GetSessions()[0]
	late := must(s.sc.CreateBooking(s.parentB, s.bookReq(s.b1.GetName(), s.at(2027, 4, 4, 10, 30))))(t).GetSessions()[0] // a1 has week 5's
	if d := s.at(2027, 4, 4, 10, 0).Sub(s.at(2027, 4, 3, 10, 0)); d != 25*time.Hour {
		t.Fatalf("the fixture's DST change: %v", d)
	}
	s.clk.Set(s.at(2027, 4, 3, 10, 0)) // exactly the deadline of 10:00
	must(s.sc.CancelSession(s.parentA, s.cancelReq(early, "")))(t)
	// 24 elapsed hours before 10:30 is Saturday 11:30, past its deadline (10:30).
	s.clk.Set(s.at(2027, 4, 4, 10, 30).Add(-24 * time.Hour))
	if _, err := s.sc.CancelSession(s.parentB, s.cancelReq(late, "")); reasonOf(err) != "NOTICE_TOO_SHORT" {
		t.Errorf("24 elapsed hours before, across the end of DST: %v", err)
	}
	s.clk.Set(s.at(2027, 4, 3, 10, 30).Add(time.Second))
	if _, err := s.sc.RescheduleSession(s.parentB, s.moveReq(late, s.at(2027, 4, 4, 11, 0), "")); reasonOf(err) != "NOTICE_TOO_SHORT" {
		t.Errorf("a second past the deadline: %v", err)
	}

	// October, with make-ups (outside the term, no window): Sunday
	// 2027-10-03, DST starts at 02:00.
	s.clk.Set(s.at(2027, 9, 1, 12, 0))
	makeup := func(credit string, start time.Time) string {
		r := s.bookReq(a1, start)
		r.Booking.MakeupCredit = credit
		return must(s.sc.CreateBooking(s.parentA, r))(t).GetSessions()[0]
	}
	first := makeup(s.credit(t, a1, 1, s.at(2027, 12, 1, 0, 0)), s.at(2027, 10, 3, 10, 0))
	second := makeup(s.credit(t, a1, 3, s.at(2027, 12, 1, 0, 0)), s.at(2027, 10, 3, 10, 30))
	// 23.5 elapsed hours before 10:00 is Saturday 09:30 local: in time.
	s.clk.Set(s.at(2027, 10, 3, 10, 0).Add(-23*time.Hour - 30*time.Minute))
	must(s.sc.CancelSession(s.parentA, s.cancelReq(first, "")))(t)
	s.clk.Set(s.at(2027, 10, 2, 10, 30).Add(time.Nanosecond))
	if _, err := s.sc.CancelSession(s.parentA, s.cancelReq(second, "")); reasonOf(err) != "NOTICE_TOO_SHORT" {
		t.Errorf("just past the deadline before DST starts: %v", err)
	}
	s.clk.Set(s.at(2027, 10, 2, 10, 30))
	must(s.sc.CancelSession(s.parentA, s.cancelReq(second, "")))(t)
}

// TestNoticeOverrides: within the notice a PARENT is refused; ADMIN and the
// session's TEACHER override only with a reason, which the audit trail
// records; nothing changes once started or cancelled.
func TestNoticeOverrides(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a := must(s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(2, 0, 9, 0))))(t).GetSessions()[0]
	b := must(s.sc.CreateBooking(s.parentB, s.bookReq(s.b1.GetName(), s.week(2, 0, 10, 0))))(t).GetSessions()[0]
	s.clk.Set(s.week(2, 0, 8, 0)) // an hour before
	if _, err := s.sc.CancelSession(s.parentA, s.cancelReq(a, "sick")); reasonOf(err) != "NOTICE_TOO_SHORT" {
		t.Errorf("a parent within the notice: %v", err)
	}
	_, err := s.sc.CancelSession(s.admin, s.cancelReq(a, ""))
	if code(err) != codes.InvalidArgument || !slices.Equal(apierror.ViolatedFields(err), []string{"reason"}) {
		t.Errorf("an override without a reason: %v", err)
	}
	cancelled := must(s.sc.CancelSession(s.admin, s.cancelReq(a, "teacher ill")))(t)
	if cancelled.GetState() != bookingv1.Session_STATE_CANCELLED || cancelled.GetSequence() != 1 || cancelled.GetCancelReason() != "teacher ill" {
		t.Errorf("cancelled = %v", cancelled)
	}
	if _, err := s.sc.RescheduleSession(s.teacherCtx, s.moveReq(b, s.week(2, 0, 11, 0), "")); code(err) != codes.InvalidArgument {
		t.Errorf("the teacher's override without a reason: %v", err)
	}
	must(s.sc.RescheduleSession(s.teacherCtx, s.moveReq(b, s.week(2, 0, 11, 0), "room flooded")))(t)
	if n := s.count(t, `SELECT count(*) FROM booking.session_events WHERE tenant_id = $1 AND notice_overridden AND reason <> ''`, s.id); n != 2 {
		t.Errorf("%d override events, want 2", n)
	}
	if _, err := s.sc.CancelSession(s.admin, s.cancelReq(a, "again")); reasonOf(err) != "SESSION_CANCELLED" {
		t.Errorf("cancelling a cancelled session: %v", err)
	}
	if _, err := s.sc.RescheduleSession(s.admin, s.moveReq(a, s.week(2, 0, 11, 30), "x")); reasonOf(err) != "SESSION_CANCELLED" {
		t.Errorf("moving a cancelled session: %v", err)
	}
	s.clk.Set(s.week(2, 0, 11, 0))
	if _, err := s.sc.CancelSession(s.admin, s.cancelReq(b, "late")); reasonOf(err) != "SESSION_STARTED" {
		t.Errorf("cancelling a started session: %v", err)
	}
	if _, err := s.sc.RescheduleSession(s.admin, s.moveReq(b, s.week(2, 0, 11, 30), "late")); reasonOf(err) != "SESSION_STARTED" {
		t.Errorf("moving a started session: %v", err)
	}
}

// TestCancelGrantsCredits: the school cancelling a group session grants
// each student a credit, once; a parent cancelling in time grants one; a
// parent cannot cancel a group session; a placeholder is not cancelled.
func TestCancelGrantsCredits(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	var group, placeholder uuid.UUID
	s.countInto(t, `SELECT session_id FROM booking.sessions WHERE tenant_id = $1 AND class_id = $2 AND week_number = 3`, []any{s.id, s.classID}, &group)
	s.countInto(t, `SELECT session_id FROM booking.sessions WHERE tenant_id = $1 AND class_id = $2 AND week_number = 2`, []any{s.id, s.classID}, &placeholder)
	groupName, placeholderName := s.name+"/sessions/"+group.String(), s.name+"/sessions/"+placeholder.String()
	if _, err := s.sc.CancelSession(s.parentA, s.cancelReq(groupName, "")); code(err) != codes.PermissionDenied {
		t.Errorf("a parent cancels a group session: %v", err)
	}
	if _, err := s.sc.CancelSession(s.admin, s.cancelReq(placeholderName, "")); code(err) != codes.FailedPrecondition {
		t.Errorf("cancelling a placeholder: %v", err)
	}
	must(s.sc.CancelSession(s.teacherCtx, s.cancelReq(groupName, "concert")))(t)
	if n := s.count(t, `SELECT count(*) FROM booking.makeup_credits WHERE tenant_id = $1 AND source_session_id = $2`, s.id, group); n != 2 {
		t.Errorf("%d credits for the cancelled group session, want 2", n)
	}
	if n := s.count(t, `SELECT count(*) FROM booking.session_attendees WHERE tenant_id = $1 AND session_id = $2 AND blocking`, s.id, group); n != 0 {
		t.Errorf("a cancelled session still blocks %d students", n)
	}
	mine := must(s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(4, 0, 9, 0))))(t).GetSessions()[0]
	must(s.sc.CancelSession(s.parentA, s.cancelReq(mine, "holiday")))(t)
	if n := s.count(t, `SELECT count(*) FROM booking.makeup_credits WHERE tenant_id = $1 AND source_session_id = $2`, s.id, idOf(mine)); n != 1 {
		t.Errorf("%d credits for a parent's timely cancellation, want 1", n)
	}
	// The freed slot books again.
	must(s.sc.CreateBooking(s.parentB, s.bookReq(s.b1.GetName(), s.week(4, 0, 9, 0))))(t)
}

// TestChangesHonourTheEtag: a reschedule or cancellation at a stale etag is
// ABORTED (ETAG_MISMATCH) and changes nothing.
func TestChangesHonourTheEtag(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	sess := must(s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(2, 0, 9, 0))))(t).GetSessions()[0]
	first := must(s.sc.GetSession(s.parentA, &bookingv1.GetSessionRequest{Name: sess}))(t)
	moved := must(s.sc.RescheduleSession(s.parentA, &bookingv1.RescheduleSessionRequest{Name: sess, StartTime: timestamppb.New(s.week(2, 0, 10, 0)), Etag: first.GetEtag()}))(t)
	if _, err := s.sc.CancelSession(s.parentA, &bookingv1.CancelSessionRequest{Name: sess, Etag: first.GetEtag()}); code(err) != codes.Aborted || reasonOf(err) != apierror.ReasonEtagMismatch {
		t.Errorf("a cancel at a stale etag: %v", err)
	}
	if _, err := s.sc.RescheduleSession(s.parentA, &bookingv1.RescheduleSessionRequest{Name: sess, StartTime: timestamppb.New(s.week(2, 0, 11, 0)), Etag: first.GetEtag()}); reasonOf(err) != apierror.ReasonEtagMismatch {
		t.Errorf("a move at a stale etag: %v", err)
	}
	if start, _, _ := s.startOf(t, sess); !start.Equal(s.week(2, 0, 10, 0)) {
		t.Errorf("a refused change moved the session to %v", start)
	}
	must(s.sc.CancelSession(s.parentA, &bookingv1.CancelSessionRequest{Name: sess, Etag: moved.GetEtag()}))(t)
}

// TestStudentCannotBeInTwoPlaces: a student in another class's group
// session at the time is SLOT_TAKEN (session_attendees_student_excl), though
// the teacher and the room are free.
func TestStudentCannotBeInTwoPlaces(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	room2 := must(s.c.CreateRoom(s.admin, &bookingv1.CreateRoomRequest{Parent: s.name, Room: &bookingv1.Room{DisplayName: "Hall", Capacity: 30}}))(t)
	u := s.env.User(t, s.id, "teacher")
	teacher2 := must(s.c.CreateTeacher(s.admin, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: s.name + "/members/" + u.ID.String(), DisplayName: "Marcus Lee"}}))(t)
	class2, group := uuid.New(), uuid.New()
	start := s.week(2, 0, 10, 0)
	s.count(t, `WITH c AS (INSERT INTO booking.classes (tenant_id, class_id, term_id, display_name, instrument_id, teacher_id, room_id, weekday, start_time,
		group_minutes, individual_minutes, capacity) VALUES ($1, $2, $3, 'Choir', $4, $5, $6, 1, '10:00', 60, 30, 30) RETURNING 1),
		s AS (INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during)
		SELECT $1, $7, 'group', $3, $2, 2, $5, $6, tstzrange($8, $9) FROM c RETURNING tenant_id, session_id, during)
		SELECT count(*) FROM s`, s.id, class2, s.termID, idOf(s.violin.GetName()), idOf(teacher2.GetName()), idOf(room2.GetName()), group, start, start.Add(time.Hour))
	s.count(t, `WITH a AS (INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
		SELECT tenant_id, session_id, $3, during, true FROM booking.sessions WHERE tenant_id = $1 AND session_id = $2 RETURNING 1) SELECT count(*) FROM a`,
		s.id, group, idOf(s.studentA1.GetName()))
	_, err := s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), start.Add(30*time.Minute)))
	if code(err) != codes.Aborted || reasonOf(err) != "SLOT_TAKEN" {
		t.Fatalf("booking over the student's choir: %v", err)
	}
	for _, alt := range alternativesOf(err) {
		if alt.GetStartTime().AsTime().Before(start.Add(time.Hour)) && alt.GetEndTime().AsTime().After(start) {
			t.Errorf("an alternative %v overlaps the student's choir", alt.GetStartTime().AsTime().In(s.loc))
		}
	}
	must(s.sc.CreateBooking(s.parentB, s.bookReq(s.b1.GetName(), start.Add(30*time.Minute))))(t) // free for another student
}

// TestConcurrentReschedulesOntoOneSlot: ten sessions (two individual, eight
// make-ups: one individual session per student and week) moved at once
// onto the same free slot: one moves, nine are SLOT_TAKEN and stay exactly
// where they were.
func TestConcurrentReschedulesOntoOneSlot(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	type booked struct {
		name  string
		start time.Time
	}
	var sessions []booked
	a1, b1, a2 := s.studentA1.GetName(), s.b1.GetName(), s.studentA2.GetName()
	for i := range 10 { // Mondays and Sundays of weeks 2 and 4, on the half hours
		week, day := []int{2, 4}[i/6%2], []int{0, 6}[i%6/3]
		start := s.week(week, day, 9, 0).Add(time.Duration(i%3) * 30 * time.Minute)
		if i < 2 { // a1's and b1's individual sessions of week 2
			st, ctx := a1, s.parentA
			if i%2 == 1 {
				st, ctx = b1, s.parentB
			}
			sessions = append(sessions, booked{must(s.sc.CreateBooking(ctx, s.bookReq(st, start)))(t).GetSessions()[0], start})
			continue
		}
		sessions = append(sessions, booked{s.makeupAt(t, []string{a1, b1, a2}[i%3], []int{1, 3, 7, 9}[i/3], start), start})
	}
	target := s.week(5, 0, 11, 30)
	var wg sync.WaitGroup
	reasons := make([]string, len(sessions))
	for i, b := range sessions {
		wg.Go(func() {
			_, err := s.sc.RescheduleSession(s.admin, s.moveReq(b.name, target, ""))
			reasons[i] = reasonOf(err)
		})
	}
	wg.Wait()
	moved := 0
	for i, b := range sessions {
		start, att, _ := s.startOf(t, b.name)
		switch reasons[i] {
		case "OK":
			moved++
			if !start.Equal(target) || !att.Equal(target) {
				t.Errorf("the moved session is at %v (attendee %v)", start, att)
			}
		case "SLOT_TAKEN":
			if !start.Equal(b.start) || !att.Equal(b.start) {
				t.Errorf("a refused move left session %d at %v (attendee %v), not %v", i, start, att, b.start)
			}
		default:
			t.Errorf("reschedule %d: %s", i, reasons[i])
		}
	}
	if moved != 1 {
		t.Errorf("%d sessions moved onto one slot, want 1 (%v)", moved, reasons)
	}
}
