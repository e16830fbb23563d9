package booking_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// TestMarkAttendance: from the start, by the session's teacher or ADMIN;
// SESSION_NOT_STARTED before; recorded in the audit trail.
func TestMarkAttendance(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1 := s.studentA1.GetName()
	sess := must(s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.week(2, 0, 9, 0))))(t).GetSessions()[0]
	mark := func(att bookingv1.Attendance, student string) *bookingv1.MarkAttendanceRequest {
		return &bookingv1.MarkAttendanceRequest{Name: sess, Student: student, Attendance: att}
	}
	if _, err := s.sc.MarkAttendance(s.teacherCtx, mark(bookingv1.Attendance_ATTENDANCE_PRESENT, a1)); reasonOf(err) != "SESSION_NOT_STARTED" {
		t.Errorf("before the start: %v", err)
	}
	s.clk.Set(s.week(2, 0, 9, 0))
	before := must(s.sc.GetSession(s.admin, &bookingv1.GetSessionRequest{Name: sess}))(t)
	got := must(s.sc.MarkAttendance(s.teacherCtx, mark(bookingv1.Attendance_ATTENDANCE_LATE, a1)))(t)
	if len(got.GetAttendees()) != 1 || got.GetAttendees()[0].GetAttendance() != bookingv1.Attendance_ATTENDANCE_LATE || got.GetEtag() == before.GetEtag() {
		t.Errorf("marked = %v", got)
	}
	other := s.env.User(t, s.id, "teacher")
	must(s.c.CreateTeacher(s.admin, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: s.name + "/members/" + other.ID.String(), DisplayName: "Marcus Lee"}}))(t)
	for _, tc := range []struct {
		name   string
		err    error
		code   codes.Code
		reason string
	}{
		{"another teacher", second(s.sc.MarkAttendance(s.as(other), mark(bookingv1.Attendance_ATTENDANCE_PRESENT, a1))), codes.PermissionDenied, "PERMISSION_DENIED"},
		{"a parent", second(s.sc.MarkAttendance(s.parentA, mark(bookingv1.Attendance_ATTENDANCE_PRESENT, a1))), codes.PermissionDenied, "PERMISSION_DENIED"},
		{"not an attendee", second(s.sc.MarkAttendance(s.admin, mark(bookingv1.Attendance_ATTENDANCE_PRESENT, s.studentA2.GetName()))), codes.NotFound, "RESOURCE_NOT_FOUND"},
		{"no mark", second(s.sc.MarkAttendance(s.admin, mark(bookingv1.Attendance_ATTENDANCE_UNSPECIFIED, a1))), codes.InvalidArgument, "INVALID_ARGUMENT"},
	} {
		if code(tc.err) != tc.code || reasonOf(tc.err) != tc.reason {
			t.Errorf("%s: %v, want %v %s", tc.name, tc.err, tc.code, tc.reason)
		}
	}
	// A group session: ADMIN marks one of its students.
	var group uuid.UUID
	s.countInto(t, `SELECT session_id FROM booking.sessions WHERE tenant_id = $1 AND class_id = $2 AND week_number = 1`, []any{s.id, s.classID}, &group)
	g := must(s.sc.MarkAttendance(s.admin, &bookingv1.MarkAttendanceRequest{Name: s.name + "/sessions/" + group.String(), Student: s.b1.GetName(),
		Attendance: bookingv1.Attendance_ATTENDANCE_ABSENT}))(t)
	if len(g.GetAttendees()) != 2 {
		t.Errorf("group attendees = %v", g.GetAttendees())
	}
	if n := s.count(t, `SELECT count(*) FROM booking.session_events WHERE tenant_id = $1 AND action = 'attendance_marked'`, s.id); n != 2 {
		t.Errorf("%d attendance events, want 2", n)
	}
}

func second[T any](_ T, err error) error { return err }

// TestMakeupCreditsListAndExpiry: a cancelled group session grants each
// student a credit; each family sees its own; the state follows use and
// the clock.
func TestMakeupCreditsListAndExpiry(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	var group uuid.UUID
	s.countInto(t, `SELECT session_id FROM booking.sessions WHERE tenant_id = $1 AND class_id = $2 AND week_number = 3`, []any{s.id, s.classID}, &group)
	must(s.sc.CancelSession(s.admin, s.cancelReq(s.name+"/sessions/"+group.String(), "hall closed")))(t)
	list := func(ctx any, filter string) []*bookingv1.MakeupCredit {
		t.Helper()
		c := s.admin
		switch ctx {
		case "A":
			c = s.parentA
		case "B":
			c = s.parentB
		case "student":
			c = s.student
		}
		return must(s.sc.ListMakeupCredits(c, &bookingv1.ListMakeupCreditsRequest{Parent: s.name, Filter: filter}))(t).GetMakeupCredits()
	}
	if all := list("admin", ""); len(all) != 2 {
		t.Fatalf("admin lists %d credits, want 2", len(all))
	}
	mine := list("A", "")
	if len(mine) != 1 || mine[0].GetStudent() != s.studentA1.GetName() || mine[0].GetState() != bookingv1.MakeupCredit_STATE_AVAILABLE ||
		mine[0].GetSourceSession() != s.name+"/sessions/"+group.String() {
		t.Fatalf("family A's credits = %v", mine)
	}
	if len(list("B", "")) != 1 || len(list("student", "")) != 1 {
		t.Errorf("family B or the student see another's credits")
	}
	if n := len(list("admin", `student = "`+s.b1.GetName()+`"`)); n != 1 {
		t.Errorf("filtered by student: %d", n)
	}
	r := s.bookReq(s.studentA1.GetName(), s.week(4, 0, 9, 0))
	r.Booking.MakeupCredit = mine[0].GetName()
	made := must(s.sc.CreateBooking(s.parentA, r))(t)
	used := list("A", "")
	if used[0].GetState() != bookingv1.MakeupCredit_STATE_USED || used[0].GetMakeupSession() != made.GetSessions()[0] {
		t.Errorf("a used credit = %v", used[0])
	}
	// 60 days after the session (Monday 2027-03-15 16:00): B1's expires.
	s.clk.Set(s.week(3, 60, 16, 0))
	if exp := list("B", "state = EXPIRED"); len(exp) != 1 || exp[0].GetState() != bookingv1.MakeupCredit_STATE_EXPIRED {
		t.Errorf("expired credits = %v", exp)
	}
	if n := len(list("admin", "state = AVAILABLE")); n != 0 {
		t.Errorf("%d credits still available", n)
	}
}

// TestSessionEvents: every change is in the audit trail, oldest first,
// for staff; a PARENT may not read it.
func TestSessionEvents(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	sess := must(s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(2, 0, 9, 0))))(t).GetSessions()[0]
	must(s.sc.RescheduleSession(s.parentA, s.moveReq(sess, s.week(2, 0, 10, 0), "clash")))(t)
	s.clk.Set(s.week(2, 0, 9, 0))
	must(s.sc.CancelSession(s.teacherCtx, s.cancelReq(sess, "teacher ill")))(t)
	events := must(s.sc.ListSessionEvents(s.teacherCtx, &bookingv1.ListSessionEventsRequest{Parent: sess}))(t).GetSessionEvents()
	var actions []bookingv1.SessionEvent_Action
	for _, e := range events {
		actions = append(actions, e.GetAction())
	}
	if !slices.Equal(actions, []bookingv1.SessionEvent_Action{bookingv1.SessionEvent_ACTION_BOOKED, bookingv1.SessionEvent_ACTION_RESCHEDULED, bookingv1.SessionEvent_ACTION_CANCELLED}) {
		t.Fatalf("actions = %v", actions)
	}
	if e := events[1]; !e.GetPreviousStartTime().AsTime().Equal(s.week(2, 0, 9, 0)) || !e.GetNewStartTime().AsTime().Equal(s.week(2, 0, 10, 0)) ||
		e.GetReason() != "clash" || e.GetNoticeOverridden() {
		t.Errorf("rescheduled = %v", e)
	}
	if e := events[2]; e.GetActor() != s.name+"/members/"+s.teacherUser.ID.String() || !e.GetNoticeOverridden() || e.GetReason() != "teacher ill" {
		t.Errorf("cancelled = %v", e)
	}
	page := must(s.sc.ListSessionEvents(s.admin, &bookingv1.ListSessionEventsRequest{Parent: s.name + "/sessions/-", PageSize: 2}))(t)
	rest := must(s.sc.ListSessionEvents(s.admin, &bookingv1.ListSessionEventsRequest{Parent: s.name + "/sessions/-", PageSize: 2, PageToken: page.GetNextPageToken()}))(t)
	if len(page.GetSessionEvents()) != 2 || len(rest.GetSessionEvents()) != 1 || rest.GetNextPageToken() != "" {
		t.Errorf("pages of %d and %d", len(page.GetSessionEvents()), len(rest.GetSessionEvents()))
	}
	if _, err := s.sc.ListSessionEvents(s.parentA, &bookingv1.ListSessionEventsRequest{Parent: s.name + "/sessions/-"}); code(err) != codes.PermissionDenied {
		t.Errorf("a parent reads the audit trail: %v", err)
	}
	if _, err := s.sc.ListSessionEvents(s.admin, &bookingv1.ListSessionEventsRequest{Parent: s.name + "/sessions/" + uuid.NewString()}); code(err) != codes.NotFound {
		t.Errorf("no such session: %v", err)
	}
}
