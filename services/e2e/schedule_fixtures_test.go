package e2e_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// scheduleTypes are the resource types of a schedule set's collections.
var scheduleTypes = map[string]string{
	"tenants/terms": "steward.dev/Term", "tenants/terms/weekPattern": "steward.dev/WeekPattern",
	"tenants/classes": "steward.dev/Class", "tenants/classes/enrolments": "steward.dev/Enrolment",
	"tenants/teachers/availability": "steward.dev/Availability", "tenants/bookingWindows": "steward.dev/BookingWindow",
	"tenants/bookings": "steward.dev/Booking", "tenants/sessions": "steward.dev/Session",
	"tenants/sessions/events": "steward.dev/SessionEvent", "tenants/makeupCredits": "steward.dev/MakeupCredit",
	"tenants/calendarFeeds": "steward.dev/CalendarFeed",
}

// scheduleSet is one of each schedule resource over a directory set, by
// the collections of their names, and the token of its calendar feed.
type scheduleSet struct {
	names     map[string]string
	feedToken string
	freeSlots []*bookingv1.Slot // of the class, one a week, in weeks the set has not booked
}

// newScheduleSet creates through ctx, a school admin's, over dir (a
// directory set of the same school): a term of ten weeks starting next
// Monday, all individual but the first, a class of dir's teacher in dir's
// room with dir's student enrolled, the teacher's availability, a booking
// window open now, a booked session, a cancelled one (whose make-up credit
// the student holds), and a family calendar feed.
func newScheduleSet(t *testing.T, s *stack, ctx context.Context, dir map[string]string, tag string) scheduleSet {
	t.Helper()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("schedule fixture: %s (%s): %v", what, tag, err)
		}
	}
	school := dir["tenants"]
	monday := time.Now().UTC().AddDate(0, 0, 7)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, 1)
	}
	term, err := s.terms.CreateTerm(ctx, &bookingv1.CreateTermRequest{Parent: school, Term: &bookingv1.Term{
		DisplayName: "Sweep " + tag + " term", StartDate: monday.Format(time.DateOnly), EndDate: monday.AddDate(0, 0, 7*10-3).Format(time.DateOnly)}})
	must("CreateTerm", err)
	pattern, err := s.terms.GetWeekPattern(ctx, &bookingv1.GetWeekPatternRequest{Name: term.GetName() + "/weekPattern"})
	must("GetWeekPattern", err)
	weeks := make([]bookingv1.WeekKind, len(term.GetWeeks()))
	for i := range weeks {
		weeks[i] = bookingv1.WeekKind_WEEK_KIND_INDIVIDUAL
	}
	weeks[0] = bookingv1.WeekKind_WEEK_KIND_GROUP
	pattern, err = s.terms.UpdateWeekPattern(ctx, &bookingv1.UpdateWeekPatternRequest{WeekPattern: &bookingv1.WeekPattern{
		Name: pattern.GetName(), Weeks: weeks, Etag: pattern.GetEtag()}})
	must("UpdateWeekPattern", err)
	class, err := s.terms.CreateClass(ctx, &bookingv1.CreateClassRequest{Parent: school, Class: &bookingv1.Class{
		Term: term.GetName(), DisplayName: "Sweep " + tag + " class", Instrument: dir["tenants/instruments"], Teacher: dir["tenants/teachers"],
		Room: dir["tenants/rooms"], Weekday: 3, StartTime: "16:00", GroupMinutes: 45, IndividualMinutes: 30, Capacity: 4}})
	must("CreateClass", err)
	enrolment, err := s.terms.CreateEnrolment(ctx, &bookingv1.CreateEnrolmentRequest{Parent: class.GetName(),
		Enrolment: &bookingv1.Enrolment{Student: dir["tenants/families/students"]}})
	must("CreateEnrolment", err)
	availability, err := s.sessions.UpdateAvailability(ctx, &bookingv1.UpdateAvailabilityRequest{Availability: &bookingv1.Availability{
		Name:   dir["tenants/teachers"] + "/availability",
		Blocks: []*bookingv1.AvailabilityBlock{{Weekday: 2, StartTime: "15:00", EndTime: "18:00", Room: dir["tenants/rooms"]}}}})
	must("UpdateAvailability", err)
	window, err := s.sessions.CreateBookingWindow(ctx, &bookingv1.CreateBookingWindowRequest{Parent: school, BookingWindow: &bookingv1.BookingWindow{
		Term: term.GetName(), OpenTime: timestamppb.New(time.Now().Add(-time.Hour)), CloseTime: timestamppb.New(time.Now().AddDate(0, 3, 0))}})
	must("CreateBookingWindow", err)
	slots, err := s.sessions.ListFreeSlots(ctx, &bookingv1.ListFreeSlotsRequest{Parent: school, Student: dir["tenants/families/students"],
		Class: class.GetName(), BookingWindow: window.GetName()})
	must("ListFreeSlots", err)
	// One individual session a week per student and class: the first free
	// slot of each week, so each booking (and the sweep's) has a week of its own.
	var weekly []*bookingv1.Slot
	for _, sl := range slots.GetSlots() {
		if len(weekly) == 0 || weekly[len(weekly)-1].GetWeek() != sl.GetWeek() {
			weekly = append(weekly, sl)
		}
	}
	if len(weekly) < 4 {
		t.Fatalf("schedule fixture (%s): free slots in %d weeks; want 4 or more", tag, len(weekly))
	}
	book := func(slot *bookingv1.Slot) *bookingv1.Booking {
		t.Helper()
		b, err := s.sessions.CreateBooking(ctx, &bookingv1.CreateBookingRequest{Parent: school, Booking: &bookingv1.Booking{
			Student: dir["tenants/families/students"], Class: class.GetName(), StartTime: slot.GetStartTime()}})
		must("CreateBooking", err)
		return b
	}
	booking := book(weekly[0])
	cancelled := book(weekly[1]).GetSessions()[0]
	_, err = s.sessions.CancelSession(ctx, &bookingv1.CancelSessionRequest{Name: cancelled, Reason: "Teacher at a conference"})
	must("CancelSession", err)
	credits, err := s.sessions.ListMakeupCredits(ctx, &bookingv1.ListMakeupCreditsRequest{Parent: school,
		Filter: `student = "` + dir["tenants/families/students"] + `"`})
	must("ListMakeupCredits", err)
	if len(credits.GetMakeupCredits()) == 0 {
		t.Fatalf("schedule fixture (%s): the cancelled session granted no make-up credit", tag)
	}
	events, err := s.sessions.ListSessionEvents(ctx, &bookingv1.ListSessionEventsRequest{Parent: booking.GetSessions()[0]})
	must("ListSessionEvents", err)
	if len(events.GetSessionEvents()) == 0 {
		t.Fatalf("schedule fixture (%s): the booked session has no audit event", tag)
	}
	feed, err := s.calendar.CreateCalendarFeed(ctx, &bookingv1.CreateCalendarFeedRequest{Parent: school,
		CalendarFeed: &bookingv1.CalendarFeed{Family: dir["tenants/families"]}})
	must("CreateCalendarFeed", err)
	return scheduleSet{feedToken: feedToken(t, feed.GetUrl()), freeSlots: weekly[2:], names: map[string]string{
		"tenants/terms": term.GetName(), "tenants/terms/weekPattern": pattern.GetName(),
		"tenants/classes": class.GetName(), "tenants/classes/enrolments": enrolment.GetName(),
		"tenants/teachers/availability": availability.GetName(), "tenants/bookingWindows": window.GetName(),
		"tenants/bookings": booking.GetName(), "tenants/sessions": booking.GetSessions()[0],
		"tenants/sessions/events": events.GetSessionEvents()[0].GetName(), "tenants/makeupCredits": credits.GetMakeupCredits()[0].GetName(),
		"tenants/calendarFeeds": feed.GetName(),
	}}
}

// feedToken is the secret of a feed's URL.
func feedToken(t *testing.T, feedURL string) string {
	t.Helper()
	u, err := url.Parse(feedURL)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("calendar feed URL %q carries no token", feedURL)
	}
	return u.Query().Get("token")
}
