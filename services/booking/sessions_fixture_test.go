package booking_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"steward.dev/db/dbtest"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/servertest"
	"steward.dev/services/booking"
)

// clock is the time the SessionService reads; tests move it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// The fixture term, in Australia/Sydney: nine weeks from Monday 2027-03-01
// to Sunday 2027-05-02, across the end of DST (03:00 on Sunday 2027-04-04).
// Weeks 2, 4, 5, 6 and 8 are individual; Monday 2027-04-19 (week 8) is a
// break. The class meets Mondays 16:00 for an hour; individual sessions
// last 30 minutes. The teacher is available Mondays and Sundays 09:00-12:00
// in the class's room. A window takes bookings of every week from
// 2027-02-19 to 2027-06-01; the clock starts at 2027-02-20 12:00 local.
var (
	termMonday      = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	termWeeks       = 9
	individualWeeks = []int{2, 4, 5, 6, 8}
	breakDay        = time.Date(2027, 4, 19, 0, 0, 0, 0, time.UTC)
)

// sched is a school with the fixture term, class, availability and window.
type sched struct {
	*school
	sc                        bookingv1.SessionServiceClient
	tc                        bookingv1.TermServiceClient
	clk                       *clock
	loc                       *time.Location
	room                      *bookingv1.Room
	teacher                   *bookingv1.Teacher
	teacherUser               servertest.User
	termID, classID, windowID uuid.UUID
	class, window             string
	parentA, parentB, student context.Context //nolint:containedctx // the fixture's callers
	teacherCtx                context.Context //nolint:containedctx
}

func newSched(t *testing.T) *sched {
	t.Helper()
	env := servertest.New(t)
	loc, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2027, 2, 20, 12, 0, 0, 0, loc)}
	conn := env.Serve(t, booking.ServicesWithClock(clk.Now))
	dc := bookingv1.NewDirectoryServiceClient(conn)
	s := &sched{school: newSchool(t, env, dc), sc: bookingv1.NewSessionServiceClient(conn), tc: bookingv1.NewTermServiceClient(conn), clk: clk, loc: loc}
	set := must(dc.GetSchoolSettings(s.admin, &bookingv1.GetSchoolSettingsRequest{Name: s.name + "/settings"}))(t)
	must(dc.UpdateSchoolSettings(s.admin, &bookingv1.UpdateSchoolSettingsRequest{
		Settings:   &bookingv1.SchoolSettings{Name: set.GetName(), TimeZone: "Australia/Sydney", RescheduleNoticeHours: 24},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"time_zone", "reschedule_notice_hours"}}}))(t)
	s.room = must(dc.CreateRoom(s.admin, &bookingv1.CreateRoomRequest{Parent: s.name, Room: &bookingv1.Room{DisplayName: "Studio 1", Capacity: 4}}))(t)
	s.teacherUser = env.User(t, s.id, "teacher")
	s.teacher = must(dc.CreateTeacher(s.admin, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: s.name + "/members/" + s.teacherUser.ID.String(), DisplayName: "Elena Vasquez", Instruments: []string{s.piano.GetName()}}}))(t)
	s.teacherCtx = s.as(s.teacherUser)
	s.parentA = s.as(env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(s.familyA.GetName())}))
	s.parentB = s.as(env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(s.familyB.GetName())}))
	s.student = s.as(env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"student"}, Student: idOf(s.studentA1.GetName())}))
	s.termID, s.classID, s.windowID = uuid.New(), uuid.New(), uuid.New()
	s.class = s.name + "/classes/" + s.classID.String()
	s.window = s.name + "/bookingWindows/" + s.windowID.String()
	s.fixtures(t)
	return s
}

// fixtures writes the term, class, enrolments (A1 and B1, not A2), group
// sessions and placeholders, availability and window by SQL: the
// TermService is another file's.
func (s *sched) fixtures(t *testing.T) {
	t.Helper()
	teacher, room := idOf(s.teacher.GetName()), idOf(s.room.GetName())
	end := termMonday.AddDate(0, 0, 7*termWeeks-1)
	dbtest.AsTenant(t, s.env.Owner, s.id, func(tx pgx.Tx) error {
		ctx := context.Background()
		exec := func(sql string, args ...any) error {
			if _, err := tx.Exec(ctx, sql, args...); err != nil {
				return fmt.Errorf("%s: %w", sql, err)
			}
			return nil
		}
		if err := exec(`INSERT INTO booking.terms (tenant_id, term_id, display_name, start_date, end_date) VALUES ($1, $2, 'Term 1 2027', $3, $4)`,
			s.id, s.termID, termMonday, end); err != nil {
			return err
		}
		if err := exec(`INSERT INTO booking.term_breaks (tenant_id, term_id, break_number, display_name, start_date, end_date) VALUES ($1, $2, 1, 'Easter Monday', $3, $3)`,
			s.id, s.termID, breakDay); err != nil {
			return err
		}
		for w := 1; w <= termWeeks; w++ {
			kind := "group"
			if slices.Contains(individualWeeks, w) {
				kind = "individual"
			}
			if err := exec(`INSERT INTO booking.term_weeks (tenant_id, term_id, week_number, monday, kind) VALUES ($1, $2, $3, $4, $5)`,
				s.id, s.termID, w, termMonday.AddDate(0, 0, 7*(w-1)), kind); err != nil {
				return err
			}
		}
		if err := exec(`INSERT INTO booking.classes (tenant_id, class_id, term_id, display_name, instrument_id, teacher_id, room_id, weekday, start_time,
			group_minutes, individual_minutes, capacity) VALUES ($1, $2, $3, 'Junior Piano', $4, $5, $6, 1, '16:00', 60, 30, 10)`,
			s.id, s.classID, s.termID, idOf(s.piano.GetName()), teacher, room); err != nil {
			return err
		}
		for _, st := range []string{s.studentA1.GetName(), s.b1.GetName()} {
			if err := exec(`INSERT INTO booking.enrolments (tenant_id, enrolment_id, class_id, student_id, state) VALUES ($1, $2, $3, $4, 'enrolled')`,
				s.id, uuid.New(), s.classID, idOf(st)); err != nil {
				return err
			}
		}
		for w := 1; w <= termWeeks; w++ {
			day := termMonday.AddDate(0, 0, 7*(w-1))
			if day.Equal(breakDay) {
				continue // no session on a break day
			}
			kind := "group"
			if slices.Contains(individualWeeks, w) {
				kind = "placeholder"
			}
			start := time.Date(day.Year(), day.Month(), day.Day(), 16, 0, 0, 0, s.loc)
			id := uuid.New()
			if err := exec(`INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, tstzrange($9, $10))`, s.id, id, kind, s.termID, s.classID, w, teacher, room, start, start.Add(time.Hour)); err != nil {
				return err
			}
			if err := exec(`INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
				SELECT tenant_id, session_id, e.student_id, during, kind = 'group' FROM booking.sessions
				CROSS JOIN (SELECT student_id FROM booking.enrolments WHERE tenant_id = $1 AND class_id = $3 AND state = 'enrolled') e
				WHERE tenant_id = $1 AND session_id = $2`, s.id, id, s.classID); err != nil {
				return err
			}
		}
		if err := exec(`INSERT INTO booking.availability (tenant_id, teacher_id) VALUES ($1, $2)`, s.id, teacher); err != nil {
			return err
		}
		if err := exec(`INSERT INTO booking.availability_blocks (tenant_id, teacher_id, block_number, weekday, start_time, end_time, room_id)
			VALUES ($1, $2, 1, 1, '09:00', '12:00', $3), ($1, $2, 2, 7, '09:00', '12:00', $3)`, s.id, teacher, room); err != nil {
			return err
		}
		return exec(`INSERT INTO booking.booking_windows (tenant_id, window_id, term_id, open_time, close_time) VALUES ($1, $2, $3, $4, $5)`,
			s.id, s.windowID, s.termID, time.Date(2027, 2, 19, 0, 0, 0, 0, s.loc), time.Date(2027, 6, 1, 0, 0, 0, 0, s.loc))
	})
}

// at is a local time of the fixture's zone.
func (s *sched) at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, s.loc)
}

// week is the Monday of teaching week n at hh:mm plus days.
func (s *sched) week(n, days, hh, mm int) time.Time {
	d := termMonday.AddDate(0, 0, 7*(n-1)+days)
	return s.at(d.Year(), d.Month(), d.Day(), hh, mm)
}

// bookReq asks for one session for student at start.
func (s *sched) bookReq(student string, start time.Time) *bookingv1.CreateBookingRequest {
	return &bookingv1.CreateBookingRequest{Parent: s.name, Booking: &bookingv1.Booking{Student: student, Class: s.class, StartTime: timestamppb.New(start)}}
}

// count runs a counting query as the school.
func (s *sched) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	dbtest.QueryRowAsTenant(t, s.env.Owner, s.id, sql, args, &n)
	return n
}

// countInto runs a one-row query as the school into dest.
func (s *sched) countInto(t *testing.T, sql string, args []any, dest ...any) {
	t.Helper()
	dbtest.QueryRowAsTenant(t, s.env.Owner, s.id, sql, args, dest...)
}

// reasonOf is the error's ErrorInfo reason, or "OK".
func reasonOf(err error) string {
	if err == nil {
		return "OK"
	}
	return apierror.ReasonOf(err)
}

// alternativesOf is the SlotAlternatives detail of a SLOT_TAKEN.
func alternativesOf(err error) []*bookingv1.Slot {
	for _, d := range status.Convert(err).Details() {
		if a, ok := d.(*bookingv1.SlotAlternatives); ok {
			return a.GetSlots()
		}
	}
	return nil
}
