package booking_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
)

// TestAvailabilitySingleton: every school role reads a teacher's
// availability; ADMIN and the teacher themselves replace it under an etag;
// another teacher is PERMISSION_DENIED; the exceptions take slots away.
func TestAvailabilitySingleton(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	name := s.teacher.GetName() + "/availability"
	got := must(s.sc.GetAvailability(s.parentA, &bookingv1.GetAvailabilityRequest{Name: name}))(t)
	if len(got.GetBlocks()) != 2 || got.GetBlocks()[0].GetStartTime() != "09:00" || got.GetBlocks()[0].GetEndTime() != "12:00" || got.GetEtag() != "1" {
		t.Fatalf("availability = %v", got)
	}
	if _, err := s.sc.GetAvailability(s.admin, &bookingv1.GetAvailabilityRequest{Name: s.name + "/teachers/" + uuid.NewString() + "/availability"}); code(err) != codes.NotFound {
		t.Errorf("no such teacher: %v", err)
	}
	update := func(blocks []*bookingv1.AvailabilityBlock, exceptions []*bookingv1.AvailabilityException, etag string) *bookingv1.UpdateAvailabilityRequest {
		return &bookingv1.UpdateAvailabilityRequest{Availability: &bookingv1.Availability{Name: name, Blocks: blocks, Exceptions: exceptions, Etag: etag}}
	}
	monday := func(from, to string) *bookingv1.AvailabilityBlock {
		return &bookingv1.AvailabilityBlock{Weekday: 1, StartTime: from, EndTime: to, Room: s.room.GetName()}
	}
	except := []*bookingv1.AvailabilityException{{Date: "2027-03-08", StartTime: "09:00", EndTime: "10:00", Note: "Dentist"}, {Date: "2027-03-29", Note: "Tour"}}
	next := must(s.sc.UpdateAvailability(s.teacherCtx, update([]*bookingv1.AvailabilityBlock{monday("09:00", "12:00"), monday("13:00", "24:00")}, except, got.GetEtag())))(t)
	if next.GetEtag() == got.GetEtag() || len(next.GetBlocks()) != 2 || next.GetBlocks()[1].GetEndTime() != "24:00" || len(next.GetExceptions()) != 2 {
		t.Errorf("updated = %v", next)
	}
	other := s.env.User(t, s.id, "teacher")
	must(s.c.CreateTeacher(s.admin, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: s.name + "/members/" + other.ID.String(), DisplayName: "Marcus Lee"}}))(t)
	otherSchool := newSchool(t, s.env, s.c)
	foreignRoom := must(s.c.CreateRoom(otherSchool.admin, &bookingv1.CreateRoomRequest{Parent: otherSchool.name, Room: &bookingv1.Room{DisplayName: "Elsewhere", Capacity: 1}}))(t)
	for _, tc := range []struct {
		name   string
		req    *bookingv1.UpdateAvailabilityRequest
		code   codes.Code
		reason string
	}{
		{"a stale etag", update(nil, nil, got.GetEtag()), codes.Aborted, apierror.ReasonEtagMismatch},
		{"an end before the start", update([]*bookingv1.AvailabilityBlock{monday("10:00", "09:00")}, nil, ""), codes.InvalidArgument, apierror.ReasonInvalidArgument},
		{"overlapping blocks", update([]*bookingv1.AvailabilityBlock{monday("09:00", "11:00"), monday("10:00", "12:00")}, nil, ""), codes.InvalidArgument, apierror.ReasonInvalidArgument},
		{"another school's room", update([]*bookingv1.AvailabilityBlock{{Weekday: 1, StartTime: "09:00", EndTime: "10:00", Room: foreignRoom.GetName()}}, nil, ""), codes.InvalidArgument, apierror.ReasonInvalidArgument},
		{"a room that does not exist", update([]*bookingv1.AvailabilityBlock{{Weekday: 1, StartTime: "09:00", EndTime: "10:00", Room: s.name + "/rooms/" + uuid.NewString()}}, nil, ""), codes.InvalidArgument, apierror.ReasonInvalidArgument},
		{"half an exception", update(nil, []*bookingv1.AvailabilityException{{Date: "2027-03-08", StartTime: "09:00"}}, ""), codes.InvalidArgument, apierror.ReasonInvalidArgument},
	} {
		if _, err := s.sc.UpdateAvailability(s.admin, tc.req); code(err) != tc.code || reasonOf(err) != tc.reason {
			t.Errorf("%s: %v, want %v %s", tc.name, err, tc.code, tc.reason)
		}
	}
	if _, err := s.sc.UpdateAvailability(s.as(other), update(nil, nil, "")); code(err) != codes.PermissionDenied {
		t.Errorf("another teacher's update: %v", err)
	}
	if _, err := s.sc.UpdateAvailability(s.parentA, update(nil, nil, "")); code(err) != codes.PermissionDenied {
		t.Errorf("a parent's update: %v", err)
	}
	// The exceptions take effect: Monday 2027-03-08 09:00-10:00 and all of Monday 2027-03-29.
	for _, tc := range []struct {
		name   string
		week   int
		hh, mm int
		reason string
	}{
		{"inside the part-day exception", 2, 9, 30, "OUTSIDE_AVAILABILITY"},
		{"after it", 2, 10, 0, "OK"},
		{"the whole-day exception", 5, 10, 0, "OUTSIDE_AVAILABILITY"},
		{"the new evening block", 4, 23, 30, "OK"},
	} {
		if _, err := s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(tc.week, 0, tc.hh, tc.mm))); reasonOf(err) != tc.reason {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.reason)
		}
	}
}

// TestBookingWindowMethods: the standard methods with idempotent creates,
// the term's weeks and classes checked, the term immutable, and a window's
// weeks deciding what can be booked.
func TestBookingWindowMethods(t *testing.T) {
	t.Parallel()
	s := newSched(t)
	s.count(t, `WITH d AS (DELETE FROM booking.booking_windows WHERE tenant_id = $1 RETURNING 1) SELECT count(*) FROM d`, s.id)
	term := s.name + "/terms/" + s.termID.String()
	open, closeAt := timestamppb.New(s.at(2027, 2, 19, 9, 0)), timestamppb.New(s.at(2027, 3, 31, 0, 0))
	req := &bookingv1.CreateBookingWindowRequest{Parent: s.name, RequestId: uuid.NewString(), BookingWindow: &bookingv1.BookingWindow{
		Term: term, Weeks: []int32{4}, Classes: []string{s.class}, OpenTime: open, CloseTime: closeAt}}
	w := must(s.sc.CreateBookingWindow(s.admin, req))(t)
	if again := must(s.sc.CreateBookingWindow(s.admin, req))(t); again.GetName() != w.GetName() {
		t.Errorf("retry made %s, first %s", again.GetName(), w.GetName())
	}
	if w.GetTerm() != term || !slices.Equal(w.GetWeeks(), []int32{4}) || !slices.Equal(w.GetClasses(), []string{s.class}) {
		t.Errorf("window = %v", w)
	}
	for _, tc := range []struct {
		name   string
		w      *bookingv1.BookingWindow
		reason string
	}{
		{"a week the term lacks", &bookingv1.BookingWindow{Term: term, Weeks: []int32{12}, OpenTime: open, CloseTime: closeAt}, apierror.ReasonInvalidArgument},
		{"a class of no term", &bookingv1.BookingWindow{Term: term, Classes: []string{s.name + "/classes/" + uuid.NewString()}, OpenTime: open, CloseTime: closeAt}, apierror.ReasonInvalidArgument},
		{"closing before opening", &bookingv1.BookingWindow{Term: term, OpenTime: closeAt, CloseTime: open}, apierror.ReasonInvalidArgument},
		{"no such term", &bookingv1.BookingWindow{Term: s.name + "/terms/" + uuid.NewString(), OpenTime: open, CloseTime: closeAt}, apierror.ReasonInvalidArgument},
	} {
		if _, err := s.sc.CreateBookingWindow(s.admin, &bookingv1.CreateBookingWindowRequest{Parent: s.name, BookingWindow: tc.w}); reasonOf(err) != tc.reason {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.reason)
		}
	}
	reused := &bookingv1.CreateBookingWindowRequest{Parent: s.name, RequestId: req.GetRequestId(), BookingWindow: &bookingv1.BookingWindow{Term: term, OpenTime: open, CloseTime: closeAt}}
	if _, err := s.sc.CreateBookingWindow(s.admin, reused); reasonOf(err) != apierror.ReasonRequestIDReused {
		t.Errorf("a reused request_id: %v", err)
	}
	if _, err := s.sc.CreateBookingWindow(s.parentA, &bookingv1.CreateBookingWindowRequest{Parent: s.name, BookingWindow: req.GetBookingWindow()}); code(err) != codes.PermissionDenied {
		t.Errorf("a parent opens a window: %v", err)
	}
	// Only week 4 is open.
	if _, err := s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(2, 0, 9, 0))); reasonOf(err) != "WINDOW_CLOSED" {
		t.Errorf("a week the window does not open: %v", err)
	}
	must(s.sc.CreateBooking(s.parentA, s.bookReq(s.studentA1.GetName(), s.week(4, 0, 9, 0))))(t)

	list := must(s.sc.ListBookingWindows(s.parentA, &bookingv1.ListBookingWindowsRequest{Parent: s.name, Filter: `term = "` + term + `"`}))(t)
	if names(list.GetBookingWindows())[0] != w.GetName() || len(list.GetBookingWindows()) != 1 {
		t.Errorf("listed %v", names(list.GetBookingWindows()))
	}
	got := must(s.sc.GetBookingWindow(s.teacherCtx, &bookingv1.GetBookingWindowRequest{Name: w.GetName()}))(t)
	// Close it now: a client sends back what it read with a new close_time.
	got.CloseTime = timestamppb.New(s.clk.Now())
	closed := must(s.sc.UpdateBookingWindow(s.admin, &bookingv1.UpdateBookingWindowRequest{BookingWindow: got}))(t)
	if closed.GetEtag() == w.GetEtag() || !closed.GetCloseTime().AsTime().Equal(s.clk.Now()) {
		t.Errorf("closed = %v", closed)
	}
	if _, err := s.sc.CreateBooking(s.parentB, s.bookReq(s.b1.GetName(), s.week(4, 0, 10, 0))); reasonOf(err) != "WINDOW_CLOSED" {
		t.Errorf("booking in a closed window: %v", err)
	}
	moved := &bookingv1.BookingWindow{Name: w.GetName(), Term: s.name + "/terms/" + uuid.NewString()}
	if _, err := s.sc.UpdateBookingWindow(s.admin, &bookingv1.UpdateBookingWindowRequest{BookingWindow: moved, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"term"}}}); code(err) != codes.InvalidArgument {
		t.Errorf("changing the term: %v", err)
	}
	// A masked time left out or out of range is refused on that field, not
	// read as 1970 or as what AsTime makes of it.
	badNanos, badSeconds := &timestamppb.Timestamp{Seconds: 1_800_000_000, Nanos: 2_000_000_000}, &timestamppb.Timestamp{Seconds: 1 << 40}
	for _, tt := range []struct {
		paths       []string
		open, close *timestamppb.Timestamp
		field       string
	}{
		{[]string{"open_time"}, nil, closed.GetCloseTime(), "booking_window.open_time"},
		{[]string{"close_time"}, closed.GetOpenTime(), nil, "booking_window.close_time"},
		{[]string{"*"}, nil, closed.GetCloseTime(), "booking_window.open_time"},
		{[]string{"open_time"}, badNanos, closed.GetCloseTime(), "booking_window.open_time"},
		{[]string{"close_time"}, closed.GetOpenTime(), badSeconds, "booking_window.close_time"},
		{[]string{"*"}, badNanos, closed.GetCloseTime(), "booking_window.open_time"},
	} {
		in := proto.CloneOf(closed)
		in.OpenTime, in.CloseTime = tt.open, tt.close
		_, err := s.sc.UpdateBookingWindow(s.admin, &bookingv1.UpdateBookingWindowRequest{BookingWindow: in, UpdateMask: &fieldmaskpb.FieldMask{Paths: tt.paths}})
		if code(err) != codes.InvalidArgument || !slices.Equal(apierror.ViolatedFields(err), []string{tt.field}) {
			t.Errorf("mask %v, open %v, close %v: %v, want INVALID_ARGUMENT on %s", tt.paths, tt.open, tt.close, err, tt.field)
		}
	}
	if again := must(s.sc.GetBookingWindow(s.admin, &bookingv1.GetBookingWindowRequest{Name: w.GetName()}))(t); again.GetEtag() != closed.GetEtag() {
		t.Errorf("a refused update changed the window: %v", again)
	}
	if _, err := s.sc.DeleteBookingWindow(s.admin, &bookingv1.DeleteBookingWindowRequest{Name: w.GetName(), Etag: w.GetEtag()}); reasonOf(err) != apierror.ReasonEtagMismatch {
		t.Errorf("a delete at a stale etag: %v", err)
	}
	must(s.sc.DeleteBookingWindow(s.admin, &bookingv1.DeleteBookingWindowRequest{Name: w.GetName(), Etag: closed.GetEtag()}))(t)
	if _, err := s.sc.GetBookingWindow(s.admin, &bookingv1.GetBookingWindowRequest{Name: w.GetName()}); code(err) != codes.NotFound {
		t.Errorf("a deleted window: %v", err)
	}
}
