package edge

import (
	"net/http"
	"testing"

	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
)

// TestHTTPStatusFollowsTheContract: a FAILED_PRECONDITION is 400 unless its
// reason declares another status in the contract; the declaration applies to
// that code only.
func TestHTTPStatusFollowsTheContract(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  *apierror.Error
		want int
	}{
		{"declared 412", apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_WINDOW_CLOSED, "closed"), http.StatusPreconditionFailed},
		{"declared 412, notice", apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_NOTICE_TOO_SHORT, "late"), http.StatusPreconditionFailed},
		{"undeclared", apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_FAMILY_NOT_EMPTY, "students"), http.StatusBadRequest},
		{"declared reason, other code", &apierror.Error{Code: codes.Aborted, Reason: apierror.Reason(bookingv1.ErrorReason_ERROR_REASON_WINDOW_CLOSED)}, http.StatusConflict},
		{"slot taken", &apierror.Error{Code: codes.Aborted, Reason: apierror.Reason(bookingv1.ErrorReason_ERROR_REASON_SLOT_TAKEN)}, http.StatusConflict},
		{"etag", apierror.EtagMismatch("tenants/x"), http.StatusPreconditionFailed},
	} {
		if got := httpStatusFor(tc.err.Status()); got != tc.want {
			t.Errorf("%s: HTTP %d; want %d", tc.name, got, tc.want)
		}
	}
}
