package e2e_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// sweepSchedule is what the schedule's well-formed requests need beyond
// the kept and deleted sets' names.
type sweepSchedule struct {
	weeks            int    // teaching weeks of the kept term
	extraStudent     string // a student of the kept family in no class yet
	bookSlot, moveTo string // free slots of the kept class (RFC 3339 starts)
	keptFeedToken    string // the kept feed's secret
	deletedFeedToken string // the deleted set's feed's secret
	keptStudent      string // the kept set's enrolled student
	keptClass        string // the kept set's class
	keptWindow       string // the kept set's window
	calendarStart    string // a range of the calendar holding the kept sessions
	calendarEnd      string
}

// newSweepSchedule adds a schedule set to each directory set (kept and
// deleted) and returns what the sweep's bodies need.
func newSweepSchedule(t *testing.T, s *stack, kept, deleted map[string]string) sweepSchedule {
	t.Helper()
	ctx := s.as(t, schoolAdmin)
	k := newScheduleSet(t, s, ctx, kept, "kept")
	d := newScheduleSet(t, s, ctx, deleted, "deleted")
	maps.Copy(kept, k.names)
	maps.Copy(deleted, d.names)
	extra, err := s.directory.CreateStudent(ctx, &bookingv1.CreateStudentRequest{Parent: kept["tenants/families"],
		Student: &bookingv1.Student{GivenName: "Sweep sibling"}})
	if err != nil {
		t.Fatalf("sweep fixture: CreateStudent: %v", err)
	}
	term, err := s.terms.GetTerm(ctx, &bookingv1.GetTermRequest{Name: k.names["tenants/terms"]})
	if err != nil {
		t.Fatalf("sweep fixture: GetTerm: %v", err)
	}
	if len(k.freeSlots) < 2 {
		t.Fatalf("sweep fixture: %d free slots left in the kept class; want 2", len(k.freeSlots))
	}
	start := k.freeSlots[0].GetStartTime().AsTime()
	return sweepSchedule{
		weeks: len(term.GetWeeks()), extraStudent: extra.GetName(),
		bookSlot: k.freeSlots[0].GetStartTime().AsTime().Format(time.RFC3339), moveTo: k.freeSlots[1].GetStartTime().AsTime().Format(time.RFC3339),
		keptFeedToken: k.feedToken, deletedFeedToken: d.feedToken,
		keptStudent: kept["tenants/families/students"], keptClass: k.names["tenants/classes"], keptWindow: k.names["tenants/bookingWindows"],
		calendarStart: start.AddDate(0, 0, -30).Format(time.RFC3339), calendarEnd: start.AddDate(0, 0, 60).Format(time.RFC3339),
	}
}

// anonymousOperations are reached without credentials (the policy's
// anonymous_because): whatever Authorization says, a valid URL answers.
var anonymousOperations = map[string]bool{"CalendarService_GetCalendarFeedContent": true, "DashboardService_GetMaintenanceFeedContent": true}

// destructiveOperations are swept like deletes (last, on the deleted set):
// after them the resource no longer takes the other methods' requests.
var destructiveOperations = map[string]bool{"SessionService_CancelSession": true}

// sanityExempt are the well-formed requests that cannot succeed on the
// sweep's fixtures, with why; they are still swept, and must not be 5xx.
var sanityExempt = map[string]string{
	"SessionService_MarkAttendance": "attendance is marked once a session has started, and no API books a session in the past " +
		"(services/booking marks attendance on started sessions)",
}

// withQuery appends query to a path that may already carry one.
func withQuery(path, query string) string {
	switch {
	case query == "":
		return path
	case strings.Contains(path, "?"):
		return path + "&" + query
	}
	return path + "?" + query
}

// baseQuery is the query a well-formed request of op needs.
func (p *sweepPlanner) baseQuery(op sweepOperation, isDelete bool) string {
	sc := p.fx.schedule
	q := url.Values{}
	switch op.id {
	case "SessionService_ListFreeSlots":
		q.Set("student", sc.keptStudent)
		q.Set("class", sc.keptClass)
		q.Set("bookingWindow", sc.keptWindow)
	case "CalendarService_ListCalendarEntries":
		q.Set("startTime", sc.calendarStart)
		q.Set("endTime", sc.calendarEnd)
	case "CalendarService_GetCalendarFeedContent":
		q.Set("token", sc.keptFeedToken)
		if isDelete {
			q.Set("token", sc.deletedFeedToken)
		}
	case "DashboardService_GetMaintenanceFeedContent":
		q.Set("token", maintenanceFeedToken(p.fx.owner["tenants/homes/maintenanceFeeds"]))
	}
	return q.Encode()
}

// scheduleBody is a well-formed body of the schedule's operations; {} for
// any other.
func (p *sweepPlanner) scheduleBody(op sweepOperation) string {
	d, sc := p.fx.directory, p.fx.schedule
	switch op.id {
	case "TermService_CreateTerm":
		return `{"displayName":"Sweep created term","startDate":"2031-02-03","endDate":"2031-04-11",` +
			`"breaks":[{"displayName":"Half-term","startDate":"2031-03-03","endDate":"2031-03-07"}]}`
	case "TermService_UpdateTerm":
		return `{"displayName":"Sweep renamed term"}`
	case "TermService_UpdateWeekPattern":
		weeks := make([]string, sc.weeks)
		for i := range weeks {
			weeks[i] = `"WEEK_KIND_INDIVIDUAL"`
		}
		weeks[0] = `"WEEK_KIND_GROUP"`
		return `{"weeks":[` + strings.Join(weeks, ",") + `]}`
	case "TermService_CreateClass":
		return fmt.Sprintf(`{"term":%q,"displayName":"Sweep created class","instrument":%q,"teacher":%q,"room":%q,`+
			`"weekday":4,"startTime":"10:00","groupMinutes":30,"individualMinutes":20,"capacity":3}`,
			d["tenants/terms"], d["tenants/instruments"], d["tenants/teachers"], d["tenants/rooms"])
	case "TermService_UpdateClass":
		return `{"displayName":"Sweep renamed class","capacity":5}`
	case "TermService_CreateEnrolment":
		return fmt.Sprintf(`{"student":%q}`, sc.extraStudent)
	case "SessionService_UpdateAvailability":
		return fmt.Sprintf(`{"blocks":[{"weekday":2,"startTime":"15:00","endTime":"18:00","room":%q}],`+
			`"exceptions":[{"date":"2031-01-06","note":"Sweep"}]}`, d["tenants/rooms"])
	case "SessionService_CreateBookingWindow":
		return fmt.Sprintf(`{"term":%q,"weeks":[2,3],"openTime":"2030-01-01T00:00:00Z","closeTime":"2030-02-01T00:00:00Z"}`, d["tenants/terms"])
	case "SessionService_UpdateBookingWindow":
		return `{"closeTime":"` + time.Now().AddDate(0, 4, 0).UTC().Format(time.RFC3339) + `"}`
	case "SessionService_CreateBooking":
		return fmt.Sprintf(`{"student":%q,"class":%q,"startTime":%q,"repeat":"REPEAT_ONCE"}`, sc.keptStudent, sc.keptClass, sc.bookSlot)
	case "SessionService_RescheduleSession":
		return fmt.Sprintf(`{"startTime":%q,"reason":"Sweep: the teacher asked to move it"}`, sc.moveTo)
	case "SessionService_CancelSession":
		return `{"reason":"Sweep: the school is closed"}`
	case "SessionService_MarkAttendance":
		return fmt.Sprintf(`{"student":%q,"attendance":"ATTENDANCE_PRESENT"}`, sc.keptStudent)
	case "CalendarService_CreateCalendarFeed":
		return fmt.Sprintf(`{"teacher":%q}`, d["tenants/teachers"])
	}
	return `{}`
}

// teacherRefused are the schedule's operations the sweep's teacher (who
// teaches none of the sweep's classes) must be refused, with the exact
// status where one is right; every other write of the school-only services
// is 403 and every read 200.
var teacherRefused = map[string]int{
	// Their own availability only: another teacher's is not theirs to change.
	"SessionService_UpdateAvailability": 0,
	// bookings.write is the TEACHER's for their own sessions only.
	"SessionService_CreateBooking": 0, "SessionService_RescheduleSession": 0, "SessionService_CancelSession": 0,
	// attendance.write: their own sessions only.
	"SessionService_MarkAttendance": 0,
	// feeds.manage: their own teacher's feed only.
	"CalendarService_CreateCalendarFeed": 0, "CalendarService_DeleteCalendarFeed": 0,
}

// teacherAllowedWrites are the school-only writes the sweep's teacher may
// make. None today: each is limited to the teacher's own resources.
var teacherAllowedWrites = map[string]bool{}

// teacherStatus is the status the school's teacher's well-formed request
// to a school-only operation gets (0 and refused: any refusal).
func teacherStatus(op sweepOperation) (int, bool) {
	if s, ok := teacherRefused[op.id]; ok {
		return s, s == 0
	}
	if op.method == http.MethodGet || teacherAllowedWrites[op.id] {
		return http.StatusOK, false
	}
	return http.StatusForbidden, false
}
