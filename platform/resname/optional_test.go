package resname_test

import (
	"slices"
	"testing"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
)

// TestOptionalReferencesMayBeEmpty: a request's reference the contract does
// not mark REQUIRED (a calendar's filters) passes empty and is checked when
// set; a REQUIRED one is refused empty.
func TestOptionalReferencesMayBeEmpty(t *testing.T) {
	t.Parallel()
	parent := "tenants/0190f6a4-6a4e-7c3e-9d2b-3f1f2a3b4c5d"
	fields := func(vs []apierror.FieldViolation) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Field)
		}
		return out
	}
	if got := resname.Violations(&bookingv1.ListCalendarEntriesRequest{Parent: parent}); len(got) != 0 {
		t.Errorf("no filter: %v", got)
	}
	if got := fields(resname.Violations(&bookingv1.ListCalendarEntriesRequest{Parent: parent, Teacher: "teachers/x"})); !slices.Equal(got, []string{"teacher"}) {
		t.Errorf("a malformed filter: %v", got)
	}
	if got := fields(resname.Violations(&bookingv1.ListCalendarEntriesRequest{})); !slices.Equal(got, []string{"parent"}) {
		t.Errorf("no parent: %v", got)
	}
	if got := fields(resname.Violations(&bookingv1.GetRoomRequest{})); !slices.Equal(got, []string{"name"}) {
		t.Errorf("a required name left empty: %v", got)
	}
}
