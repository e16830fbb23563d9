package booking_test

import (
	"testing"

	"github.com/google/uuid"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// TestWithdrawCancelsIndividualSessions: withdrawing a student cancels their
// individual sessions of the class that have not started (sequence + 1,
// "withdrawn from the class", a 'cancelled' event naming them), grants no
// make-up credit, and frees the teacher's slot for another student; other
// students' sessions stay.
func TestWithdrawCancelsIndividualSessions(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1, b1 := s.studentA1.GetName(), s.b1.GetName()
	must(s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.week(2, 0, 9, 0))))(t)
	must(s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.week(4, 0, 9, 0))))(t)
	must(s.sc.CreateBooking(s.parentB, s.bookReq(b1, s.week(2, 0, 10, 0))))(t)
	// A1's slot is taken while they are in the class.
	if _, err := s.sc.CreateBooking(s.parentB, s.bookReq(b1, s.week(4, 0, 9, 0))); reasonOf(err) != "SLOT_TAKEN" {
		t.Fatalf("booking A1's slot: %v, want SLOT_TAKEN", err)
	}
	studentSessions := `SELECT count(*) FROM booking.sessions s JOIN booking.bookings b ON b.tenant_id = s.tenant_id AND b.booking_id = s.booking_id
		WHERE s.kind = 'individual' AND b.student_id = $1 AND s.state = $2 AND s.sequence = $3 AND s.cancel_reason = $4`
	if n := s.count(t, studentSessions, idOf(a1), "scheduled", 0, ""); n != 2 {
		t.Fatalf("%d scheduled individual sessions of A1, want 2", n)
	}

	var enrolment uuid.UUID
	s.countInto(t, `SELECT enrolment_id FROM booking.enrolments WHERE class_id = $1 AND student_id = $2`, []any{s.classID, idOf(a1)}, &enrolment)
	must(s.tc.DeleteEnrolment(s.admin, &bookingv1.DeleteEnrolmentRequest{Name: s.class + "/enrolments/" + enrolment.String()}))(t)

	if n := s.count(t, studentSessions, idOf(a1), "cancelled", 1, "withdrawn from the class"); n != 2 {
		t.Errorf("%d of A1's individual sessions cancelled as withdrawn, want 2", n)
	}
	if n := s.count(t, studentSessions, idOf(b1), "scheduled", 0, ""); n != 1 {
		t.Errorf("%d scheduled individual sessions of B1, want 1 (untouched)", n)
	}
	if n := s.count(t, `SELECT count(*) FROM booking.session_events e JOIN booking.sessions s ON s.tenant_id = e.tenant_id AND s.session_id = e.session_id
		WHERE e.action = 'cancelled' AND e.reason = 'withdrawn from the class' AND e.student_id = $1 AND e.actor_user_id <> $2 AND s.kind = 'individual'`,
		idOf(a1), uuid.Nil); n != 2 {
		t.Errorf("%d cancellation events of A1's sessions, want 2", n)
	}
	if n := s.count(t, `SELECT count(*) FROM booking.makeup_credits WHERE student_id = $1`, idOf(a1)); n != 0 {
		t.Errorf("%d make-up credits for A1, want none", n)
	}
	// The teacher's slot is free again.
	must(s.sc.CreateBooking(s.parentB, s.bookReq(b1, s.week(4, 0, 9, 0))))(t)
}
