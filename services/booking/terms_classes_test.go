package booking_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
)

// TestClassStandardMethods: a class is made with its sessions, validated
// field by field, its references NOT_FOUND when not the school's; creates
// are idempotent; lists filter by term, teacher and room.
func TestClassStandardMethods(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	other := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")

	rid := uuid.NewString()
	req := s.classReq(term, "Junior Strings A", classSpec{weekday: 3, start: "16:30", capacity: 6})
	req.RequestId = rid
	class := must(tc.CreateClass(s.admin, req))(t)
	if class.GetTerm() != term.GetName() || class.GetStartTime() != "16:30" || class.GetWeekday() != 3 || class.GetCapacity() != 6 ||
		class.GetEnrolledCount() != 0 || class.GetTeacher() != s.teacher.GetName() {
		t.Errorf("class = %v", class)
	}
	if got := s.sessions(class, "UTC"); len(got) != 8 || got[0].local != "2027-02-03 16:30 +00" {
		t.Errorf("sessions = %v, want one per week from Wed 3 Feb", got)
	}
	if again := must(tc.CreateClass(s.admin, req))(t); again.GetName() != class.GetName() {
		t.Errorf("retry made %s", again.GetName())
	}
	if n := len(s.sessions(class, "UTC")); n != 8 {
		t.Errorf("the retry made sessions again: %d", n)
	}
	reused := proto.Clone(req).(*bookingv1.CreateClassRequest)
	reused.Class.DisplayName = "Other"
	if _, err := tc.CreateClass(s.admin, reused); apierror.ReasonOf(err) != apierror.ReasonRequestIDReused {
		t.Errorf("reused request_id: %v", err)
	}

	for _, tt := range []struct {
		name   string
		change func(*bookingv1.Class)
		code   codes.Code
		field  string // INVALID_ARGUMENT's field
	}{
		{"no term", func(c *bookingv1.Class) { c.Term = "" }, codes.InvalidArgument, "class.term"},
		{"no name", func(c *bookingv1.Class) { c.DisplayName = "" }, codes.InvalidArgument, "class.display_name"},
		{"no weekday", func(c *bookingv1.Class) { c.Weekday = 0 }, codes.InvalidArgument, "class.weekday"},
		{"too short", func(c *bookingv1.Class) { c.GroupMinutes = 3 }, codes.InvalidArgument, "class.group_minutes"},
		{"individual too short", func(c *bookingv1.Class) { c.IndividualMinutes = 2 }, codes.InvalidArgument, "class.individual_minutes"},
		{"no capacity", func(c *bookingv1.Class) { c.Capacity = 0 }, codes.InvalidArgument, "class.capacity"},
		{"a term of nothing", func(c *bookingv1.Class) { c.Term = s.name + "/terms/" + uuid.NewString() }, codes.NotFound, ""},
		{"a room of nothing", func(c *bookingv1.Class) { c.Room = s.name + "/rooms/" + uuid.NewString() }, codes.NotFound, ""},
		{"a teacher of nothing", func(c *bookingv1.Class) { c.Teacher = s.name + "/teachers/" + uuid.NewString() }, codes.NotFound, ""},
		{"an instrument of nothing", func(c *bookingv1.Class) { c.Instrument = s.name + "/instruments/" + uuid.NewString() }, codes.NotFound, ""},
		{"another school's teacher", func(c *bookingv1.Class) { c.Teacher = other.teacher.GetName() }, codes.NotFound, ""},
		{"another school's term", func(c *bookingv1.Class) { c.Term = other.term("2027-02-01", "2027-02-26").GetName() }, codes.NotFound, ""},
	} {
		r := s.classReq(term, "Bad "+tt.name, classSpec{weekday: 5, start: "09:00", teacher: s.teacher2, room: s.room2})
		tt.change(r.Class)
		_, err := tc.CreateClass(s.admin, r)
		if code(err) != tt.code || (tt.field != "" && !slices.Equal(apierror.ViolatedFields(err), []string{tt.field})) {
			t.Errorf("%s: %v, want %v %s", tt.name, err, tt.code, tt.field)
		}
	}

	second := s.class(term, "Piano Seniors", classSpec{weekday: 1, start: "17:00", teacher: s.teacher2, room: s.room2})
	for filter, want := range map[string][]string{
		`term = "` + term.GetName() + `"`:                                       sorted(class.GetName(), second.GetName()),
		`teacher = "` + s.teacher2.GetName() + `"`:                              {second.GetName()},
		`room = "` + s.room.GetName() + `" AND term = "` + term.GetName() + `"`: {class.GetName()},
	} {
		got := must(tc.ListClasses(s.admin, &bookingv1.ListClassesRequest{Parent: s.name, Filter: filter}))(t)
		if !slices.Equal(names(got.GetClasses()), want) {
			t.Errorf("classes %s = %v, want %v", filter, names(got.GetClasses()), want)
		}
	}
	if _, err := tc.ListClasses(s.admin, &bookingv1.ListClassesRequest{Parent: s.name, Filter: `teacher > "x"`}); code(err) != codes.InvalidArgument {
		t.Errorf("bad filter: %v", err)
	}
	if _, err := tc.GetClass(other.admin, &bookingv1.GetClassRequest{Name: class.GetName()}); code(err) != codes.NotFound {
		t.Errorf("another tenant's class: %v", err)
	}
}

// TestClassSlotClash: a class whose group slot overlaps another class's
// for its teacher or room is refused with SLOT_TAKEN naming the other.
func TestClassSlotClash(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "Europe/London")
	term := s.term("2027-02-01", "2027-03-26")
	s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00", minutes: 60})
	for _, tt := range []struct {
		name    string
		spec    classSpec
		refused string // what the message says; "" means allowed
	}{
		{"same teacher, overlapping", classSpec{weekday: 3, start: "16:30", room: s.room2}, "its teacher is already teaching"},
		{"same room, overlapping", classSpec{weekday: 3, start: "15:30", teacher: s.teacher2}, "its room is taken by"},
		{"same teacher and room, right after", classSpec{weekday: 3, start: "17:00"}, ""},
		{"another day", classSpec{weekday: 4, start: "16:00"}, ""},
	} {
		_, err := tc.CreateClass(s.admin, s.classReq(term, tt.name, tt.spec))
		switch {
		case tt.refused == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.refused != "" && (code(err) != codes.Aborted || apierror.ReasonOf(err) != reasonSlotTaken ||
			!strings.Contains(err.Error(), tt.refused) || !strings.Contains(err.Error(), `"Junior Strings A"`)):
			t.Errorf("%s: %v, want SLOT_TAKEN naming Junior Strings A", tt.name, err)
		}
	}
	var n int
	s.query("SELECT count(*) FROM booking.classes WHERE term_id = $1", []any{idOf(term.GetName())}, &n)
	if n != 3 {
		t.Errorf("%d classes, want the first and the two allowed", n)
	}
}

// TestClassUpdateMovesSessions: a new time moves the sessions that have not
// started in place (their sequence bumped, attendees with them); a time that
// clashes changes nothing; capacity never goes below the enrolled count.
func TestClassUpdateMovesSessions(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "Australia/Sydney")
	term := s.term("2027-03-22", "2027-04-16", &bookingv1.Break{DisplayName: "Good Friday", StartDate: "2027-03-26", EndDate: "2027-03-26"})
	class := s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00", capacity: 2})
	s.class(term, "Theory", classSpec{weekday: 5, start: "10:00", teacher: s.teacher2, room: s.room2})
	s.enrol(class, s.studentA1)
	s.enrol(class, s.b1)

	// To Friday 16:00: Good Friday is a break, so week 1 loses its session.
	moved := must(tc.UpdateClass(s.admin, &bookingv1.UpdateClassRequest{Class: &bookingv1.Class{Name: class.GetName(), Weekday: 5,
		StartTime: "16:00", Etag: class.GetEtag()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"weekday", "start_time"}}}))(t)
	if moved.GetWeekday() != 5 || moved.GetEnrolledCount() != 2 {
		t.Errorf("moved = %v", moved)
	}
	got := s.sessions(class, "Australia/Sydney")
	want := []sessionRow{
		{week: 2, kind: "group", state: "scheduled", local: "2027-04-02 16:00 +11", sequence: 1, blockingAttendees: 2},
		{week: 3, kind: "group", state: "scheduled", local: "2027-04-09 16:00 +10", sequence: 1, blockingAttendees: 2},
		{week: 4, kind: "group", state: "scheduled", local: "2027-04-16 16:00 +10", sequence: 1, blockingAttendees: 2},
	}
	if !slices.Equal(got, want) {
		t.Errorf("sessions after the move = %v\nwant %v", got, want)
	}
	// Back to Wednesday: week 1 gets a session again, with the attendees.
	back := must(tc.UpdateClass(s.admin, &bookingv1.UpdateClassRequest{Class: &bookingv1.Class{Name: class.GetName(), Weekday: 3}}))(t)
	if got := s.sessions(class, "Australia/Sydney"); len(got) != 4 || got[0].week != 1 || got[0].blockingAttendees != 2 || got[1].sequence != 2 {
		t.Errorf("sessions back on Wednesday = %v", got)
	}
	// The class sent back as read (its term and output fields with it) is a
	// no-op update apart from the etag.
	if same := must(tc.UpdateClass(s.admin, &bookingv1.UpdateClassRequest{Class: back}))(t); same.GetWeekday() != 3 || same.GetTerm() != term.GetName() {
		t.Errorf("the class sent back as read = %v", same)
	}
	back = must(tc.GetClass(s.admin, &bookingv1.GetClassRequest{Name: class.GetName()}))(t)
	// Onto the other class's room and time: SLOT_TAKEN, nothing moves.
	_, err := tc.UpdateClass(s.admin, &bookingv1.UpdateClassRequest{Class: &bookingv1.Class{Name: class.GetName(), Weekday: 5, StartTime: "10:15",
		Room: s.room2.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"weekday", "start_time", "room"}}})
	if apierror.ReasonOf(err) != reasonSlotTaken || !strings.Contains(err.Error(), `"Theory"`) {
		t.Errorf("moving onto Theory's room: %v, want SLOT_TAKEN naming it", err)
	}
	if cur := must(tc.GetClass(s.admin, &bookingv1.GetClassRequest{Name: class.GetName()}))(t); cur.GetEtag() != back.GetEtag() || cur.GetWeekday() != 3 {
		t.Errorf("after the refused move: %v", cur)
	}
	_, err = tc.UpdateClass(s.admin, &bookingv1.UpdateClassRequest{Class: &bookingv1.Class{Name: class.GetName(), Capacity: 1}})
	if code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "enrolled") {
		t.Errorf("capacity below the enrolled count: %v", err)
	}
	if _, err = tc.UpdateClass(s.admin, &bookingv1.UpdateClassRequest{Class: &bookingv1.Class{Name: class.GetName(), Term: s.term("2027-05-03", "2027-06-25").GetName()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"term"}}}); !slices.Equal(apierror.ViolatedFields(err), []string{"class.term"}) {
		t.Errorf("changing the term: %v", err)
	}
}

// TestClassDelete: a class with students (enrolled or waitlisted) stays
// (CLASS_IN_USE); once they are withdrawn it goes with its sessions.
func TestClassDelete(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")
	class := s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00"})
	e := s.enrol(class, s.studentA1)
	if _, err := tc.DeleteClass(s.admin, &bookingv1.DeleteClassRequest{Name: class.GetName()}); code(err) != codes.FailedPrecondition || apierror.ReasonOf(err) != reasonClassInUse {
		t.Errorf("deleting a class with an enrolment: %v, want CLASS_IN_USE", err)
	}
	must(tc.DeleteEnrolment(s.admin, &bookingv1.DeleteEnrolmentRequest{Name: e.GetName()}))(t)
	must(tc.DeleteClass(s.admin, &bookingv1.DeleteClassRequest{Name: class.GetName()}))(t)
	var n int
	s.query("SELECT count(*) FROM booking.sessions WHERE class_id = $1", []any{idOf(class.GetName())}, &n)
	if n != 0 {
		t.Errorf("%d sessions left of the deleted class", n)
	}
	if _, err := tc.GetClass(s.admin, &bookingv1.GetClassRequest{Name: class.GetName()}); code(err) != codes.NotFound {
		t.Errorf("deleted class: %v", err)
	}
}

// TestClassSlotClashUnderConcurrency: ten admins creating classes in the
// same teacher's same slot at once: the database lets exactly one in, and
// every other gets SLOT_TAKEN.
func TestClassSlotClashUnderConcurrency(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")
	rooms := make([]*bookingv1.Room, 10)
	for i := range rooms {
		rooms[i] = must(c.CreateRoom(s.admin, &bookingv1.CreateRoomRequest{Parent: s.name, Room: &bookingv1.Room{DisplayName: "Room " + uuid.NewString()[:8], Capacity: 4}}))(t)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(rooms))
	for i, room := range rooms {
		wg.Go(func() {
			_, errs[i] = tc.CreateClass(s.admin, s.classReq(term, "Class "+room.GetDisplayName(), classSpec{weekday: 2, start: "15:00", room: room}))
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case code(err) != codes.Aborted || apierror.ReasonOf(err) != reasonSlotTaken || !strings.Contains(err.Error(), "its teacher is already teaching"):
			t.Errorf("a losing create: %v, want SLOT_TAKEN naming the teacher's class", err)
		}
	}
	var classes, overlaps int
	s.query(`SELECT (SELECT count(*) FROM booking.classes WHERE term_id = $1),
		(SELECT count(*) FROM booking.sessions a JOIN booking.sessions b ON a.teacher_id = b.teacher_id AND a.session_id < b.session_id AND a.during && b.during
		 WHERE a.term_id = $1 AND a.kind = 'group' AND b.kind = 'group')`, []any{idOf(term.GetName())}, &classes, &overlaps)
	if created != 1 || classes != 1 || overlaps != 0 {
		t.Errorf("%d created, %d classes stored, %d overlapping sessions; want 1, 1, 0", created, classes, overlaps)
	}
}
