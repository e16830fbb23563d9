package booking_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/servertest"
)

// TestEnrolmentCapacityUnderConcurrency: 40 students enrol at once in a
// class of 8: exactly 8 get places and 32 wait, in positions 1..32, and the
// database agrees.
func TestEnrolmentCapacityUnderConcurrency(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")
	class := s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00", capacity: 8})
	students := s.students(40)
	var wg sync.WaitGroup
	got := make([]*bookingv1.Enrolment, len(students))
	errs := make([]error, len(students))
	for i, st := range students {
		wg.Go(func() {
			got[i], errs[i] = tc.CreateEnrolment(s.admin, &bookingv1.CreateEnrolmentRequest{Parent: class.GetName(),
				Enrolment: &bookingv1.Enrolment{Student: st.GetName()}})
		})
	}
	wg.Wait()
	enrolled, waitlisted := 0, 0
	for i, e := range got {
		if errs[i] != nil {
			t.Fatalf("enrolment %d: %v", i, errs[i])
		}
		switch e.GetState() {
		case bookingv1.Enrolment_STATE_ENROLLED:
			enrolled++
		case bookingv1.Enrolment_STATE_WAITLISTED:
			waitlisted++
		}
	}
	if enrolled != 8 || waitlisted != 32 {
		t.Errorf("%d enrolled, %d waitlisted; want 8 and 32", enrolled, waitlisted)
	}
	wait := must(tc.ListEnrolments(s.admin, &bookingv1.ListEnrolmentsRequest{Parent: class.GetName(), Filter: "state = WAITLISTED", PageSize: 100}))(t)
	var positions []int32
	for _, e := range wait.GetEnrolments() {
		positions = append(positions, e.GetWaitlistPosition())
	}
	want := make([]int32, 32)
	for i := range want {
		want[i] = int32(i + 1)
	}
	if !slices.Equal(positions, want) {
		t.Errorf("waitlist positions = %v, want 1..32 in order", positions)
	}
	var count, rows, capacity, attendees, sessions int
	s.query(`SELECT c.enrolled_count, c.capacity,
		(SELECT count(*) FROM booking.enrolments e WHERE e.class_id = c.class_id AND e.state = 'enrolled'),
		(SELECT count(*) FROM booking.session_attendees a JOIN booking.sessions s ON s.session_id = a.session_id WHERE s.class_id = c.class_id),
		(SELECT count(*) FROM booking.sessions s WHERE s.class_id = c.class_id)
		FROM booking.classes c WHERE c.class_id = $1`, []any{idOf(class.GetName())}, &count, &capacity, &rows, &attendees, &sessions)
	if count != rows || rows != 8 || count > capacity || attendees != 8*sessions {
		t.Errorf("enrolled_count %d, enrolled rows %d, capacity %d, attendee rows %d for %d sessions", count, rows, capacity, attendees, sessions)
	}
	cls := must(tc.GetClass(s.admin, &bookingv1.GetClassRequest{Name: class.GetName()}))(t)
	if cls.GetEnrolledCount() != 8 || cls.GetWaitlistCount() != 32 {
		t.Errorf("class counts %d/%d", cls.GetEnrolledCount(), cls.GetWaitlistCount())
	}
}

// TestEnrolmentRules: a retry returns the first answer, a second enrolment
// of the same student is ALREADY_EXISTS, and a student whose sessions
// clash with the class's is refused with SLOT_TAKEN naming the clash.
func TestEnrolmentRules(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")
	a := s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00"})
	clashing := s.class(term, "Choir", classSpec{weekday: 3, start: "16:30", teacher: s.teacher2, room: s.room2})

	rid := uuid.NewString()
	req := &bookingv1.CreateEnrolmentRequest{Parent: a.GetName(), RequestId: rid, Enrolment: &bookingv1.Enrolment{Student: s.studentA1.GetName()}}
	first := must(tc.CreateEnrolment(s.admin, req))(t)
	if first.GetState() != bookingv1.Enrolment_STATE_ENROLLED || first.GetStudent() != s.studentA1.GetName() {
		t.Errorf("enrolment = %v", first)
	}
	if again := must(tc.CreateEnrolment(s.admin, req))(t); again.GetName() != first.GetName() {
		t.Errorf("retry made %s", again.GetName())
	}
	for _, tt := range []struct {
		name   string
		req    *bookingv1.CreateEnrolmentRequest
		code   codes.Code
		reason string
	}{
		{"request_id reused", &bookingv1.CreateEnrolmentRequest{Parent: a.GetName(), RequestId: rid, Enrolment: &bookingv1.Enrolment{Student: s.b1.GetName()}},
			codes.AlreadyExists, apierror.ReasonRequestIDReused},
		{"enrolled twice", &bookingv1.CreateEnrolmentRequest{Parent: a.GetName(), Enrolment: &bookingv1.Enrolment{Student: s.studentA1.GetName()}},
			codes.AlreadyExists, apierror.ReasonAlreadyExists},
		{"clashing sessions", &bookingv1.CreateEnrolmentRequest{Parent: clashing.GetName(), Enrolment: &bookingv1.Enrolment{Student: s.studentA1.GetName()}},
			codes.Aborted, reasonSlotTaken},
		{"no such student", &bookingv1.CreateEnrolmentRequest{Parent: a.GetName(), Enrolment: &bookingv1.Enrolment{Student: s.familyA.GetName() + "/students/" + uuid.NewString()}},
			codes.NotFound, apierror.ReasonNotFound},
		{"student of another family than named", &bookingv1.CreateEnrolmentRequest{Parent: a.GetName(), Enrolment: &bookingv1.Enrolment{
			Student: s.familyB.GetName() + "/students/" + idOf(s.studentA2.GetName()).String()}}, codes.NotFound, apierror.ReasonNotFound},
		{"no such class", &bookingv1.CreateEnrolmentRequest{Parent: s.name + "/classes/" + uuid.NewString(), Enrolment: &bookingv1.Enrolment{Student: s.b1.GetName()}},
			codes.NotFound, apierror.ReasonNotFound},
	} {
		_, err := tc.CreateEnrolment(s.admin, tt.req)
		if code(err) != tt.code || apierror.ReasonOf(err) != tt.reason {
			t.Errorf("%s: %v, want %v %s", tt.name, err, tt.code, tt.reason)
		}
		if tt.reason == reasonSlotTaken && !strings.Contains(err.Error(), `"Junior Strings A"`) {
			t.Errorf("the clash is not named: %v", err)
		}
	}
}

// TestWaitlistPromotion: a freed place goes to the first waitlisted student
// whose sessions do not clash; the one who clashes keeps their spot.
func TestWaitlistPromotion(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")
	class := s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00", capacity: 1})
	other := s.class(term, "Choir", classSpec{weekday: 3, start: "16:30", teacher: s.teacher2, room: s.room2})
	st := s.students(4)
	holder := s.enrol(class, st[0])
	s.enrol(other, st[1]) // st[1] is busy at the class's time
	clasher, second, third := s.enrol(class, st[1]), s.enrol(class, st[2]), s.enrol(class, st[3])
	for i, e := range []*bookingv1.Enrolment{clasher, second, third} {
		if e.GetState() != bookingv1.Enrolment_STATE_WAITLISTED || e.GetWaitlistPosition() != int32(i+1) {
			t.Errorf("waitlisted %d: %v", i, e)
		}
	}
	must(tc.DeleteEnrolment(s.admin, &bookingv1.DeleteEnrolmentRequest{Name: holder.GetName()}))(t)
	state := func(e *bookingv1.Enrolment) (bookingv1.Enrolment_State, int32) {
		cur := must(tc.GetEnrolment(s.admin, &bookingv1.GetEnrolmentRequest{Name: e.GetName()}))(t)
		return cur.GetState(), cur.GetWaitlistPosition()
	}
	for _, tt := range []struct {
		who      string
		e        *bookingv1.Enrolment
		state    bookingv1.Enrolment_State
		position int32
	}{
		{"the withdrawn", holder, bookingv1.Enrolment_STATE_WITHDRAWN, 0},
		{"the clashing first", clasher, bookingv1.Enrolment_STATE_WAITLISTED, 1},
		{"the promoted second", second, bookingv1.Enrolment_STATE_ENROLLED, 0},
		{"the third", third, bookingv1.Enrolment_STATE_WAITLISTED, 2},
	} {
		if st, pos := state(tt.e); st != tt.state || pos != tt.position {
			t.Errorf("%s: %v at %d, want %v at %d", tt.who, st, pos, tt.state, tt.position)
		}
	}
	var holderRows, secondRows, sessions int
	s.query(`SELECT (SELECT count(*) FROM booking.session_attendees WHERE student_id = $1),
		(SELECT count(*) FROM booking.session_attendees a JOIN booking.sessions s ON s.session_id = a.session_id WHERE a.student_id = $2 AND s.class_id = $3 AND a.blocking),
		(SELECT count(*) FROM booking.sessions WHERE class_id = $3)`,
		[]any{idOf(st[0].GetName()), idOf(st[2].GetName()), idOf(class.GetName())}, &holderRows, &secondRows, &sessions)
	if holderRows != 0 || secondRows != sessions {
		t.Errorf("the withdrawn student attends %d sessions, the promoted %d of %d", holderRows, secondRows, sessions)
	}
	// The listing: enrolled first, then the waitlist in order, then the withdrawn.
	list := must(tc.ListEnrolments(s.admin, &bookingv1.ListEnrolmentsRequest{Parent: class.GetName(), PageSize: 2}))(t)
	next := must(tc.ListEnrolments(s.admin, &bookingv1.ListEnrolmentsRequest{Parent: class.GetName(), PageSize: 2, PageToken: list.GetNextPageToken()}))(t)
	var order []string
	for _, e := range append(list.GetEnrolments(), next.GetEnrolments()...) {
		order = append(order, e.GetName())
	}
	if want := []string{second.GetName(), clasher.GetName(), third.GetName(), holder.GetName()}; !slices.Equal(order, want) || next.GetNextPageToken() != "" {
		t.Errorf("listing order = %v, want %v", order, want)
	}
	// A larger class takes from the waitlist: the third (the first still clashes).
	must(tc.UpdateClass(s.admin, &bookingv1.UpdateClassRequest{Class: &bookingv1.Class{Name: class.GetName(), Capacity: 3}}))(t)
	if st, _ := state(third); st != bookingv1.Enrolment_STATE_ENROLLED {
		t.Errorf("after the capacity grew the third is %v", st)
	}
	if st, pos := state(clasher); st != bookingv1.Enrolment_STATE_WAITLISTED || pos != 1 {
		t.Errorf("after the capacity grew the clashing student is %v at %d", st, pos)
	}
}

// TestEnrolmentVisibility: a PARENT sees their family's enrolments only, a
// STUDENT their own; anyone else's, and another tenant's, is NOT_FOUND.
func TestEnrolmentVisibility(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	other := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")
	class := s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00"})
	ea, eb := s.enrol(class, s.studentA1), s.enrol(class, s.b1)
	parentA := s.as(env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(s.familyA.GetName())}))
	parentB := s.as(env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(s.familyB.GetName())}))
	studentB := s.as(env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"student"}, Student: idOf(s.b1.GetName())}))
	teacher := s.as(env.User(t, s.id, "teacher"))
	check := func(who string, ctx context.Context, visible, hidden []string) {
		t.Helper()
		for _, n := range visible {
			if _, err := tc.GetEnrolment(ctx, &bookingv1.GetEnrolmentRequest{Name: n}); err != nil {
				t.Errorf("%s: GetEnrolment(%s): %v", who, n, err)
			}
		}
		for _, n := range hidden {
			if _, err := tc.GetEnrolment(ctx, &bookingv1.GetEnrolmentRequest{Name: n}); code(err) != codes.NotFound {
				t.Errorf("%s: GetEnrolment of another's: %v, want NOT_FOUND", who, err)
			}
		}
		for _, parent := range []string{class.GetName(), s.name + "/classes/-"} {
			list, err := tc.ListEnrolments(ctx, &bookingv1.ListEnrolmentsRequest{Parent: parent})
			if err != nil || !slices.Equal(names(list.GetEnrolments()), sorted(visible...)) {
				t.Errorf("%s: ListEnrolments(%s) = %v, %v; want %v", who, parent, names(list.GetEnrolments()), err, visible)
			}
		}
	}
	check("the family's PARENT", parentA, []string{ea.GetName()}, []string{eb.GetName()})
	check("another family's PARENT", parentB, []string{eb.GetName()}, []string{ea.GetName()})
	check("the STUDENT", studentB, []string{eb.GetName()}, []string{ea.GetName()})
	check("a TEACHER", teacher, []string{ea.GetName(), eb.GetName()}, nil)
	check("the ADMIN", s.admin, []string{ea.GetName(), eb.GetName()}, nil)
	if _, err := tc.GetEnrolment(other.admin, &bookingv1.GetEnrolmentRequest{Name: ea.GetName()}); code(err) != codes.NotFound {
		t.Errorf("another tenant's ADMIN: %v, want NOT_FOUND", err)
	}
	filtered := must(tc.ListEnrolments(s.admin, &bookingv1.ListEnrolmentsRequest{Parent: s.name + "/classes/-", Filter: `student = "` + s.b1.GetName() + `"`}))(t)
	if !slices.Equal(names(filtered.GetEnrolments()), []string{eb.GetName()}) {
		t.Errorf("filtered by student = %v", names(filtered.GetEnrolments()))
	}
	if _, err := tc.CreateEnrolment(parentA, &bookingv1.CreateEnrolmentRequest{Parent: class.GetName(), Enrolment: &bookingv1.Enrolment{Student: s.studentA2.GetName()}}); code(err) != codes.PermissionDenied {
		t.Errorf("a PARENT enrolling: %v, want PERMISSION_DENIED", err)
	}
}
