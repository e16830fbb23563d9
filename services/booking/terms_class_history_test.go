package booking_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/servertest"
	"steward.dev/services/booking"
)

// TestClassMoveKeepsSessionHistory: moving a class's day so that a week
// lands on a break never deletes a session something records (it used to,
// and the audit event's or credit's foreign key made it INTERNAL). A
// session already cancelled stays as it was; a scheduled one with history
// is cancelled (sequence + 1, a reason, an audit event, no make-up credit);
// moving back reinstates only the latter.
func TestClassMoveKeepsSessionHistory(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	conn := env.Serve(t, booking.Services)
	c, tc, sc := bookingv1.NewDirectoryServiceClient(conn), bookingv1.NewTermServiceClient(conn), bookingv1.NewSessionServiceClient(conn)
	s := newTermSchool(t, env, c, tc, "Australia/Sydney")
	// Fridays of weeks 1 and 3 are breaks; Wednesdays all teach.
	term := s.term("2027-03-22", "2027-04-16", &bookingv1.Break{DisplayName: "Good Friday", StartDate: "2027-03-26", EndDate: "2027-03-26"},
		&bookingv1.Break{DisplayName: "Staff day", StartDate: "2027-04-09", EndDate: "2027-04-09"})
	class := s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00"})
	s.enrol(class, s.studentA1)
	s.enrol(class, s.b1)
	weekSession := func(week int) uuid.UUID {
		var id uuid.UUID
		s.query(`SELECT session_id FROM booking.sessions WHERE class_id = $1 AND week_number = $2 AND kind = 'group'`,
			[]any{idOf(class.GetName()), week}, &id)
		return id
	}
	count := func(sql string, args ...any) int {
		var n int
		s.query(sql, args, &n)
		return n
	}
	week1, week3 := weekSession(1), weekSession(3)
	// Week 1 is cancelled by the school (an event, a credit per student);
	// week 3 has an audit event only.
	must(sc.CancelSession(s.admin, &bookingv1.CancelSessionRequest{Name: s.name + "/sessions/" + week1.String(), Reason: "teacher ill"}))(t)
	s.exec(`INSERT INTO booking.session_events (tenant_id, event_id, session_id, action, actor_user_id, reason)
		VALUES ($1, $2, $3, 'rescheduled', $4, 'kept for the audit')`, s.id, uuid.New(), week3, uuid.New())
	credits := count(`SELECT count(*) FROM booking.makeup_credits`)
	if credits != 2 {
		t.Fatalf("%d credits after the cancellation, want 2", credits)
	}
	before := s.sessions(class, "Australia/Sydney")

	must(tc.UpdateClass(s.admin, &bookingv1.UpdateClassRequest{Class: &bookingv1.Class{Name: class.GetName(), Weekday: 5},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"weekday"}}}))(t)
	const movedOff = "the class moved to a day that is not a teaching day this week"
	got := s.sessions(class, "Australia/Sydney")
	want := []sessionRow{
		before[0], // already cancelled: untouched
		{week: 2, kind: "group", state: "scheduled", local: "2027-04-02 16:00 +11", sequence: before[1].sequence + 1, blockingAttendees: 2},
		{week: 3, kind: "group", state: "cancelled", local: before[2].local, sequence: before[2].sequence + 1},
		{week: 4, kind: "group", state: "scheduled", local: "2027-04-16 16:00 +10", sequence: before[3].sequence + 1, blockingAttendees: 2},
	}
	if !slices.Equal(got, want) {
		t.Errorf("sessions after the move = %v\nwant %v", got, want)
	}
	var reason1, reason3 string
	s.query(`SELECT (SELECT cancel_reason FROM booking.sessions WHERE session_id = $1), (SELECT cancel_reason FROM booking.sessions WHERE session_id = $2)`,
		[]any{week1, week3}, &reason1, &reason3)
	if reason1 != "teacher ill" || reason3 != movedOff {
		t.Errorf("cancel reasons %q, %q; want %q, %q", reason1, reason3, "teacher ill", movedOff)
	}
	if n := count(`SELECT count(*) FROM booking.session_events WHERE session_id = $1 AND action = 'cancelled' AND reason = $2`, week3, movedOff); n != 1 {
		t.Errorf("%d cancellation events for week 3, want 1", n)
	}
	if n := count(`SELECT count(*) FROM booking.makeup_credits`); n != credits {
		t.Errorf("%d credits after the move, want still %d (a week off grants none)", n, credits)
	}

	// Back to Wednesday: week 3 is scheduled again with its students; week
	// 1 keeps its own cancellation.
	must(tc.UpdateClass(s.admin, &bookingv1.UpdateClassRequest{Class: &bookingv1.Class{Name: class.GetName(), Weekday: 3},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"weekday"}}}))(t)
	back := s.sessions(class, "Australia/Sydney")
	if len(back) != 4 || back[0].state != "cancelled" || back[0].local != before[0].local || back[2].state != "scheduled" || back[2].local != before[2].local ||
		back[2].blockingAttendees != 2 || back[2].sequence != before[2].sequence+2 {
		t.Errorf("sessions back on Wednesday = %v\nbefore the moves %v", back, before)
	}
}
