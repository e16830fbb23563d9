package booking_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
)

var (
	reasonTermInUse  = apierror.Reason(bookingv1.ErrorReason_ERROR_REASON_TERM_IN_USE)
	reasonClassInUse = apierror.Reason(bookingv1.ErrorReason_ERROR_REASON_CLASS_IN_USE)
	reasonSlotTaken  = apierror.Reason(bookingv1.ErrorReason_ERROR_REASON_SLOT_TAKEN)
)

func mondays(term *bookingv1.Term) []string {
	var out []string
	for i, w := range term.GetWeeks() {
		if int(w.GetNumber()) != i+1 {
			return append(out, "misnumbered")
		}
		out = append(out, w.GetStartDate())
	}
	return out
}

// TestTermStandardMethods: a term's teaching weeks come from its dates and
// breaks; creates are idempotent; updates are etag-guarded and renumber the
// weeks; filters and deletes work.
func TestTermStandardMethods(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	ctx := s.admin

	rid := uuid.NewString()
	req := &bookingv1.CreateTermRequest{Parent: s.name, RequestId: rid, Term: &bookingv1.Term{DisplayName: "Term 1 2027",
		StartDate: "2027-02-03", EndDate: "2027-03-26",
		Breaks: []*bookingv1.Break{{DisplayName: "Half-term", StartDate: "2027-03-08", EndDate: "2027-03-14"}}}}
	term := must(tc.CreateTerm(ctx, req))(t)
	want := []string{"2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22", "2027-03-01", "2027-03-15", "2027-03-22"}
	if got := mondays(term); !slices.Equal(got, want) {
		t.Errorf("teaching weeks = %v, want %v (the half-term week unnumbered)", got, want)
	}
	if len(term.GetBreaks()) != 1 || term.GetBreaks()[0].GetDisplayName() != "Half-term" {
		t.Errorf("breaks = %v", term.GetBreaks())
	}
	if again := must(tc.CreateTerm(ctx, req))(t); again.GetName() != term.GetName() {
		t.Errorf("retry made %s, first %s", again.GetName(), term.GetName())
	}
	_, err := tc.CreateTerm(ctx, &bookingv1.CreateTermRequest{Parent: s.name, RequestId: rid, Term: &bookingv1.Term{DisplayName: "Other",
		StartDate: "2027-02-03", EndDate: "2027-03-26"}})
	if apierror.ReasonOf(err) != apierror.ReasonRequestIDReused {
		t.Errorf("reused request_id: %v", err)
	}

	for _, tc2 := range []struct {
		name  string
		term  *bookingv1.Term
		field string
	}{
		{"no name", &bookingv1.Term{StartDate: "2027-02-01", EndDate: "2027-03-01"}, "term.display_name"},
		{"no dates", &bookingv1.Term{DisplayName: "T"}, "term.start_date"},
		{"end before start", &bookingv1.Term{DisplayName: "T", StartDate: "2027-03-01", EndDate: "2027-02-01"}, "term.end_date"},
		{"not a date", &bookingv1.Term{DisplayName: "T", StartDate: "2027-02-30", EndDate: "2027-03-01"}, "term.start_date"},
		{"longer than 53 weeks", &bookingv1.Term{DisplayName: "T", StartDate: "2027-01-01", EndDate: "2028-02-01"}, "term.end_date"},
		// 370 days from a Sunday touch 54 teaching weeks, one more than the schema numbers.
		{"54 teaching weeks", &bookingv1.Term{DisplayName: "T", StartDate: "2027-01-03", EndDate: "2028-01-08"}, "term.end_date"},
		{"break outside the term", &bookingv1.Term{DisplayName: "T", StartDate: "2027-02-01", EndDate: "2027-03-01",
			Breaks: []*bookingv1.Break{{DisplayName: "B", StartDate: "2027-02-25", EndDate: "2027-03-05"}}}, "term.breaks[0]"},
		{"all weeks in breaks", &bookingv1.Term{DisplayName: "T", StartDate: "2027-02-01", EndDate: "2027-02-07",
			Breaks: []*bookingv1.Break{{DisplayName: "B", StartDate: "2027-02-01", EndDate: "2027-02-07"}}}, "term.breaks"},
	} {
		_, err := tc.CreateTerm(ctx, &bookingv1.CreateTermRequest{Parent: s.name, Term: tc2.term})
		if code(err) != codes.InvalidArgument || !slices.Equal(apierror.ViolatedFields(err), []string{tc2.field}) {
			t.Errorf("%s: %v, want INVALID_ARGUMENT on %s", tc2.name, err, tc2.field)
		}
	}

	// New dates renumber the weeks (no classes yet).
	moved := must(tc.UpdateTerm(ctx, &bookingv1.UpdateTermRequest{Term: &bookingv1.Term{Name: term.GetName(), EndDate: "2027-02-14",
		Breaks: []*bookingv1.Break{}, Etag: term.GetEtag()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"end_date", "breaks"}}}))(t)
	if got := mondays(moved); !slices.Equal(got, []string{"2027-02-01", "2027-02-08"}) || len(moved.GetBreaks()) != 0 {
		t.Errorf("after the update: weeks %v, breaks %v", got, moved.GetBreaks())
	}
	_, err = tc.UpdateTerm(ctx, &bookingv1.UpdateTermRequest{Term: &bookingv1.Term{Name: term.GetName(), DisplayName: "X", Etag: term.GetEtag()}})
	if apierror.ReasonOf(err) != apierror.ReasonEtagMismatch {
		t.Errorf("stale term etag: %v", err)
	}
	other := s.term("2027-04-19", "2027-06-25")
	list := must(tc.ListTerms(ctx, &bookingv1.ListTermsRequest{Parent: s.name, Filter: `display_name = "Term 2027-04-19"`}))(t)
	if got := names(list.GetTerms()); !slices.Equal(got, []string{other.GetName()}) {
		t.Errorf("terms named Term 2027-04-19 = %v", got)
	}
	all := must(tc.ListTerms(ctx, &bookingv1.ListTermsRequest{Parent: s.name, PageSize: 1}))(t)
	if len(all.GetTerms()) != 1 || all.GetNextPageToken() == "" || len(all.GetTerms()[0].GetWeeks()) == 0 {
		t.Errorf("first page of one = %v", all)
	}
	must(tc.DeleteTerm(ctx, &bookingv1.DeleteTermRequest{Name: other.GetName(), Etag: other.GetEtag()}))(t)
	if _, err = tc.GetTerm(ctx, &bookingv1.GetTermRequest{Name: other.GetName()}); code(err) != codes.NotFound {
		t.Errorf("deleted term: %v", err)
	}
}

// TestTermInUse: once a term has classes its dates and breaks stay, and it
// cannot be deleted; its name can change.
func TestTermInUse(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")
	class := s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00"})
	for _, tt := range []struct {
		name string
		in   *bookingv1.Term
		mask []string
	}{
		{"end date", &bookingv1.Term{EndDate: "2027-04-02"}, []string{"end_date"}},
		{"start date", &bookingv1.Term{StartDate: "2027-02-02"}, []string{"start_date"}},
		{"breaks", &bookingv1.Term{Breaks: []*bookingv1.Break{{DisplayName: "Day off", StartDate: "2027-02-10", EndDate: "2027-02-10"}}}, []string{"breaks"}},
	} {
		tt.in.Name = term.GetName()
		_, err := tc.UpdateTerm(s.admin, &bookingv1.UpdateTermRequest{Term: tt.in, UpdateMask: &fieldmaskpb.FieldMask{Paths: tt.mask}})
		if code(err) != codes.FailedPrecondition || apierror.ReasonOf(err) != reasonTermInUse {
			t.Errorf("changing the %s of a term with classes: %v, want TERM_IN_USE", tt.name, err)
		}
	}
	renamed := must(tc.UpdateTerm(s.admin, &bookingv1.UpdateTermRequest{Term: &bookingv1.Term{Name: term.GetName(), DisplayName: "Term 1",
		StartDate: term.GetStartDate(), EndDate: term.GetEndDate()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}}))(t)
	if renamed.GetDisplayName() != "Term 1" {
		t.Errorf("renamed = %v", renamed)
	}
	if _, err := tc.DeleteTerm(s.admin, &bookingv1.DeleteTermRequest{Name: term.GetName()}); apierror.ReasonOf(err) != reasonTermInUse {
		t.Errorf("deleting a term with classes: %v, want TERM_IN_USE", err)
	}
	must(tc.DeleteClass(s.admin, &bookingv1.DeleteClassRequest{Name: class.GetName(), Etag: class.GetEtag()}))(t)
	must(tc.DeleteTerm(s.admin, &bookingv1.DeleteTermRequest{Name: term.GetName()}))(t)
}

// TestClassSessionsKeepLocalTimeAcrossDST: a Monday 17:00 class in Sydney
// meets at 17:00 local in every teaching week, on both sides of the April
// and October changes, and not on a break day or outside the term.
func TestClassSessionsKeepLocalTimeAcrossDST(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	const zone = "Australia/Sydney"
	s := newTermSchool(t, env, c, tc, zone)
	for _, tt := range []struct {
		name, start, end string
		breaks           []*bookingv1.Break
		want             []string
	}{
		{"DST ends 4 Apr 2027", "2027-03-24", "2027-04-21", []*bookingv1.Break{{DisplayName: "Easter Monday", StartDate: "2027-03-29", EndDate: "2027-03-29"}},
			// week 1 starts on a Wednesday (no Monday session), week 2's Monday is a break.
			[]string{"3 2027-04-05 17:00 +10", "4 2027-04-12 17:00 +10", "5 2027-04-19 17:00 +10"}},
		{"DST starts 3 Oct 2027", "2027-09-20", "2027-10-11", nil,
			[]string{"1 2027-09-20 17:00 +10", "2 2027-09-27 17:00 +10", "3 2027-10-04 17:00 +11", "4 2027-10-11 17:00 +11"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			term := s.term(tt.start, tt.end, tt.breaks...)
			class := s.class(term, "Piano "+tt.start, classSpec{weekday: 1, start: "17:00", minutes: 60, teacher: s.newTeacher("T " + tt.start)})
			var got []string
			for _, r := range s.sessions(class, zone) {
				got = append(got, fmt.Sprintf("%d %s", r.week, r.local))
				if r.kind != "group" || r.state != "scheduled" {
					t.Errorf("week %d: %s %s", r.week, r.kind, r.state)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("sessions = %v\nwant %v", got, tt.want)
			}
		})
	}
}
