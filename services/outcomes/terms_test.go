package outcomes_test

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// termOutcomes are the TermService's rows, from what each role may do:
// schedule.manage (terms, week patterns, classes, enrolments) is the
// ADMIN's; schedule.read is every school role's, and the service narrows
// enrolments to a PARENT's family and a STUDENT's own (another family's is
// NOT_FOUND; a list of them is an empty page); households hold neither
// (403); services hold schedule.read only (the billing run), and the
// service here names the household, which has no terms (NOT_FOUND, an empty
// page); another school's ADMIN gets NOT_FOUND.
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var termOutcomes = map[string][principals]codes.Code{
	"/steward.booking.v1.TermService/CreateTerm":        {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.TermService/GetTerm":           {pd, pd, ok, ok, ok, ok, ok, nf, una, nf, pd},
	"/steward.booking.v1.TermService/ListTerms":         {pd, pd, ok, ok, ok, ok, ok, nf, una, ok, pd},
	"/steward.booking.v1.TermService/UpdateTerm":        {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.TermService/DeleteTerm":        {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.TermService/GetWeekPattern":    {pd, pd, ok, ok, ok, ok, ok, nf, una, nf, pd},
	"/steward.booking.v1.TermService/UpdateWeekPattern": {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.TermService/CreateClass":       {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.TermService/GetClass":          {pd, pd, ok, ok, ok, ok, ok, nf, una, nf, pd},
	"/steward.booking.v1.TermService/ListClasses":       {pd, pd, ok, ok, ok, ok, ok, nf, una, ok, pd},
	"/steward.booking.v1.TermService/UpdateClass":       {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.TermService/DeleteClass":       {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.TermService/CreateEnrolment":   {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.TermService/GetEnrolment":      {pd, pd, ok, ok, ok, nf, ok, nf, una, nf, pd},
	"/steward.booking.v1.TermService/ListEnrolments":    {pd, pd, ok, ok, ok, ok, ok, nf, una, nf, pd},
	"/steward.booking.v1.TermService/DeleteEnrolment":   {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
}

func init() {
	maps.Copy(outcomes, termOutcomes)
	maps.Copy(calls, termCalls)
	services = append(services, &bookingv1.TermService_ServiceDesc)
}

// termFixtures are a world's standing term, class (of the directory's
// teacher and room) and the enrolment of the directory's student: made once
// per world, on first use; in a household, names of nothing.
type termFixtures struct{ term, class, enrolment string }

var (
	termFixturesMu sync.Mutex
	termFixturesOf = map[*world]*termFixtures{}
)

func (w *world) terms(t *testing.T) *termFixtures {
	t.Helper()
	termFixturesMu.Lock()
	defer termFixturesMu.Unlock()
	if f, ok := termFixturesOf[w]; ok {
		return f
	}
	f := &termFixtures{term: w.tenant + "/terms/" + uuid.NewString(), class: w.tenant + "/classes/" + uuid.NewString()}
	f.enrolment = f.class + "/enrolments/" + uuid.NewString()
	if w.dir.real {
		f.term = w.newTerm(t)
		f.class = w.newClass(t, f.term)
		f.enrolment = must(w.c.terms.CreateEnrolment(w.admin, &bookingv1.CreateEnrolmentRequest{Parent: f.class,
			Enrolment: &bookingv1.Enrolment{Student: w.dir.student}}))(t).GetName()
	}
	termFixturesOf[w] = f
	return f
}

// newTerm is a fresh term of eight weeks.
func (w *world) newTerm(t *testing.T) string {
	t.Helper()
	if !w.dir.real {
		return w.tenant + "/terms/" + uuid.NewString()
	}
	return must(w.c.terms.CreateTerm(w.admin, &bookingv1.CreateTermRequest{Parent: w.tenant, Term: &bookingv1.Term{
		DisplayName: "Term 1 2027", StartDate: "2027-02-01", EndDate: "2027-03-26"}}))(t).GetName()
}

// newClass is a fresh class of term with a teacher and room of its own, so
// that no two classes' slots clash.
func (w *world) newClass(t *testing.T, term string) string {
	t.Helper()
	if !w.dir.real {
		return w.tenant + "/classes/" + uuid.NewString()
	}
	return must(w.c.terms.CreateClass(w.admin, w.classRequest(t, term)))(t).GetName()
}

func (w *world) classRequest(t *testing.T, term string) *bookingv1.CreateClassRequest {
	t.Helper()
	return &bookingv1.CreateClassRequest{Parent: w.tenant, Class: &bookingv1.Class{Term: term, DisplayName: "Junior Strings A",
		Instrument: w.dir.instrument, Teacher: w.newTeacher(t, w.dir), Room: w.newRoom(t, w.dir), Weekday: 3, StartTime: "16:00",
		GroupMinutes: 45, IndividualMinutes: 20, Capacity: 8}}
}

// newEnrolment enrols a fresh student of the standing family in the
// standing class.
func (w *world) newEnrolment(t *testing.T) string {
	t.Helper()
	f := w.terms(t)
	if !w.dir.real {
		return f.class + "/enrolments/" + uuid.NewString()
	}
	return must(w.c.terms.CreateEnrolment(w.admin, &bookingv1.CreateEnrolmentRequest{Parent: f.class,
		Enrolment: &bookingv1.Enrolment{Student: w.newStudent(t, w.dir)}}))(t).GetName()
}

var termCalls = map[string]callFunc{
	"/steward.booking.v1.TermService/CreateTerm": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.CreateTerm(ctx, &bookingv1.CreateTermRequest{Parent: w.tenant, Term: &bookingv1.Term{
			DisplayName: "Term 2 2027", StartDate: "2027-04-19", EndDate: "2027-06-25"}})
		return err
	},
	"/steward.booking.v1.TermService/GetTerm": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.GetTerm(ctx, &bookingv1.GetTermRequest{Name: w.terms(t).term})
		return err
	},
	"/steward.booking.v1.TermService/ListTerms": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.ListTerms(ctx, &bookingv1.ListTermsRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.TermService/UpdateTerm": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.UpdateTerm(ctx, &bookingv1.UpdateTermRequest{Term: &bookingv1.Term{Name: w.newTerm(t), DisplayName: "Renamed"}, UpdateMask: mask("display_name")})
		return err
	},
	"/steward.booking.v1.TermService/DeleteTerm": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.DeleteTerm(ctx, &bookingv1.DeleteTermRequest{Name: w.newTerm(t)})
		return err
	},
	"/steward.booking.v1.TermService/GetWeekPattern": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.GetWeekPattern(ctx, &bookingv1.GetWeekPatternRequest{Name: w.terms(t).term + "/weekPattern"})
		return err
	},
	"/steward.booking.v1.TermService/UpdateWeekPattern": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		g, i := bookingv1.WeekKind_WEEK_KIND_GROUP, bookingv1.WeekKind_WEEK_KIND_INDIVIDUAL
		_, err := c.terms.UpdateWeekPattern(ctx, &bookingv1.UpdateWeekPatternRequest{WeekPattern: &bookingv1.WeekPattern{
			Name: w.newTerm(t) + "/weekPattern", Weeks: []bookingv1.WeekKind{g, i, g, i, g, i, g, g}}})
		return err
	},
	"/steward.booking.v1.TermService/CreateClass": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.CreateClass(ctx, w.classRequest(t, w.terms(t).term))
		return err
	},
	"/steward.booking.v1.TermService/GetClass": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.GetClass(ctx, &bookingv1.GetClassRequest{Name: w.terms(t).class})
		return err
	},
	"/steward.booking.v1.TermService/ListClasses": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.ListClasses(ctx, &bookingv1.ListClassesRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.TermService/UpdateClass": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.UpdateClass(ctx, &bookingv1.UpdateClassRequest{Class: &bookingv1.Class{Name: w.newClass(t, w.terms(t).term), DisplayName: "Renamed"},
			UpdateMask: mask("display_name")})
		return err
	},
	"/steward.booking.v1.TermService/DeleteClass": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.DeleteClass(ctx, &bookingv1.DeleteClassRequest{Name: w.newClass(t, w.terms(t).term)})
		return err
	},
	"/steward.booking.v1.TermService/CreateEnrolment": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.CreateEnrolment(ctx, &bookingv1.CreateEnrolmentRequest{Parent: w.terms(t).class,
			Enrolment: &bookingv1.Enrolment{Student: w.newStudent(t, w.dir)}})
		return err
	},
	"/steward.booking.v1.TermService/GetEnrolment": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.GetEnrolment(ctx, &bookingv1.GetEnrolmentRequest{Name: w.terms(t).enrolment})
		return err
	},
	"/steward.booking.v1.TermService/ListEnrolments": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.ListEnrolments(ctx, &bookingv1.ListEnrolmentsRequest{Parent: w.terms(t).class})
		return err
	},
	"/steward.booking.v1.TermService/DeleteEnrolment": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.DeleteEnrolment(ctx, &bookingv1.DeleteEnrolmentRequest{Name: w.newEnrolment(t)})
		return err
	},
}
