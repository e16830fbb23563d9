package booking_test

import (
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
)

// TestDirectoryDeletesInUse: deleting a room, teacher, student or
// instrument the schedule still uses is FAILED_PRECONDITION with the
// resource's IN_USE reason, for every foreign key that holds
// it (they used to answer NOT_FOUND, INVALID_ARGUMENT or INTERNAL).
func TestDirectoryDeletesInUse(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	ctx := s.admin
	cello := must(c.CreateInstrument(ctx, &bookingv1.CreateInstrumentRequest{Parent: s.name,
		Instrument: &bookingv1.Instrument{DisplayName: "Cello", Kind: bookingv1.Instrument_KIND_STRINGS}}))(t)
	term := s.term("2027-02-01", "2027-03-26")
	req := s.classReq(term, "Cello ensemble", classSpec{weekday: 3, start: "16:00"})
	req.Class.Instrument = cello.GetName()
	class := must(tc.CreateClass(ctx, req))(t)

	// room2 is in teacher2's availability only; each student has one
	// kind of record.
	room3 := must(c.CreateRoom(ctx, &bookingv1.CreateRoomRequest{Parent: s.name, Room: &bookingv1.Room{DisplayName: "Studio C", Capacity: 2}}))(t)
	s.exec(`INSERT INTO booking.availability (tenant_id, teacher_id) VALUES ($1, $2)`, s.id, idOf(s.teacher2.GetName()))
	s.exec(`INSERT INTO booking.availability_blocks (tenant_id, teacher_id, block_number, weekday, start_time, end_time, room_id)
		VALUES ($1, $2, 1, 2, '09:00', '12:00', $3)`, s.id, idOf(s.teacher2.GetName()), idOf(s.room2.GetName()))
	f := s.family("The Okafor family")
	enrolled, booked, attending, credited := s.student(f, "Ada", bookingv1.Student_LEVEL_BEGINNER),
		s.student(f, "Ben", bookingv1.Student_LEVEL_BEGINNER), s.student(f, "Cy", bookingv1.Student_LEVEL_BEGINNER),
		s.student(f, "Di", bookingv1.Student_LEVEL_BEGINNER)
	s.enrol(class, enrolled)
	var session uuid.UUID
	s.query(`SELECT session_id FROM booking.sessions WHERE class_id = $1 ORDER BY during LIMIT 1`, []any{idOf(class.GetName())}, &session)
	s.exec(`INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, booked_by)
		VALUES ($1, $2, $3, $4, $5, 'once', $6)`, s.id, uuid.New(), idOf(f.GetName()), idOf(booked.GetName()), idOf(class.GetName()), uuid.New())
	s.exec(`INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
		SELECT tenant_id, session_id, $3, during, false FROM booking.sessions WHERE tenant_id = $1 AND session_id = $2`,
		s.id, session, idOf(attending.GetName()))
	s.exec(`INSERT INTO booking.makeup_credits (tenant_id, credit_id, student_id, source_session_id, expire_time)
		VALUES ($1, $2, $3, $4, now() + interval '30 days')`, s.id, uuid.New(), idOf(credited.GetName()), session)

	const (
		roomInUse       = "ROOM_IN_USE"
		teacherInUse    = "TEACHER_IN_USE"
		studentInUse    = "STUDENT_IN_USE"
		instrumentInUse = "INSTRUMENT_IN_USE"
	)
	for _, tt := range []struct {
		name   string
		del    func() error
		reason string
	}{
		{"room of a class", func() error { return ignore(c.DeleteRoom(ctx, &bookingv1.DeleteRoomRequest{Name: s.room.GetName()})) }, roomInUse},
		{"room in availability", func() error { return ignore(c.DeleteRoom(ctx, &bookingv1.DeleteRoomRequest{Name: s.room2.GetName()})) }, roomInUse},
		{"teacher of a class", func() error {
			return ignore(c.DeleteTeacher(ctx, &bookingv1.DeleteTeacherRequest{Name: s.teacher.GetName()}))
		}, teacherInUse},
		{"student enrolled", func() error {
			return ignore(c.DeleteStudent(ctx, &bookingv1.DeleteStudentRequest{Name: enrolled.GetName()}))
		}, studentInUse},
		{"student with a booking", func() error {
			return ignore(c.DeleteStudent(ctx, &bookingv1.DeleteStudentRequest{Name: booked.GetName()}))
		}, studentInUse},
		{"student in a session", func() error {
			return ignore(c.DeleteStudent(ctx, &bookingv1.DeleteStudentRequest{Name: attending.GetName()}))
		}, studentInUse},
		{"student with a credit", func() error {
			return ignore(c.DeleteStudent(ctx, &bookingv1.DeleteStudentRequest{Name: credited.GetName()}))
		}, studentInUse},
		{"instrument of a class", func() error {
			return ignore(c.DeleteInstrument(ctx, &bookingv1.DeleteInstrumentRequest{Name: cello.GetName()}))
		}, instrumentInUse},
	} {
		err := tt.del()
		if code(err) != codes.FailedPrecondition || apierror.ReasonOf(err) != tt.reason {
			t.Errorf("deleting the %s: %v, want FAILED_PRECONDITION %s", tt.name, err, tt.reason)
		}
	}
	// Unused, they go.
	must(c.DeleteRoom(ctx, &bookingv1.DeleteRoomRequest{Name: room3.GetName()}))(t)
}

// ignore drops a reply, keeping the error.
func ignore[T any](_ T, err error) error { return err }
