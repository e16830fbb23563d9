package outcomes_test

import (
	"context"
	"maps"
	"testing"

	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// billableOutcomes are the rows of what steward-invoicing bills a term by:
// schedule.read, so every school role may ask and the service narrows the
// answer (a PARENT to their family's enrolments, a STUDENT to their own:
// another family's PARENT gets an empty page, not an error); households hold
// no schedule permission (403); another school's ADMIN gets NOT_FOUND.
// Services hold schedule.read for the billing run, which reads every family:
// the service here names the household, which has no such term (NOT_FOUND);
// without a tenant it is refused (403).
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var billableOutcomes = map[string][principals]codes.Code{
	"/steward.booking.v1.TermService/ListBillableEnrolments": {pd, pd, ok, ok, ok, ok, ok, nf, una, nf, pd},
}

func init() {
	maps.Copy(outcomes, billableOutcomes)
	maps.Copy(calls, billableCalls)
}

var billableCalls = map[string]callFunc{
	"/steward.booking.v1.TermService/ListBillableEnrolments": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.terms.ListBillableEnrolments(ctx, &bookingv1.ListBillableEnrolmentsRequest{Parent: w.terms(t).term})
		return err
	},
}
