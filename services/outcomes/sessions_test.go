package outcomes_test

import (
	"context"
	"fmt"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"steward.dev/db/dbtest"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// sessionOutcomes are the SessionService's rows, from what each role may do
// (platform/access): every school role reads availability, windows,
// sessions, bookings and credits (schedule.read), narrowed to their own
// family's or their own bookings, sessions and students (another family's
// PARENT: NOT_FOUND); ADMIN and a TEACHER change availability (the TEACHER
// here is the class's and the availability's teacher), only ADMIN manages
// windows; a PARENT books, moves and cancels their family's sessions (a
// TEACHER books nothing: no family is theirs to book for, NOT_FOUND), the
// session's TEACHER moves, cancels and marks it; the audit trail is staff's.
// Households hold no schedule permission; another school's ADMIN gets
// NOT_FOUND. Services are granted schedule.read (the billing run), nothing
// that writes: the service here names the household, where its reads find
// nothing (NOT_FOUND, an empty page).
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var sessionOutcomes = map[string][principals]codes.Code{
	"/steward.booking.v1.SessionService/GetAvailability":     {pd, pd, ok, ok, ok, ok, ok, nf, una, nf, pd},
	"/steward.booking.v1.SessionService/UpdateAvailability":  {pd, pd, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.SessionService/CreateBookingWindow": {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.SessionService/GetBookingWindow":    {pd, pd, ok, ok, ok, ok, ok, nf, una, nf, pd},
	"/steward.booking.v1.SessionService/ListBookingWindows":  {pd, pd, ok, ok, ok, ok, ok, nf, una, ok, pd},
	"/steward.booking.v1.SessionService/UpdateBookingWindow": {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.SessionService/DeleteBookingWindow": {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.SessionService/ListFreeSlots":       {pd, pd, ok, ok, ok, nf, ok, nf, una, nf, pd},
	"/steward.booking.v1.SessionService/CreateBooking":       {pd, pd, ok, nf, ok, nf, pd, nf, una, pd, pd},
	"/steward.booking.v1.SessionService/GetBooking":          {pd, pd, ok, ok, ok, nf, ok, nf, una, nf, pd},
	"/steward.booking.v1.SessionService/ListBookings":        {pd, pd, ok, ok, ok, ok, ok, nf, una, ok, pd},
	"/steward.booking.v1.SessionService/GetSession":          {pd, pd, ok, ok, ok, nf, ok, nf, una, nf, pd},
	"/steward.booking.v1.SessionService/RescheduleSession":   {pd, pd, ok, ok, ok, nf, pd, nf, una, pd, pd},
	"/steward.booking.v1.SessionService/CancelSession":       {pd, pd, ok, ok, ok, nf, pd, nf, una, pd, pd},
	"/steward.booking.v1.SessionService/MarkAttendance":      {pd, pd, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.SessionService/ListMakeupCredits":   {pd, pd, ok, ok, ok, ok, ok, nf, una, ok, pd},
	"/steward.booking.v1.SessionService/ListSessionEvents":   {pd, pd, ok, ok, pd, pd, pd, nf, una, pd, pd},
}

func init() {
	maps.Copy(outcomes, sessionOutcomes)
	maps.Copy(calls, sessionCalls)
	services = append(services, &bookingv1.SessionService_ServiceDesc)
}

// schedFixtures are a world's standing schedule: in the school a term of
// 52 individual weeks from a Monday at least a week ahead (a student books
// one individual session a week, and every call books a fresh one), a class of
// the TEACHER principal's that the directory's student (the PARENT's, the
// STUDENT's) is enrolled in, availability all day every day, an open
// window, a booked session with its booking, and a group session that has
// started; in the household names of nothing.
type schedFixtures struct {
	real                                        bool
	class, window, availability, term           string
	session, booking, started, student, teacher string
	monday                                      time.Time
	next                                        *atomic.Int64 // the next free week of the term
}

// newSchedules builds both worlds' schedules; the school's by SQL (the
// TermService is another helper's) and the service's own RPCs.
func (m *matrix) newSchedules(t *testing.T) {
	t.Helper()
	h := m.household.tenant
	id := func(kind string) string { return h + "/" + kind + "/" + uuid.NewString() }
	m.household.sched = schedFixtures{class: id("classes"), window: id("bookingWindows"), availability: id("teachers") + "/availability",
		term: id("terms"), session: id("sessions"), booking: id("bookings"), started: id("sessions"), student: m.household.dir.student,
		teacher: id("teachers"), next: &atomic.Int64{}}

	w := m.school
	tenant := idOf(w.tenant)
	teacher := must(m.clients.directory.CreateTeacher(w.admin, &bookingv1.CreateTeacherRequest{Parent: w.tenant, Teacher: &bookingv1.Teacher{
		Member: w.tenant + "/members/" + m.users[schoolTeacher].ID.String(), DisplayName: "Noor Haddad"}}))(t)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	monday := today.AddDate(0, 0, 7) // the first Monday a week or more ahead: outside every notice
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, 1)
	}
	s := schedFixtures{real: true, teacher: teacher.GetName(), student: w.dir.student, monday: monday, next: &atomic.Int64{}}
	termID, classID, startedID := uuid.New(), uuid.New(), uuid.New()
	s.term, s.class = w.tenant+"/terms/"+termID.String(), w.tenant+"/classes/"+classID.String()
	s.started = w.tenant + "/sessions/" + startedID.String()
	s.availability = teacher.GetName() + "/availability"
	dbtest.AsTenant(t, m.env.Owner, tenant, func(tx pgx.Tx) error {
		ctx := context.Background()
		for _, st := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO booking.terms (tenant_id, term_id, display_name, start_date, end_date) VALUES ($1, $2, 'Matrix term', $3, $4)`,
				[]any{tenant, termID, monday, monday.AddDate(0, 0, 7*termWeeks-1)}},
			{`INSERT INTO booking.term_weeks (tenant_id, term_id, week_number, monday, kind)
			  SELECT $1, $2, n, $3::date + 7 * (n - 1), 'individual' FROM generate_series(1, $4::int) n`, []any{tenant, termID, monday, termWeeks}},
			{`INSERT INTO booking.classes (tenant_id, class_id, term_id, display_name, instrument_id, teacher_id, room_id, weekday, start_time,
			  group_minutes, individual_minutes, capacity) VALUES ($1, $2, $3, 'Matrix class', $4, $5, $6, 1, '16:00', 60, 30, 10)`,
				[]any{tenant, classID, termID, idOf(w.dir.instrument), idOf(teacher.GetName()), idOf(w.dir.room)}},
			{`INSERT INTO booking.enrolments (tenant_id, enrolment_id, class_id, student_id, state) VALUES ($1, $2, $3, $4, 'enrolled')`,
				[]any{tenant, uuid.New(), classID, idOf(w.dir.student)}},
			{`INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, teacher_id, room_id, during)
			  VALUES ($1, $2, 'group', $3, $4, $5, $6, tstzrange(now() - interval '1 hour', now()))`,
				[]any{tenant, startedID, termID, classID, idOf(teacher.GetName()), idOf(w.dir.room)}},
			{`INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
			  SELECT tenant_id, session_id, $3, during, true FROM booking.sessions WHERE tenant_id = $1 AND session_id = $2`,
				[]any{tenant, startedID, idOf(w.dir.student)}},
		} {
			if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
				return fmt.Errorf("%s: %w", st.sql, err)
			}
		}
		return nil
	})
	must(m.clients.sessions.UpdateAvailability(w.admin, &bookingv1.UpdateAvailabilityRequest{Availability: allDay(s.availability, w.dir.room)}))(t)
	s.window = must(m.clients.sessions.CreateBookingWindow(w.admin, &bookingv1.CreateBookingWindowRequest{Parent: w.tenant,
		BookingWindow: &bookingv1.BookingWindow{Term: s.term, OpenTime: timestamppb.New(time.Now().Add(-time.Hour)),
			CloseTime: timestamppb.New(time.Now().Add(60 * 24 * time.Hour))}}))(t).GetName()
	b := must(m.clients.sessions.CreateBooking(w.admin, s.bookReq(w)))(t)
	s.booking, s.session = b.GetName(), b.GetSessions()[0]
	w.sched = s
}

// allDay is availability every day from 00:00 to 24:00 in room.
func allDay(name, room string) *bookingv1.Availability {
	a := &bookingv1.Availability{Name: name}
	for d := int32(1); d <= 7; d++ {
		a.Blocks = append(a.Blocks, &bookingv1.AvailabilityBlock{Weekday: d, StartTime: "00:00", EndTime: "24:00", Room: room})
	}
	return a
}

// termWeeks is how long the matrix term runs: more weeks than its calls
// book sessions.
const termWeeks = 52

// slot is Monday 00:30 of a week of the term no call has used (UTC, the
// school's default zone): the student has no individual session in it.
func (s schedFixtures) slot() time.Time {
	return s.monday.AddDate(0, 0, 7*int(s.next.Add(1)-1)).Add(30 * time.Minute)
}

func (s schedFixtures) bookReq(w *world) *bookingv1.CreateBookingRequest {
	return &bookingv1.CreateBookingRequest{Parent: w.tenant, Booking: &bookingv1.Booking{Student: s.student, Class: s.class,
		StartTime: timestamppb.New(s.slot())}}
}

// freshSession is a newly booked session of the student (as ADMIN); a name
// of nothing in a household.
func (w *world) freshSession(t *testing.T, c clients) string {
	t.Helper()
	if !w.sched.real {
		return w.tenant + "/sessions/" + uuid.NewString()
	}
	return must(c.sessions.CreateBooking(w.admin, w.sched.bookReq(w)))(t).GetSessions()[0]
}

// freshWindow is a new window of the term (as ADMIN).
func (w *world) freshWindow(t *testing.T, c clients) *bookingv1.BookingWindow {
	t.Helper()
	if !w.sched.real {
		return &bookingv1.BookingWindow{Name: w.tenant + "/bookingWindows/" + uuid.NewString()}
	}
	return must(c.sessions.CreateBookingWindow(w.admin, &bookingv1.CreateBookingWindowRequest{Parent: w.tenant, BookingWindow: &bookingv1.BookingWindow{
		Term: w.sched.term, OpenTime: timestamppb.New(time.Now().Add(24 * time.Hour)), CloseTime: timestamppb.New(time.Now().Add(48 * time.Hour))}}))(t)
}

var sessionCalls = map[string]callFunc{
	"/steward.booking.v1.SessionService/GetAvailability": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.GetAvailability(ctx, &bookingv1.GetAvailabilityRequest{Name: w.sched.availability})
		return err
	},
	"/steward.booking.v1.SessionService/UpdateAvailability": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.UpdateAvailability(ctx, &bookingv1.UpdateAvailabilityRequest{Availability: allDay(w.sched.availability, w.dir.room)})
		return err
	},
	"/steward.booking.v1.SessionService/CreateBookingWindow": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.CreateBookingWindow(ctx, &bookingv1.CreateBookingWindowRequest{Parent: w.tenant, BookingWindow: &bookingv1.BookingWindow{
			Term: w.sched.term, OpenTime: timestamppb.New(time.Now()), CloseTime: timestamppb.New(time.Now().Add(time.Hour))}})
		return err
	},
	"/steward.booking.v1.SessionService/GetBookingWindow": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.GetBookingWindow(ctx, &bookingv1.GetBookingWindowRequest{Name: w.sched.window})
		return err
	},
	"/steward.booking.v1.SessionService/ListBookingWindows": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.ListBookingWindows(ctx, &bookingv1.ListBookingWindowsRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.SessionService/UpdateBookingWindow": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		win := w.freshWindow(t, c)
		_, err := c.sessions.UpdateBookingWindow(ctx, &bookingv1.UpdateBookingWindowRequest{BookingWindow: &bookingv1.BookingWindow{
			Name: win.GetName(), CloseTime: timestamppb.New(time.Now().Add(72 * time.Hour))}, UpdateMask: mask("close_time")})
		return err
	},
	"/steward.booking.v1.SessionService/DeleteBookingWindow": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.DeleteBookingWindow(ctx, &bookingv1.DeleteBookingWindowRequest{Name: w.freshWindow(t, c).GetName()})
		return err
	},
	"/steward.booking.v1.SessionService/ListFreeSlots": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.ListFreeSlots(ctx, &bookingv1.ListFreeSlotsRequest{Parent: w.tenant, Student: w.sched.student, Class: w.sched.class,
			BookingWindow: w.sched.window, StartDate: w.sched.monday.Format(time.DateOnly), EndDate: w.sched.monday.AddDate(0, 0, 1).Format(time.DateOnly)})
		return err
	},
	"/steward.booking.v1.SessionService/CreateBooking": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.CreateBooking(ctx, w.sched.bookReq(w))
		return err
	},
	"/steward.booking.v1.SessionService/GetBooking": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.GetBooking(ctx, &bookingv1.GetBookingRequest{Name: w.sched.booking})
		return err
	},
	"/steward.booking.v1.SessionService/ListBookings": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.ListBookings(ctx, &bookingv1.ListBookingsRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.SessionService/GetSession": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.GetSession(ctx, &bookingv1.GetSessionRequest{Name: w.sched.session})
		return err
	},
	"/steward.booking.v1.SessionService/RescheduleSession": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.RescheduleSession(ctx, &bookingv1.RescheduleSessionRequest{Name: w.freshSession(t, c), StartTime: timestamppb.New(w.sched.slot())})
		return err
	},
	"/steward.booking.v1.SessionService/CancelSession": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.CancelSession(ctx, &bookingv1.CancelSessionRequest{Name: w.freshSession(t, c)})
		return err
	},
	"/steward.booking.v1.SessionService/MarkAttendance": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.MarkAttendance(ctx, &bookingv1.MarkAttendanceRequest{Name: w.sched.started, Student: w.sched.student,
			Attendance: bookingv1.Attendance_ATTENDANCE_PRESENT})
		return err
	},
	"/steward.booking.v1.SessionService/ListMakeupCredits": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.ListMakeupCredits(ctx, &bookingv1.ListMakeupCreditsRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.SessionService/ListSessionEvents": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.sessions.ListSessionEvents(ctx, &bookingv1.ListSessionEventsRequest{Parent: w.sched.session})
		return err
	},
}
