package booking_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// TestListFreeSlots: the free slots of a window by the rules CreateBooking
// applies, and each day without one with its reason.
func TestListFreeSlots(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	a1, b1 := s.studentA1.GetName(), s.b1.GetName()
	list := func(from, to string) *bookingv1.ListFreeSlotsResponse {
		t.Helper()
		return must(s.sc.ListFreeSlots(s.parentA, &bookingv1.ListFreeSlotsRequest{Parent: s.name, Student: a1, Class: s.class,
			BookingWindow: s.window, StartDate: from, EndDate: to}))(t)
	}
	why := func(r *bookingv1.ListFreeSlotsResponse) map[string]bookingv1.DayWithoutSlots_Why {
		out := map[string]bookingv1.DayWithoutSlots_Why{}
		for _, d := range r.GetDaysWithoutSlots() {
			out[d.GetDate()] = d.GetWhy()
		}
		return out
	}
	must(s.sc.CreateBooking(s.parentB, s.bookReq(b1, s.week(2, 0, 9, 0))))(t)
	a2 := s.studentA2.GetName()
	for i := range 6 { // Sunday of week 2 fully booked, by make-ups (one individual session a week)
		s.makeupAt(t, []string{a2, a1, b1}[i%3], []int{3, 7}[i/3], s.week(2, 6, 9, 0).Add(time.Duration(i)*30*time.Minute))
	}
	r := list("2027-03-01", "2027-03-14")
	if len(r.GetSlots()) != 5 || !r.GetSlots()[0].GetStartTime().AsTime().Equal(s.week(2, 0, 9, 30)) || r.GetSlots()[0].GetWeek() != 2 ||
		r.GetSlots()[0].GetTeacher() != s.teacher.GetName() || r.GetSlots()[0].GetRoom() != s.room.GetName() {
		t.Errorf("slots = %v", r.GetSlots())
	}
	want := map[string]bookingv1.DayWithoutSlots_Why{
		"2027-03-01": bookingv1.DayWithoutSlots_WHY_GROUP_WEEK, "2027-03-07": bookingv1.DayWithoutSlots_WHY_GROUP_WEEK,
		"2027-03-14": bookingv1.DayWithoutSlots_WHY_ALL_TAKEN,
	}
	if got := why(r); !mapsEqual(got, want) {
		t.Errorf("days without slots = %v, want %v", got, want)
	}
	if got := why(list("2027-04-19", "2027-04-19")); got["2027-04-19"] != bookingv1.DayWithoutSlots_WHY_BREAK {
		t.Errorf("the break day: %v", got)
	}
	// A whole-day exception: the teacher is unavailable.
	s.count(t, `WITH e AS (INSERT INTO booking.availability_exceptions (tenant_id, teacher_id, exception_number, on_date)
		VALUES ($1, $2, 1, '2027-03-22') RETURNING 1) SELECT count(*) FROM e`, s.id, idOf(s.teacher.GetName()))
	if got := why(list("2027-03-22", "2027-03-22")); got["2027-03-22"] != bookingv1.DayWithoutSlots_WHY_TEACHER_UNAVAILABLE {
		t.Errorf("an exception day: %v", got)
	}
	// Saturday 13:00 before week 4's Sunday: every slot is within the notice.
	s.clk.Set(s.week(4, 5, 13, 0))
	if got := why(list("2027-03-28", "2027-03-28")); got["2027-03-28"] != bookingv1.DayWithoutSlots_WHY_TOO_SOON {
		t.Errorf("within the notice: %v", got)
	}
	s.clk.Set(s.at(2027, 2, 1, 0, 0))
	if got := why(list("2027-03-08", "2027-03-08")); got["2027-03-08"] != bookingv1.DayWithoutSlots_WHY_WINDOW_CLOSED {
		t.Errorf("before the window opens: %v", got)
	}
	// Unset dates: the window's weeks (all) from today, at most 62 days:
	// 2027-03-01 to 2027-04-30.
	s.clk.Set(s.at(2027, 2, 20, 12, 0))
	all := list("", "")
	if len(all.GetSlots()) == 0 || all.GetSlots()[len(all.GetSlots())-1].GetStartTime().AsTime().After(s.at(2027, 5, 1, 0, 0)) {
		t.Errorf("the default range: %d slots, days %v", len(all.GetSlots()), all.GetDaysWithoutSlots())
	}
	// A make-up credit opens any week, no window.
	c := s.credit(t, a1, 1, s.at(2027, 3, 8, 0, 0))
	mk := must(s.sc.ListFreeSlots(s.parentA, &bookingv1.ListFreeSlotsRequest{Parent: s.name, Student: a1, Class: s.class,
		MakeupCredit: c, StartDate: "2027-03-01", EndDate: "2027-03-07"}))(t)
	if len(mk.GetSlots()) != 12 || !slices.ContainsFunc(mk.GetSlots(), func(sl *bookingv1.Slot) bool { return sl.GetWeek() == 1 }) {
		t.Errorf("make-up slots = %d", len(mk.GetSlots()))
	}
	for _, tc := range []struct {
		name string
		req  *bookingv1.ListFreeSlotsRequest
		code codes.Code
	}{
		{"another family's student", &bookingv1.ListFreeSlotsRequest{Parent: s.name, Student: b1, Class: s.class, BookingWindow: s.window}, codes.NotFound},
		{"not enrolled", &bookingv1.ListFreeSlotsRequest{Parent: s.name, Student: s.studentA2.GetName(), Class: s.class, BookingWindow: s.window}, codes.FailedPrecondition},
		{"too long a range", &bookingv1.ListFreeSlotsRequest{Parent: s.name, Student: a1, Class: s.class, BookingWindow: s.window, StartDate: "2027-03-01", EndDate: "2027-06-01"}, codes.InvalidArgument},
		{"neither window nor credit", &bookingv1.ListFreeSlotsRequest{Parent: s.name, Student: a1, Class: s.class}, codes.InvalidArgument},
	} {
		if _, err := s.sc.ListFreeSlots(s.parentA, tc.req); code(err) != tc.code {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.code)
		}
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
