package booking_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
)

// TestCreateBookingRefusals: every refusal of CreateBooking, with its code
// and reason, in the order the clock allows.
func TestCreateBookingRefusals(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1, a2, b1 := s.studentA1.GetName(), s.studentA2.GetName(), s.b1.GetName()
	otherAdmin := s.as(s.env.User(t, s.env.Tenant(t, "school"), "admin"))
	first := must(s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.week(2, 0, 9, 0))))(t)
	if len(first.GetSessions()) != 1 || first.GetStudent() != a1 || first.GetRepeat() != bookingv1.Booking_REPEAT_ONCE {
		t.Fatalf("booking = %v", first)
	}
	sess := must(s.sc.GetSession(s.parentA, &bookingv1.GetSessionRequest{Name: first.GetSessions()[0]}))(t)
	if sess.GetKind() != bookingv1.Session_KIND_INDIVIDUAL || sess.GetRoom() != s.room.GetName() || sess.GetWeek() != 2 ||
		!sess.GetStartTime().AsTime().Equal(s.week(2, 0, 9, 0)) || sess.GetEndTime().AsTime().Sub(sess.GetStartTime().AsTime()) != 30*time.Minute {
		t.Errorf("booked session = %v", sess)
	}
	for _, tc := range []struct {
		name   string
		ctx    context.Context //nolint:containedctx // the caller of the case
		req    *bookingv1.CreateBookingRequest
		code   codes.Code
		reason string
	}{
		{"not enrolled", s.parentA, s.bookReq(a2, s.week(2, 0, 10, 0)), codes.FailedPrecondition, "NOT_ENROLLED"},
		{"a group week", s.parentA, s.bookReq(a1, s.week(1, 0, 9, 0)), codes.FailedPrecondition, "NOT_INDIVIDUAL_WEEK"},
		{"a break day", s.parentA, s.bookReq(a1, s.week(8, 0, 9, 0)), codes.FailedPrecondition, "NOT_INDIVIDUAL_WEEK"},
		{"off the grid", s.parentA, s.bookReq(a1, s.week(2, 0, 9, 15)), codes.FailedPrecondition, "OUTSIDE_AVAILABILITY"},
		{"a day without availability", s.parentA, s.bookReq(a1, s.week(2, 1, 9, 0)), codes.FailedPrecondition, "OUTSIDE_AVAILABILITY"},
		{"after the block", s.parentA, s.bookReq(a1, s.week(2, 0, 11, 45)), codes.FailedPrecondition, "OUTSIDE_AVAILABILITY"},
		{"taken by the teacher", s.parentB, s.bookReq(b1, s.week(2, 0, 9, 0)), codes.Aborted, "SLOT_TAKEN"},
		{"a second session in the week", s.parentA, s.bookReq(a1, s.week(2, 0, 10, 0)), codes.FailedPrecondition, "ALREADY_BOOKED_THIS_WEEK"},
		{"another family's student", s.parentB, s.bookReq(a1, s.week(2, 0, 10, 0)), codes.NotFound, apierror.ReasonNotFound},
		{"a teacher books nothing", s.teacherCtx, s.bookReq(a1, s.week(2, 0, 10, 0)), codes.NotFound, apierror.ReasonNotFound},
		{"another tenant's admin", otherAdmin, s.bookReq(a1, s.week(2, 0, 10, 0)), codes.NotFound, apierror.ReasonNotFound},
		{"a student cannot book", s.student, s.bookReq(a1, s.week(2, 0, 10, 0)), codes.PermissionDenied, apierror.ReasonPermissionDenied},
		{"no start", s.parentA, &bookingv1.CreateBookingRequest{Parent: s.name, Booking: &bookingv1.Booking{Student: a1, Class: s.class}}, codes.InvalidArgument, apierror.ReasonInvalidArgument},
	} {
		_, err := s.sc.CreateBooking(tc.ctx, tc.req)
		if code(err) != tc.code || reasonOf(err) != tc.reason {
			t.Errorf("%s: %v, want %v %s", tc.name, err, tc.code, tc.reason)
		}
	}

	// SLOT_TAKEN names the nearest free slots: 09:30 first.
	_, err := s.sc.CreateBooking(s.parentB, s.bookReq(b1, s.week(2, 0, 9, 0)))
	alts := alternativesOf(err)
	if len(alts) == 0 || len(alts) > 5 || !alts[0].GetStartTime().AsTime().Equal(s.week(2, 0, 9, 30)) || alts[0].GetRoom() != s.room.GetName() {
		t.Errorf("alternatives = %v", alts)
	}

	// The window has not opened yet.
	s.clk.Set(s.at(2027, 2, 18, 12, 0))
	if _, err := s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.week(2, 0, 10, 0))); reasonOf(err) != "WINDOW_CLOSED" {
		t.Errorf("before the window: %v", err)
	}
	// Sunday 09:30 before Monday week 2: 09:00 is within 24 hours' notice,
	// 09:30 exactly at the deadline, which is still in time.
	s.clk.Set(s.week(1, 6, 9, 30))
	if _, err := s.sc.CreateBooking(s.parentA, s.bookReq(a1, s.week(2, 0, 9, 0))); reasonOf(err) != "NOTICE_TOO_SHORT" {
		t.Errorf("within the notice: %v", err)
	}
	must(s.sc.CreateBooking(s.parentB, s.bookReq(b1, s.week(2, 0, 9, 30))))(t) // a1 has week 2's already
	if n := s.count(t, `SELECT count(*) FROM booking.sessions WHERE tenant_id = $1 AND kind = 'individual'`, s.id); n != 2 {
		t.Errorf("%d individual sessions, want 2", n)
	}
}

// TestBookingIdempotentRetry: a retry returns the first booking; the same
// request_id with another request is REQUEST_ID_REUSED; one row either way.
func TestBookingIdempotentRetry(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	req := s.bookReq(s.studentA1.GetName(), s.week(4, 0, 9, 0))
	req.RequestId = uuid.NewString()
	first := must(s.sc.CreateBooking(s.parentA, req))(t)
	again := must(s.sc.CreateBooking(s.parentA, req))(t)
	if !proto.Equal(first, again) {
		t.Errorf("retry = %v, first %v", again, first)
	}
	other := proto.Clone(req).(*bookingv1.CreateBookingRequest)
	other.Booking.StartTime = s.bookReq("", s.week(4, 0, 9, 30)).GetBooking().GetStartTime()
	if _, err := s.sc.CreateBooking(s.parentA, other); code(err) != codes.AlreadyExists || reasonOf(err) != apierror.ReasonRequestIDReused {
		t.Errorf("reused request_id: %v", err)
	}
	// Another family's request_id is no key to its booking.
	if _, err := s.sc.CreateBooking(s.parentB, req); reasonOf(err) != apierror.ReasonRequestIDReused {
		t.Errorf("another family repeats the request: %v", err)
	}
	// Concurrent retries: one booking.
	req2 := s.bookReq(s.b1.GetName(), s.week(4, 0, 10, 0))
	req2.RequestId = uuid.NewString()
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			b, err := s.sc.CreateBooking(s.parentB, req2)
			if err != nil {
				t.Errorf("concurrent retry: %v", err)
				return
			}
			got[i] = b.GetName()
		})
	}
	wg.Wait()
	for _, g := range got {
		if g != got[0] {
			t.Errorf("concurrent retries made %v", got)
			break
		}
	}
	if n := s.count(t, `SELECT count(*) FROM booking.bookings WHERE tenant_id = $1`, s.id); n != 2 {
		t.Errorf("%d bookings, want 2", n)
	}
}

// TestSeriesAllOrNothing: a series books every individual week from its
// first to the term's end (not the break day); one taken week books
// nothing at all.
func TestSeriesAllOrNothing(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	must(s.sc.CreateBooking(s.parentB, s.bookReq(s.b1.GetName(), s.week(6, 0, 10, 0))))(t)
	series := s.bookReq(s.studentA1.GetName(), s.week(2, 0, 10, 0))
	series.Booking.Repeat = bookingv1.Booking_REPEAT_EVERY_INDIVIDUAL_WEEK
	_, err := s.sc.CreateBooking(s.parentA, series)
	if code(err) != codes.Aborted || reasonOf(err) != "SLOT_TAKEN" {
		t.Fatalf("series over a taken week: %v", err)
	}
	if n := s.count(t, `SELECT count(*) FROM booking.sessions s JOIN booking.session_attendees a USING (tenant_id, session_id)
		WHERE s.tenant_id = $1 AND s.kind = 'individual' AND a.student_id = $2`, s.id, idOf(s.studentA1.GetName())); n != 0 {
		t.Errorf("a refused series left %d sessions", n)
	}
	if n := s.count(t, `SELECT count(*) FROM booking.bookings WHERE tenant_id = $1 AND student_id = $2`, s.id, idOf(s.studentA1.GetName())); n != 0 {
		t.Errorf("a refused series left %d bookings", n)
	}
	series.Booking.StartTime = s.bookReq("", s.week(2, 0, 11, 0)).GetBooking().GetStartTime()
	b := must(s.sc.CreateBooking(s.parentA, series))(t)
	if len(b.GetSessions()) != 4 { // weeks 2, 4, 5, 6; week 8's Monday is a break
		t.Fatalf("series made %d sessions: %v", len(b.GetSessions()), b)
	}
	for i, w := range []int{2, 4, 5, 6} {
		got := must(s.sc.GetSession(s.admin, &bookingv1.GetSessionRequest{Name: b.GetSessions()[i]}))(t)
		if got.GetWeek() != int32(w) || !got.GetStartTime().AsTime().Equal(s.week(w, 0, 11, 0)) { // 11:00 local on both sides of DST
			t.Errorf("series session %d = week %d at %v", i, got.GetWeek(), got.GetStartTime().AsTime().In(s.loc))
		}
	}
}

// TestConcurrentBookingsNeverOverlap: 100 parallel bookings of six
// contested slots (two in each of weeks 4, 5 and 6) by two students: each
// gets its booking, SLOT_TAKEN or ALREADY_BOOKED_THIS_WEEK; every slot is
// booked, once, each student once a week, and SQL shows no teacher, room or
// student in two sessions at once.
func TestConcurrentBookingsNeverOverlap(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	students := []string{s.studentA1.GetName(), s.b1.GetName()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for i := range 100 {
		wg.Go(func() {
			req := s.bookReq(students[i/6%2], s.week(4+i%6/2, 0, 9, 0).Add(time.Duration(i%2)*30*time.Minute))
			_, err := s.sc.CreateBooking(s.admin, req)
			mu.Lock()
			outcomes[reasonOf(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if outcomes["OK"] != 6 || outcomes["SLOT_TAKEN"]+outcomes["ALREADY_BOOKED_THIS_WEEK"] != 94 || outcomes["SLOT_TAKEN"] == 0 {
		t.Errorf("outcomes = %v, want 6 OK and 94 SLOT_TAKEN or ALREADY_BOOKED_THIS_WEEK", outcomes)
	}
	if n := s.count(t, `SELECT count(*) FROM (SELECT 1 FROM booking.sessions s JOIN booking.session_attendees a USING (tenant_id, session_id)
		WHERE s.tenant_id = $1 AND s.kind = 'individual' GROUP BY a.student_id, s.week_number HAVING count(*) > 1) x`, s.id); n != 0 {
		t.Errorf("%d (student, week) pairs with more than one individual session", n)
	}
	for what, sql := range map[string]string{
		"teacher": `SELECT count(*) FROM booking.sessions x JOIN booking.sessions y ON x.tenant_id = y.tenant_id AND x.teacher_id = y.teacher_id
			AND x.session_id < y.session_id AND x.during && y.during
			WHERE x.tenant_id = $1 AND x.state = 'scheduled' AND y.state = 'scheduled' AND x.kind <> 'placeholder' AND y.kind <> 'placeholder'`,
		"room": `SELECT count(*) FROM booking.sessions x JOIN booking.sessions y ON x.tenant_id = y.tenant_id AND x.room_id = y.room_id
			AND x.session_id < y.session_id AND x.during && y.during
			WHERE x.tenant_id = $1 AND x.state = 'scheduled' AND y.state = 'scheduled' AND x.kind <> 'placeholder' AND y.kind <> 'placeholder'`,
		"student": `SELECT count(*) FROM booking.session_attendees x JOIN booking.session_attendees y ON x.tenant_id = y.tenant_id
			AND x.student_id = y.student_id AND x.session_id < y.session_id AND x.during && y.during
			WHERE x.tenant_id = $1 AND x.blocking AND y.blocking`,
	} {
		if n := s.count(t, sql, s.id); n != 0 {
			t.Errorf("%d overlapping pairs of the %s's sessions", n, what)
		}
	}
	if n := s.count(t, `SELECT count(*) FROM booking.sessions WHERE tenant_id = $1 AND kind = 'individual'`, s.id); n != 6 {
		t.Errorf("%d individual sessions, want 6", n)
	}
}

// credit writes a make-up credit of student for the class's group session
// of week (a group week), expiring at expire.
func (s *sched) credit(t *testing.T, student string, week int, expire time.Time) string {
	t.Helper()
	id := uuid.New()
	s.count(t, `WITH c AS (INSERT INTO booking.makeup_credits (tenant_id, credit_id, student_id, source_session_id, expire_time)
		SELECT $1, $2, $3, session_id, $5 FROM booking.sessions WHERE tenant_id = $1 AND class_id = $4 AND week_number = $6 AND kind = 'group'
		RETURNING 1) SELECT count(*) FROM c`, s.id, id, idOf(student), s.classID, expire, week)
	return s.name + "/makeupCredits/" + id.String()
}

// TestMakeupCreditBooking: a credit books a make-up in any week (here a
// group week, no window needed) once; a concurrent second use and an
// expired credit are CREDIT_UNAVAILABLE; so is a session after the expiry.
func TestMakeupCreditBooking(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1 := s.studentA1.GetName()
	makeup := func(credit string, start time.Time) *bookingv1.CreateBookingRequest {
		r := s.bookReq(a1, start)
		r.Booking.MakeupCredit = credit
		return r
	}
	c := s.credit(t, a1, 1, s.at(2027, 4, 30, 0, 0))
	s.clk.Set(s.at(2027, 2, 1, 12, 0)) // before any window: a make-up needs none
	b := must(s.sc.CreateBooking(s.parentA, makeup(c, s.week(3, 0, 9, 0))))(t)
	got := must(s.sc.GetSession(s.parentA, &bookingv1.GetSessionRequest{Name: b.GetSessions()[0]}))(t)
	if got.GetKind() != bookingv1.Session_KIND_MAKEUP || b.GetMakeupCredit() != c {
		t.Errorf("make-up = %v, booking %v", got, b)
	}
	if _, err := s.sc.CreateBooking(s.parentA, makeup(c, s.week(3, 0, 10, 0))); reasonOf(err) != "CREDIT_UNAVAILABLE" {
		t.Errorf("a used credit: %v", err)
	}
	if _, err := s.sc.CreateBooking(s.parentB, makeup(c, s.week(3, 0, 10, 0))); code(err) != codes.NotFound {
		t.Errorf("another family's credit: %v", err)
	}
	// Two uses of one credit at once: one wins.
	c2 := s.credit(t, a1, 3, s.at(2027, 4, 30, 0, 0))
	var wg sync.WaitGroup
	results := make([]string, 2)
	for i := range results {
		wg.Go(func() {
			_, err := s.sc.CreateBooking(s.parentA, makeup(c2, s.week(3, 6, 9+i, 0)))
			results[i] = reasonOf(err)
		})
	}
	wg.Wait()
	if slices.Sort(results); !slices.Equal(results, []string{"CREDIT_UNAVAILABLE", "OK"}) {
		t.Errorf("concurrent uses of one credit: %v", results)
	}
	if n := s.count(t, `SELECT count(*) FROM booking.sessions WHERE tenant_id = $1 AND kind = 'makeup'`, s.id); n != 2 {
		t.Errorf("%d make-up sessions, want 2", n)
	}
	// Expiry: a session at or after it, and a credit past it.
	c3 := s.credit(t, a1, 7, s.week(5, 0, 9, 30))
	if _, err := s.sc.CreateBooking(s.parentA, makeup(c3, s.week(5, 0, 9, 30))); reasonOf(err) != "CREDIT_UNAVAILABLE" {
		t.Errorf("a make-up at the expiry: %v", err)
	}
	s.clk.Set(s.week(5, 0, 9, 31))
	if _, err := s.sc.CreateBooking(s.parentA, makeup(c3, s.week(6, 0, 9, 0))); reasonOf(err) != "CREDIT_UNAVAILABLE" {
		t.Errorf("an expired credit: %v", err)
	}
}

// TestBookingVisibility: a family's PARENT and STUDENT read its bookings;
// another family and another tenant get NOT_FOUND.
func TestBookingVisibility(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	b := must(s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(2, 0, 9, 0))))(t)
	otherAdmin := s.as(s.env.User(t, s.env.Tenant(t, "school"), "admin"))
	for _, tc := range []struct {
		name string
		ctx  context.Context //nolint:containedctx // the caller of the case
		want codes.Code
	}{
		{"admin", s.admin, codes.OK}, {"teacher", s.teacherCtx, codes.OK}, {"parent", s.parentA, codes.OK}, {"student", s.student, codes.OK},
		{"another family", s.parentB, codes.NotFound}, {"another tenant", otherAdmin, codes.NotFound},
	} {
		_, err := s.sc.GetBooking(tc.ctx, &bookingv1.GetBookingRequest{Name: b.GetName()})
		_, serr := s.sc.GetSession(tc.ctx, &bookingv1.GetSessionRequest{Name: b.GetSessions()[0]})
		if code(err) != tc.want || code(serr) != tc.want {
			t.Errorf("%s: GetBooking %v, GetSession %v, want %v", tc.name, err, serr, tc.want)
		}
	}
	list := must(s.sc.ListBookings(s.parentB, &bookingv1.ListBookingsRequest{Parent: s.name}))(t)
	if len(list.GetBookings()) != 0 {
		t.Errorf("another family lists %v", list.GetBookings())
	}
	list = must(s.sc.ListBookings(s.parentA, &bookingv1.ListBookingsRequest{Parent: s.name}))(t)
	if len(list.GetBookings()) != 1 || list.GetBookings()[0].GetName() != b.GetName() {
		t.Errorf("the family lists %v", list.GetBookings())
	}
}
