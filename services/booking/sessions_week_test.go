package booking_test

import (
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// individualsOf counts a student's scheduled individual sessions of the
// fixture class in week (all weeks for 0), by SQL.
func (s *sched) individualsOf(t *testing.T, student string, week int) int {
	t.Helper()
	return s.count(t, `SELECT count(*) FROM booking.sessions s JOIN booking.session_attendees a USING (tenant_id, session_id)
		WHERE s.tenant_id = $1 AND s.class_id = $2 AND a.student_id = $3 AND s.kind = 'individual' AND s.state = 'scheduled'
		  AND ($4 = 0 OR s.week_number = $4)`, s.id, s.classID, idOf(student), week)
}

// TestOneIndividualSessionAWeek: a student has at most one individual
// session of a class per teaching week, whichever way it is asked for: a
// second booking (another day of the week too), a series over a booked
// week (refused whole), a move into a booked week; a cancellation frees
// the week. Another student's week is their own.
func TestOneIndividualSessionAWeek(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1 := s.studentA1.GetName()
	w2 := must(s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.week(2, 0, 9, 0))))(t).GetSessions()[0]
	for _, at := range []time.Time{s.week(2, 0, 10, 0), s.week(2, 6, 9, 0)} {
		_, err := s.sc.CreateBooking(s.parentA, s.bookReq(a1, at))
		if code(err) != codes.FailedPrecondition || reasonOf(err) != "ALREADY_BOOKED_THIS_WEEK" {
			t.Errorf("a second session in week 2 at %v: %v", at.In(s.loc), err)
		}
	}
	must(s.sc.CreateBooking(s.parentB, s.bookReq(s.b1.GetName(), s.week(2, 0, 10, 0))))(t)

	// A series from week 4 runs into week 5, already booked: nothing of it stays.
	w5 := must(s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.week(5, 0, 9, 0))))(t).GetSessions()[0]
	series := s.bookReq(a1, s.week(4, 6, 9, 0))
	series.Booking.Repeat = bookingv1.Booking_REPEAT_EVERY_INDIVIDUAL_WEEK
	if _, err := s.sc.CreateBooking(s.parentA, series); reasonOf(err) != "ALREADY_BOOKED_THIS_WEEK" {
		t.Errorf("a series over a booked week: %v", err)
	}
	if n := s.individualsOf(t, a1, 0); n != 2 {
		t.Errorf("after the refused series: %d individual sessions, want 2", n)
	}

	// A move into week 5 is refused and leaves the session in week 2; a
	// move to week 4 takes its week along.
	if _, err := s.sc.RescheduleSession(s.parentA, s.moveReq(w2, s.week(5, 0, 11, 0), "")); reasonOf(err) != "ALREADY_BOOKED_THIS_WEEK" {
		t.Errorf("a move into a booked week: %v", err)
	}
	if start, _, _ := s.startOf(t, w2); !start.Equal(s.week(2, 0, 9, 0)) {
		t.Errorf("a refused move left the session at %v", start)
	}
	moved := must(s.sc.RescheduleSession(s.parentA, s.moveReq(w2, s.week(4, 0, 10, 0), "")))(t)
	if moved.GetWeek() != 4 || s.individualsOf(t, a1, 4) != 1 || s.individualsOf(t, a1, 2) != 0 {
		t.Errorf("after the move to week 4: week %d, in SQL %d in week 4 and %d in week 2", moved.GetWeek(), s.individualsOf(t, a1, 4), s.individualsOf(t, a1, 2))
	}
	// Within its own week a session moves freely.
	must(s.sc.RescheduleSession(s.parentA, s.moveReq(w5, s.week(5, 6, 9, 0), "")))(t)

	// Cancelling frees the week for another booking.
	must(s.sc.CancelSession(s.parentA, s.cancelReq(w5, "")))(t)
	must(s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.week(5, 0, 10, 30))))(t)
	if n := s.individualsOf(t, a1, 5); n != 1 {
		t.Errorf("week 5 after the cancellation and a new booking: %d, want 1", n)
	}
}

// TestOneSessionAWeekUnderConcurrency: eight parallel bookings of eight
// different free slots of one week for one student: exactly one is made,
// the others are ALREADY_BOOKED_THIS_WEEK, and SQL holds one session.
func TestOneSessionAWeekUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1 := s.studentA1.GetName()
	var starts []time.Time
	for i := range 6 {
		starts = append(starts, s.week(6, 0, 9, 0).Add(time.Duration(i)*30*time.Minute))
	}
	starts = append(starts, s.week(6, 6, 9, 0), s.week(6, 6, 9, 30))
	reasons := make([]string, len(starts))
	var wg sync.WaitGroup
	for i, at := range starts {
		wg.Go(func() {
			_, err := s.sc.CreateBooking(s.parentA, s.bookReq(a1, at))
			reasons[i] = reasonOf(err)
		})
	}
	wg.Wait()
	ok := 0
	for _, r := range reasons {
		switch r {
		case "OK":
			ok++
		case "ALREADY_BOOKED_THIS_WEEK":
		default:
			t.Errorf("a parallel booking: %s", r)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d parallel bookings of one week were made, want 1 (%v)", ok, len(starts), reasons)
	}
	if n := s.individualsOf(t, a1, 6); n != 1 {
		t.Errorf("%d individual sessions of the student in week 6, want 1", n)
	}
	if n := s.count(t, `SELECT count(*) FROM booking.bookings b WHERE tenant_id = $1 AND student_id = $2
		AND NOT EXISTS (SELECT 1 FROM booking.sessions s WHERE s.tenant_id = b.tenant_id AND s.booking_id = b.booking_id)`, s.id, idOf(a1)); n != 0 {
		t.Errorf("%d bookings without a session", n)
	}
}

// TestRescheduleKeepsTheWeekRules: an individual session moves only into
// an individual week of its term (no open window needed); a group week and
// a day after the term are NOT_INDIVIDUAL_WEEK.
func TestRescheduleKeepsTheWeekRules(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	mine := must(s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(2, 0, 9, 0))))(t).GetSessions()[0]
	for _, tc := range []struct {
		name string
		to   time.Time
	}{
		{"a group week", s.week(3, 0, 9, 0)},
		{"the Sunday of a group week", s.week(3, 6, 9, 0)},
		{"after the term", s.week(termWeeks+1, 0, 9, 0)},
		{"before the term", s.week(0, 0, 9, 0)},
	} {
		if _, err := s.sc.RescheduleSession(s.admin, s.moveReq(mine, tc.to, "")); reasonOf(err) != "NOT_INDIVIDUAL_WEEK" {
			t.Errorf("%s: %v, want NOT_INDIVIDUAL_WEEK", tc.name, err)
		}
	}
	if start, _, _ := s.startOf(t, mine); !start.Equal(s.week(2, 0, 9, 0)) {
		t.Errorf("a refused move left the session at %v", start)
	}
	// The window closed: a booked session still moves within its rules.
	s.count(t, `WITH w AS (UPDATE booking.booking_windows SET close_time = $2 WHERE tenant_id = $1 RETURNING 1) SELECT count(*) FROM w`,
		s.id, s.at(2027, 2, 20, 13, 0))
	s.clk.Set(s.at(2027, 2, 21, 12, 0))
	if _, err := s.sc.CreateBooking(s.parentB, s.bookReq(s.b1.GetName(), s.week(4, 0, 9, 0))); reasonOf(err) != "WINDOW_CLOSED" {
		t.Fatalf("the fixture's window did not close: %v", err)
	}
	if moved := must(s.sc.RescheduleSession(s.parentA, s.moveReq(mine, s.week(4, 0, 9, 0), "")))(t); moved.GetWeek() != 4 {
		t.Errorf("moved into week %d, want 4", moved.GetWeek())
	}
}

// TestRescheduleUsesTheSessionsTeacher: after the class changes teacher,
// the booked session keeps its own; its moves are checked against that
// teacher's availability, not the new class teacher's.
func TestRescheduleUsesTheSessionsTeacher(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	mine := must(s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(2, 0, 9, 0))))(t).GetSessions()[0]
	u := s.env.User(t, s.id, "teacher")
	other := must(s.c.CreateTeacher(s.admin, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: s.name + "/members/" + u.ID.String(), DisplayName: "Marcus Lee"}}))(t)
	newTeacher := idOf(other.GetName())
	// The new teacher works Tuesdays only.
	s.count(t, `WITH a AS (INSERT INTO booking.availability (tenant_id, teacher_id) VALUES ($1, $2) RETURNING 1),
		b AS (INSERT INTO booking.availability_blocks (tenant_id, teacher_id, block_number, weekday, start_time, end_time, room_id)
		      SELECT $1, $2, 1, 2, '09:00', '12:00', $3 FROM a RETURNING 1),
		c AS (UPDATE booking.classes SET teacher_id = $2 WHERE tenant_id = $1 AND class_id = $4 RETURNING 1)
		SELECT (SELECT count(*) FROM b) + (SELECT count(*) FROM c)`, s.id, newTeacher, idOf(s.room.GetName()), s.classID)

	if _, err := s.sc.RescheduleSession(s.parentA, s.moveReq(mine, s.week(2, 1, 10, 0), "")); reasonOf(err) != "OUTSIDE_AVAILABILITY" {
		t.Errorf("a move into the new class teacher's availability: %v, want OUTSIDE_AVAILABILITY", err)
	}
	moved := must(s.sc.RescheduleSession(s.parentA, s.moveReq(mine, s.week(2, 0, 10, 0), "")))(t)
	if moved.GetTeacher() != s.teacher.GetName() {
		t.Errorf("the moved session's teacher is %s, want its own %s", moved.GetTeacher(), s.teacher.GetName())
	}
}

// TestMakeupRescheduleKeepsTheCreditsExpiry: a make-up session moves only
// to before the expiry of the credit it used.
func TestMakeupRescheduleKeepsTheCreditsExpiry(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1 := s.studentA1.GetName()
	r := s.bookReq(a1, s.week(3, 0, 9, 0))
	r.Booking.MakeupCredit = s.credit(t, a1, 1, s.week(3, 5, 0, 0)) // expires Saturday of week 3
	makeup := must(s.sc.CreateBooking(s.parentA, r))(t).GetSessions()[0]
	for _, to := range []time.Time{s.week(3, 6, 9, 0), s.week(7, 0, 9, 0)} {
		if _, err := s.sc.RescheduleSession(s.parentA, s.moveReq(makeup, to, "")); reasonOf(err) != "CREDIT_UNAVAILABLE" {
			t.Errorf("a move to %v, after the credit's expiry: %v", to.In(s.loc), err)
		}
	}
	// Before the expiry, also in another (individual) week: allowed.
	must(s.sc.RescheduleSession(s.parentA, s.moveReq(makeup, s.week(2, 6, 9, 0), "")))(t)
	must(s.sc.RescheduleSession(s.parentA, s.moveReq(makeup, s.week(3, 0, 10, 0), "")))(t)
}

// TestCancelledMakeupReturnsItsCredit: cancelling a make-up session gives
// back the credit it used, with its original expiry, and mints none: the
// credit books again; a school cancellation returns it too.
func TestCancelledMakeupReturnsItsCredit(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1 := s.studentA1.GetName()
	expire := s.at(2027, 4, 1, 0, 0)
	credit := s.credit(t, a1, 1, expire)
	book := func(at time.Time) string {
		r := s.bookReq(a1, at)
		r.Booking.MakeupCredit = credit
		return must(s.sc.CreateBooking(s.parentA, r))(t).GetSessions()[0]
	}
	check := func(when string) {
		t.Helper()
		var n int
		var used bool
		var exp time.Time
		s.countInto(t, `SELECT (SELECT count(*) FROM booking.makeup_credits WHERE tenant_id = $1 AND student_id = $2)::int,
			c.used_session_id IS NOT NULL, c.expire_time FROM booking.makeup_credits c WHERE c.tenant_id = $1 AND c.credit_id = $3`,
			[]any{s.id, idOf(a1), idOf(credit)}, &n, &used, &exp)
		if n != 1 || used || !exp.Equal(expire) {
			t.Errorf("%s: %d credits, the original used %v, expiring %v (want 1, false, %v)", when, n, used, exp, expire)
		}
	}
	first := book(s.week(3, 0, 9, 0))
	must(s.sc.CancelSession(s.parentA, s.cancelReq(first, "")))(t)
	check("after the parent cancelled the make-up")
	second := book(s.week(3, 0, 9, 30))
	must(s.sc.CancelSession(s.admin, s.cancelReq(second, "teacher ill")))(t)
	check("after the school cancelled the make-up")
	book(s.week(3, 0, 10, 0))
}

// makeupAt books student a make-up session at start with a fresh credit
// from the group session of creditWeek: make-ups are not counted in the
// one-individual-session-a-week rule, so fixtures fill slots with them.
func (s *sched) makeupAt(t *testing.T, student string, creditWeek int, start time.Time) string {
	t.Helper()
	ctx := s.parentA
	if student == s.b1.GetName() {
		ctx = s.parentB
	}
	r := s.bookReq(student, start)
	r.Booking.MakeupCredit = s.credit(t, student, creditWeek, s.at(2027, 12, 1, 0, 0))
	return must(s.sc.CreateBooking(ctx, r))(t).GetSessions()[0]
}
