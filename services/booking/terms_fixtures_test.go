package booking_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"steward.dev/db/dbtest"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/servertest"
	"steward.dev/services/booking"
)

// termSchool is a school's directory (newSchool) with two teachers and two
// rooms, and the TermService client.
type termSchool struct {
	*school
	tc                bookingv1.TermServiceClient
	teacher, teacher2 *bookingv1.Teacher
	room, room2       *bookingv1.Room
}

func setupTerms(t *testing.T) (*servertest.Env, bookingv1.DirectoryServiceClient, bookingv1.TermServiceClient) {
	t.Helper()
	env := servertest.New(t)
	conn := env.Serve(t, booking.Services)
	return env, bookingv1.NewDirectoryServiceClient(conn), bookingv1.NewTermServiceClient(conn)
}

func newTermSchool(t *testing.T, env *servertest.Env, c bookingv1.DirectoryServiceClient, tc bookingv1.TermServiceClient, zone string) *termSchool {
	t.Helper()
	s := &termSchool{school: newSchool(t, env, c), tc: tc}
	if zone != "" {
		must(c.UpdateSchoolSettings(s.admin, &bookingv1.UpdateSchoolSettingsRequest{
			Settings: &bookingv1.SchoolSettings{Name: s.name + "/settings", TimeZone: zone}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"time_zone"}}}))(t)
	}
	s.teacher = s.newTeacher("Elena Vasquez")
	s.teacher2 = s.newTeacher("Marcus Lee")
	s.room = must(c.CreateRoom(s.admin, &bookingv1.CreateRoomRequest{Parent: s.name, Room: &bookingv1.Room{DisplayName: "Studio A", Capacity: 20}}))(t)
	s.room2 = must(c.CreateRoom(s.admin, &bookingv1.CreateRoomRequest{Parent: s.name, Room: &bookingv1.Room{DisplayName: "Studio B", Capacity: 20}}))(t)
	return s
}

func (s *termSchool) newTeacher(name string) *bookingv1.Teacher {
	return must(s.c.CreateTeacher(s.admin, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: s.name + "/members/" + s.env.User(s.t, s.id, "teacher").ID.String(), DisplayName: name}}))(s.t)
}

// term creates a term as the admin.
func (s *termSchool) term(start, end string, breaks ...*bookingv1.Break) *bookingv1.Term {
	return must(s.tc.CreateTerm(s.admin, &bookingv1.CreateTermRequest{Parent: s.name,
		Term: &bookingv1.Term{DisplayName: "Term " + start, StartDate: start, EndDate: end, Breaks: breaks}}))(s.t)
}

// classSpec is a class's slot for newClass.
type classSpec struct {
	weekday  int32
	start    string
	minutes  int32
	capacity int32
	teacher  *bookingv1.Teacher
	room     *bookingv1.Room
}

func (s *termSchool) classReq(term *bookingv1.Term, name string, c classSpec) *bookingv1.CreateClassRequest {
	if c.minutes == 0 {
		c.minutes = 45
	}
	if c.capacity == 0 {
		c.capacity = 8
	}
	if c.teacher == nil {
		c.teacher = s.teacher
	}
	if c.room == nil {
		c.room = s.room
	}
	return &bookingv1.CreateClassRequest{Parent: s.name, Class: &bookingv1.Class{Term: term.GetName(), DisplayName: name,
		Instrument: s.piano.GetName(), Teacher: c.teacher.GetName(), Room: c.room.GetName(), Weekday: c.weekday, StartTime: c.start,
		GroupMinutes: c.minutes, IndividualMinutes: 20, Capacity: c.capacity}}
}

func (s *termSchool) class(term *bookingv1.Term, name string, c classSpec) *bookingv1.Class {
	return must(s.tc.CreateClass(s.admin, s.classReq(term, name, c)))(s.t)
}

func (s *termSchool) enrol(class *bookingv1.Class, student *bookingv1.Student) *bookingv1.Enrolment {
	return must(s.tc.CreateEnrolment(s.admin, &bookingv1.CreateEnrolmentRequest{Parent: class.GetName(),
		Enrolment: &bookingv1.Enrolment{Student: student.GetName()}}))(s.t)
}

// query reads one row as the school, over the owner role (RLS still binds
// it to the tenant).
func (s *termSchool) query(sql string, args []any, dest ...any) {
	s.t.Helper()
	dbtest.QueryRowAsTenant(s.t, s.env.Owner, s.id, sql, args, dest...)
}

func (s *termSchool) exec(sql string, args ...any) {
	s.t.Helper()
	dbtest.ExecAsTenant(s.t, s.env.Owner, s.id, sql, args...)
}

// sessionRow is one class session as stored.
type sessionRow struct {
	week              int32
	kind, state       string
	local             string // start in the school's zone, "2006-01-02 15:04 -07"
	sequence          int32
	blockingAttendees int
}

// sessions are the class's group sessions and placeholders in week order.
func (s *termSchool) sessions(class *bookingv1.Class, zone string) []sessionRow {
	s.t.Helper()
	var out []sessionRow
	loc, err := time.LoadLocation(zone)
	if err != nil {
		s.t.Fatal(err)
	}
	dbtest.AsTenant(s.t, s.env.Owner, s.id, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), `
			SELECT s.week_number, s.kind, s.state, lower(s.during), s.sequence,
			       (SELECT count(*) FROM booking.session_attendees a WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id AND a.blocking)
			FROM booking.sessions s WHERE s.class_id = $1 AND s.kind IN ('group', 'placeholder') ORDER BY s.week_number`, idOf(class.GetName()))
		if err != nil {
			return err
		}
		for rows.Next() {
			var r sessionRow
			var start time.Time
			if err := rows.Scan(&r.week, &r.kind, &r.state, &start, &r.sequence, &r.blockingAttendees); err != nil {
				return err
			}
			r.local = start.In(loc).Format("2006-01-02 15:04 -07")
			out = append(out, r)
		}
		return rows.Err()
	})
	return out
}

// students makes n students in a fresh family.
func (s *termSchool) students(n int) []*bookingv1.Student {
	f := s.family("The Many family")
	out := make([]*bookingv1.Student, n)
	for i := range out {
		out[i] = must(s.c.CreateStudent(s.admin, &bookingv1.CreateStudentRequest{Parent: f.GetName(), Student: &bookingv1.Student{
			GivenName: fmt.Sprintf("Student %02d", i)}}))(s.t)
	}
	return out
}

// bookIndividual inserts, by SQL, a booking and its individual session for
// student in class's week at start (in zone) for minutes, as the booking
// service would.
func (s *termSchool) bookIndividual(class *bookingv1.Class, teacher *bookingv1.Teacher, student *bookingv1.Student, week int32, start, zone string, minutes int) uuid.UUID {
	s.t.Helper()
	booking, session := uuid.New(), uuid.New()
	var termID uuid.UUID
	s.query("SELECT term_id FROM booking.classes WHERE class_id = $1", []any{idOf(class.GetName())}, &termID)
	family := idOf(student.GetName()[:len(s.name)+len("/families/")+36])
	s.exec(`INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, booked_by)
		VALUES ($1, $2, $3, $4, $5, 'once', $6)`, s.id, booking, family, idOf(student.GetName()), idOf(class.GetName()), uuid.New())
	s.exec(`INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during, booking_id)
		VALUES ($1, $2, 'individual', $3, $4, $5, $6, $7,
		        tstzrange(($8::timestamp AT TIME ZONE $9), ($8::timestamp AT TIME ZONE $9) + make_interval(mins => $10), '[)'), $11)`,
		s.id, session, termID, idOf(class.GetName()), week, idOf(teacher.GetName()), idOf(s.room2.GetName()), start, zone, minutes, booking)
	s.exec(`INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
		SELECT tenant_id, session_id, $3, during, true FROM booking.sessions WHERE tenant_id = $1 AND session_id = $2`,
		s.id, session, idOf(student.GetName()))
	return session
}
