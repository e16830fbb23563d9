package booking_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/servertest"
)

// billingTerm is a school's term with three classes on different days and a
// pattern that makes each count its weeks differently: 2027-02-01 (a
// Monday) to 2027-04-16 (a Friday), the week of 29 March a break (so ten
// teaching weeks) and Wednesday 10 March a day off; weeks 4 and 8 are
// individual for all.
//
//   - "Violin Ensemble" (Monday, violin): week 4 overridden to group, 9 and
//     10 to individual: 7 group weeks, 3 individual (the example).
//   - "Piano Juniors" (Wednesday, piano): no week 6 (its day is off): 7
//     group weeks, 2 individual.
//   - "Piano Seniors" (Saturday, piano, one place): no week 10 (its Saturday
//     is after the term), week 1 overridden to individual: 6 and 3.
type billingTerm struct {
	*termSchool
	term                    *bookingv1.Term
	violin, juniors, senior *bookingv1.Class
}

func newBillingTerm(t *testing.T, s *termSchool) *billingTerm {
	t.Helper()
	b := &billingTerm{termSchool: s}
	b.term = s.term("2027-02-01", "2027-04-16",
		&bookingv1.Break{DisplayName: "Staff day", StartDate: "2027-03-10", EndDate: "2027-03-10"},
		&bookingv1.Break{DisplayName: "Autumn break", StartDate: "2027-03-29", EndDate: "2027-04-04"})
	req := s.classReq(b.term, "Violin Ensemble", classSpec{weekday: 1, start: "16:00"})
	req.Class.Instrument = s.violin.GetName()
	b.violin = must(s.tc.CreateClass(s.admin, req))(t)
	b.juniors = s.class(b.term, "Piano Juniors", classSpec{weekday: 3, start: "16:00"})
	b.senior = s.class(b.term, "Piano Seniors", classSpec{weekday: 6, start: "10:00", capacity: 1})
	b.setPattern(t, []int{4, 8}, []*bookingv1.ClassWeekOverride{
		{Class: b.violin.GetName(), Week: 4, Kind: group},
		{Class: b.violin.GetName(), Week: 9, Kind: individual},
		{Class: b.violin.GetName(), Week: 10, Kind: individual},
		{Class: b.senior.GetName(), Week: 1, Kind: individual},
	})
	return b
}

func (b *billingTerm) setPattern(t *testing.T, individualWeeks []int, overrides []*bookingv1.ClassWeekOverride) {
	t.Helper()
	name := b.term.GetName() + "/weekPattern"
	cur := must(b.tc.GetWeekPattern(b.admin, &bookingv1.GetWeekPatternRequest{Name: name}))(t)
	must(b.tc.UpdateWeekPattern(b.admin, &bookingv1.UpdateWeekPatternRequest{WeekPattern: &bookingv1.WeekPattern{Name: name,
		Weeks: weeks(len(cur.GetWeeks()), individualWeeks...), ClassOverrides: overrides, Etag: cur.GetEtag()}}))(t)
}

// billable lists every page of the term's billable enrolments as ctx, with
// pages of size.
func (b *billingTerm) billable(t *testing.T, ctx context.Context, filter string, size int32) []*bookingv1.BillableEnrolment {
	t.Helper()
	var out []*bookingv1.BillableEnrolment
	req := &bookingv1.ListBillableEnrolmentsRequest{Parent: b.term.GetName(), Filter: filter, PageSize: size}
	for {
		page := must(b.tc.ListBillableEnrolments(ctx, req))(t)
		out = append(out, page.GetBillableEnrolments()...)
		if page.GetNextPageToken() == "" {
			return out
		}
		req.PageToken = page.GetNextPageToken()
	}
}

// sessionWeeks are the class's group sessions and placeholders as the
// calendar materialised them: what a bill must agree with.
func (b *billingTerm) sessionWeeks(class *bookingv1.Class) (group, individual int32) {
	b.t.Helper()
	b.query(`SELECT count(*) FILTER (WHERE kind = 'group'), count(*) FILTER (WHERE kind = 'placeholder')
		FROM booking.sessions WHERE class_id = $1 AND kind IN ('group', 'placeholder') AND state = 'scheduled'`,
		[]any{idOf(class.GetName())}, &group, &individual)
	return group, individual
}

func enrolmentNames(es []*bookingv1.BillableEnrolment) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.GetEnrolment())
	}
	return out
}

// TestListBillableEnrolmentsWeeks: each enrolled student's class with its
// group and individual weeks, counted from the pattern, the overrides, the
// breaks and the term's ends exactly as the calendar's sessions are, with
// the names an invoice prints; the waitlisted and the withdrawn are not
// billed. The counts follow a new pattern, and agree with the sessions
// again.
func TestListBillableEnrolmentsWeeks(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	b := newBillingTerm(t, newTermSchool(t, env, c, tc, "Australia/Sydney"))
	mayaViolin, mayaJuniors := b.enrol(b.violin, b.studentA1), b.enrol(b.juniors, b.studentA1)
	leoSenior := b.enrol(b.senior, b.studentA2)
	avaJuniors := b.enrol(b.juniors, b.b1)
	if w := b.enrol(b.senior, b.b1); w.GetState() != bookingv1.Enrolment_STATE_WAITLISTED { // the one place is Leo's
		t.Fatalf("Ava in Piano Seniors: %v, want waitlisted", w.GetState())
	}
	gone := b.enrol(b.violin, b.b1)
	must(tc.DeleteEnrolment(b.admin, &bookingv1.DeleteEnrolmentRequest{Name: gone.GetName()}))(t)

	got := b.billable(t, b.admin, "", 0)
	type row struct {
		enrolment, family, familyName, student, studentName, class, className, instrument, instrumentName string
		group, individual                                                                                 int32
	}
	want := map[string]row{
		mayaViolin.GetName(): {mayaViolin.GetName(), b.familyA.GetName(), "The Garcia family", b.studentA1.GetName(), "Maya",
			b.violin.GetName(), "Violin Ensemble", b.school.violin.GetName(), "Violin", 7, 3},
		mayaJuniors.GetName(): {mayaJuniors.GetName(), b.familyA.GetName(), "The Garcia family", b.studentA1.GetName(), "Maya",
			b.juniors.GetName(), "Piano Juniors", b.piano.GetName(), "Piano", 7, 2},
		leoSenior.GetName(): {leoSenior.GetName(), b.familyA.GetName(), "The Garcia family", b.studentA2.GetName(), "Leo",
			b.senior.GetName(), "Piano Seniors", b.piano.GetName(), "Piano", 6, 3},
		avaJuniors.GetName(): {avaJuniors.GetName(), b.familyB.GetName(), "The Novak family", b.b1.GetName(), "Ava",
			b.juniors.GetName(), "Piano Juniors", b.piano.GetName(), "Piano", 7, 2},
	}
	if len(got) != len(want) {
		t.Fatalf("billable = %v, want %d enrolments (not the waitlisted, not the withdrawn)", enrolmentNames(got), len(want))
	}
	for _, e := range got {
		r := row{e.GetEnrolment(), e.GetFamily(), e.GetFamilyDisplayName(), e.GetStudent(), e.GetStudentDisplayName(), e.GetClass(),
			e.GetClassDisplayName(), e.GetInstrument(), e.GetInstrumentDisplayName(), e.GetGroupWeeks(), e.GetIndividualWeeks()}
		if r != want[e.GetEnrolment()] {
			t.Errorf("billable %+v\nwant     %+v", r, want[e.GetEnrolment()])
		}
	}
	// A family's enrolments come together, in (family, enrolment) order.
	if !slices.IsSortedFunc(got, func(x, y *bookingv1.BillableEnrolment) int {
		return compareKeys(idOf(x.GetFamily()), idOf(x.GetEnrolment()), idOf(y.GetFamily()), idOf(y.GetEnrolment()))
	}) {
		t.Errorf("billable not in (family, enrolment) order: %v", enrolmentNames(got))
	}

	// The calendar agrees: each class's scheduled group sessions and
	// placeholders are its billed weeks.
	agree := func(when string) {
		t.Helper()
		for _, e := range b.billable(t, b.admin, "", 0) {
			class := &bookingv1.Class{Name: e.GetClass()}
			if g, i := b.sessionWeeks(class); g != e.GetGroupWeeks() || i != e.GetIndividualWeeks() {
				t.Errorf("%s: %s bills %d group and %d individual weeks; its sessions are %d and %d", when, e.GetClassDisplayName(),
					e.GetGroupWeeks(), e.GetIndividualWeeks(), g, i)
			}
		}
	}
	agree("first pattern")

	// All group but week 2, no overrides: ten meetings less each class's
	// missing days.
	b.setPattern(t, []int{2}, nil)
	counts := map[string][2]int32{}
	for _, e := range b.billable(t, b.admin, "", 0) {
		counts[e.GetClassDisplayName()] = [2]int32{e.GetGroupWeeks(), e.GetIndividualWeeks()}
	}
	if w := map[string][2]int32{"Violin Ensemble": {9, 1}, "Piano Juniors": {8, 1}, "Piano Seniors": {8, 1}}; !maps.Equal(counts, w) {
		t.Errorf("after the new pattern: %v, want %v", counts, w)
	}
	agree("second pattern")
}

func compareKeys(af, ae, bf, be uuid.UUID) int {
	if c := slices.Compare(af[:], bf[:]); c != 0 {
		return c
	}
	return slices.Compare(ae[:], be[:])
}

// TestListBillableEnrolmentsVisibility: the ADMIN, a TEACHER and a service
// principal (the billing run: client credentials, no roles) see every
// family's; a PARENT only their family's, a STUDENT only their own, a PARENT
// of no family nothing; another school's term is NOT_FOUND to everyone,
// a service naming another school included; the family filter narrows
// within what the caller sees.
func TestListBillableEnrolmentsVisibility(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	b := newBillingTerm(t, newTermSchool(t, env, c, tc, ""))
	other := newTermSchool(t, env, c, tc, "")
	mayaViolin, leoSenior, avaJuniors := b.enrol(b.violin, b.studentA1), b.enrol(b.senior, b.studentA2), b.enrol(b.juniors, b.b1)
	all := sorted(mayaViolin.GetName(), leoSenior.GetName(), avaJuniors.GetName())

	service := env.AsService(t.Context(), t, b.id)
	parentA := b.as(env.Member(t, b.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(b.familyA.GetName())}))
	parentB := b.as(env.Member(t, b.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(b.familyB.GetName())}))
	noFamily := b.as(env.Member(t, b.id, servertest.MemberSpec{Roles: []string{"parent"}}))
	leo := b.as(env.Member(t, b.id, servertest.MemberSpec{Roles: []string{"student"}, Student: idOf(b.studentA2.GetName())}))
	teacher := b.as(env.User(t, b.id, "teacher"))
	for _, tt := range []struct {
		who    string
		ctx    context.Context
		filter string
		want   []string
	}{
		{"the ADMIN", b.admin, "", all},
		{"a TEACHER", teacher, "", all},
		{"a service principal", service, "", all},
		{"a service principal, one family", service, `family = "` + b.familyB.GetName() + `"`, []string{avaJuniors.GetName()}},
		{"family A's PARENT", parentA, "", sorted(mayaViolin.GetName(), leoSenior.GetName())},
		{"family B's PARENT", parentB, "", []string{avaJuniors.GetName()}},
		{"family A's PARENT asking for family B", parentA, `family = "` + b.familyB.GetName() + `"`, nil},
		{"a PARENT of no family", noFamily, "", nil},
		{"the STUDENT Leo", leo, "", []string{leoSenior.GetName()}},
		{"the ADMIN, another school's family", b.admin, `family = "` + other.familyA.GetName() + `"`, nil},
	} {
		got := enrolmentNames(b.billable(t, tt.ctx, tt.filter, 0))
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.who, got, tt.want)
		}
	}

	// The run reads each family's billing contact the same way; it writes
	// nothing (no permission of services writes).
	if f, err := b.c.GetFamily(service, &bookingv1.GetFamilyRequest{Name: b.familyB.GetName()}); err != nil ||
		f.GetBillingContact().GetEmail() != "maria@family.example" {
		t.Errorf("a service principal reads family B: %v, %v; want its billing contact", f, err)
	}
	if _, err := b.c.UpdateFamily(service, &bookingv1.UpdateFamilyRequest{Family: &bookingv1.Family{Name: b.familyB.GetName(), DisplayName: "X"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}); code(err) != codes.PermissionDenied {
		t.Errorf("a service principal updates a family: %v, want PERMISSION_DENIED", err)
	}

	req := &bookingv1.ListBillableEnrolmentsRequest{Parent: b.term.GetName()}
	otherTerm := other.term("2027-02-01", "2027-03-26")
	for _, tt := range []struct {
		who    string
		ctx    context.Context
		parent string
	}{
		{"another school's ADMIN", other.admin, b.term.GetName()},
		{"a service naming another school", env.AsService(t.Context(), t, other.id), b.term.GetName()},
		{"the ADMIN, a term of no one", b.admin, b.name + "/terms/" + uuid.NewString()},
		{"a service, another school's term under this school", service, b.name + "/terms/" + idOf(otherTerm.GetName()).String()},
	} {
		if _, err := tc.ListBillableEnrolments(tt.ctx, &bookingv1.ListBillableEnrolmentsRequest{Parent: tt.parent}); code(err) != codes.NotFound {
			t.Errorf("%s: %v, want NOT_FOUND", tt.who, err)
		}
	}
	// A service naming no tenant is refused before anything is read.
	if _, err := tc.ListBillableEnrolments(env.AsService(t.Context(), t, uuid.Nil), req); code(err) != codes.PermissionDenied {
		t.Errorf("a service naming no tenant: %v, want PERMISSION_DENIED", err)
	}
	for _, bad := range []string{`family = "tenants/x"`, `family != "` + b.familyA.GetName() + `"`, `student = "x"`,
		`family = "` + b.familyA.GetName() + `" AND family = "` + b.familyB.GetName() + `"`} {
		if _, err := tc.ListBillableEnrolments(b.admin, &bookingv1.ListBillableEnrolmentsRequest{Parent: b.term.GetName(), Filter: bad}); code(err) != codes.InvalidArgument {
			t.Errorf("filter %q: %v, want INVALID_ARGUMENT", bad, err)
		}
	}
}

// TestListBillableEnrolmentsPages: 1,101 enrolments (written by SQL) come in
// pages of 500 by default and at most 1000, each once in order, whatever
// the page size; a token is bound to its request.
func TestListBillableEnrolmentsPages(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	b := newBillingTerm(t, newTermSchool(t, env, c, tc, ""))
	family := idOf(b.family("The Big family").GetName())
	classes := []*bookingv1.Class{b.violin, b.juniors, b.senior}
	const n = 1101
	for _, class := range classes {
		b.exec("UPDATE booking.classes SET capacity = 500 WHERE class_id = $1", idOf(class.GetName()))
		b.exec(`WITH st AS (
				INSERT INTO booking.students (tenant_id, family_id, student_id, given_name)
				SELECT $1, $2, gen_random_uuid(), 'Student ' || g FROM generate_series(1, $3) g RETURNING tenant_id, student_id)
			INSERT INTO booking.enrolments (tenant_id, enrolment_id, class_id, student_id, state)
			SELECT tenant_id, gen_random_uuid(), $4, student_id, 'enrolled' FROM st`, b.id, family, n/len(classes), idOf(class.GetName()))
	}

	first := must(tc.ListBillableEnrolments(b.admin, &bookingv1.ListBillableEnrolmentsRequest{Parent: b.term.GetName()}))(t)
	if len(first.GetBillableEnrolments()) != 500 || first.GetNextPageToken() == "" {
		t.Errorf("default page: %d and token %q, want 500 and a token", len(first.GetBillableEnrolments()), first.GetNextPageToken())
	}
	huge := must(tc.ListBillableEnrolments(b.admin, &bookingv1.ListBillableEnrolmentsRequest{Parent: b.term.GetName(), PageSize: 5000}))(t)
	if len(huge.GetBillableEnrolments()) != 1000 || huge.GetNextPageToken() == "" {
		t.Errorf("page_size 5000: %d, want 1000 and a token", len(huge.GetBillableEnrolments()))
	}
	var whole []string
	for _, size := range []int32{0, 1000, 333, 1101, 2000} {
		got := enrolmentNames(b.billable(t, b.admin, "", size))
		if len(got) != n || len(uniq(got)) != n {
			t.Errorf("page_size %d: %d enrolments (%d distinct), want %d", size, len(got), len(uniq(got)), n)
		}
		if whole == nil {
			whole = got
		} else if !slices.Equal(got, whole) {
			t.Errorf("page_size %d: another order than page_size 0", size)
		}
	}
	for _, e := range first.GetBillableEnrolments() {
		if e.GetGroupWeeks()+e.GetIndividualWeeks() == 0 {
			t.Fatalf("%s bills no weeks", e.GetEnrolment())
		}
	}

	// The token resumes only the request that made it.
	for name, req := range map[string]*bookingv1.ListBillableEnrolmentsRequest{
		"another filter": {Parent: b.term.GetName(), Filter: fmt.Sprintf(`family = "%s/families/%s"`, b.name, family), PageToken: first.GetNextPageToken()},
		"another term":   {Parent: b.name + "/terms/" + uuid.NewString(), PageToken: first.GetNextPageToken()},
		"garbage":        {Parent: b.term.GetName(), PageToken: "not-a-token"},
	} {
		if _, err := tc.ListBillableEnrolments(b.admin, req); code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want INVALID_ARGUMENT", name, err)
		}
	}
}

func uniq(ss []string) map[string]bool {
	out := map[string]bool{}
	for _, s := range ss {
		out[s] = true
	}
	return out
}
