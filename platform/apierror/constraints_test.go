package apierror_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
)

var table = apierror.Constraints{
	"locations_tenant_id_home_id_fkey": {Code: codes.NotFound, Field: "parent", OnDelete: &apierror.Constraint{
		Code: codes.FailedPrecondition, Reason: assetsv1.ErrorReason_ERROR_REASON_HOME_NOT_EMPTY, Field: "name", Description: "still has locations"}},
	"assets_category_id_fkey": {Code: codes.InvalidArgument, Field: "asset.category", Description: "is not in the catalogue"},
	"bookings_room_excl":      {Code: codes.FailedPrecondition, Reason: typev1.ErrorReason_ERROR_REASON_RESOURCE_OVERLAPS, Description: "the room is taken then"},
}

func TestConstraintTable(t *testing.T) {
	t.Parallel()
	violation := func(constraint string) error {
		return fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23503", ConstraintName: constraint})
	}
	tests := []struct {
		name     string
		err      error
		method   string
		req      proto.Message
		code     codes.Code
		reason   string
		message  string
		violated string
	}{
		{"missing parent", violation("locations_tenant_id_home_id_fkey"), "/s.AssetService/CreateLocation",
			&assetsv1.CreateLocationRequest{Parent: "tenants/t/homes/h"}, codes.NotFound, apierror.ReasonNotFound, "tenants/t/homes/h not found", ""},
		{"still referenced on delete", violation("locations_tenant_id_home_id_fkey"), "/s.AssetService/DeleteHome",
			&assetsv1.DeleteHomeRequest{Name: "tenants/t/homes/h"}, codes.FailedPrecondition, "HOME_NOT_EMPTY", "tenants/t/homes/h still has locations", ""},
		{"a field's value", violation("assets_category_id_fkey"), "/s.AssetService/UpdateAsset",
			&assetsv1.UpdateAssetRequest{Asset: &assetsv1.Asset{Category: "assetCategories/x"}}, codes.InvalidArgument, apierror.ReasonInvalidArgument, "", "asset.category"},
		{"an overlap", &pgconn.PgError{Code: "23P01", ConstraintName: "bookings_room_excl"}, "/s.BookingService/CreateBooking",
			nil, codes.FailedPrecondition, "RESOURCE_OVERLAPS", "the room is taken then", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := table.Translate(tt.err, tt.method, tt.req)
			var e *apierror.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Reason != tt.reason {
				t.Fatalf("Translate = %v, want %v %s", err, tt.code, tt.reason)
			}
			if tt.message != "" && e.Message != tt.message {
				t.Errorf("message %q, want %q", e.Message, tt.message)
			}
			if tt.violated != "" && (len(e.Violations) != 1 || e.Violations[0].Field != tt.violated) {
				t.Errorf("violations %+v, want one on %s", e.Violations, tt.violated)
			}
		})
	}
	// What the table does not name falls through to the SQLSTATE mapping.
	for _, err := range []error{violation("other_fkey"), errors.New("boom"), &pgconn.PgError{Code: "23P01"}} {
		if got := table.Translate(err, "/s.S/M", nil); !errors.Is(got, err) || got.Error() != err.Error() {
			t.Errorf("Translate(%v) = %v, want it unchanged", err, got)
		}
	}
}

// TestConstraintsRegisterRunsInsideTheChain: the table answers for the
// handler's error after the server's interceptors let the call through.
func TestConstraintsRegisterRunsInsideTheChain(t *testing.T) {
	t.Parallel()
	desc := &grpc.ServiceDesc{ServiceName: "s.S", Methods: []grpc.MethodDesc{{MethodName: "DeleteHome",
		Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			req := &assetsv1.DeleteHomeRequest{Name: "tenants/t/homes/h"}
			handler := func(context.Context, any) (any, error) {
				return nil, &pgconn.PgError{Code: "23503", ConstraintName: "locations_tenant_id_home_id_fkey"}
			}
			return ic(ctx, req, &grpc.UnaryServerInfo{FullMethod: "/s.S/DeleteHome"}, handler)
		}}}}
	wrapped := table.Register(desc)
	var outerSaw error
	outer := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		resp, err := next(ctx, req)
		outerSaw = err
		return resp, err
	}
	for _, ic := range []grpc.UnaryServerInterceptor{outer, nil} {
		_, err := wrapped.Methods[0].Handler(nil, context.Background(), nil, ic)
		var e *apierror.Error
		if !errors.As(err, &e) || e.Reason != "HOME_NOT_EMPTY" {
			t.Fatalf("with interceptor %v: %v, want HOME_NOT_EMPTY", ic != nil, err)
		}
	}
	if !errors.As(outerSaw, new(*apierror.Error)) {
		t.Errorf("the server's interceptor saw %v, want the translated error", outerSaw)
	}
	// The generated descriptor itself is left as it was.
	if _, err := desc.Methods[0].Handler(nil, context.Background(), nil, outer); !errors.As(err, new(*pgconn.PgError)) {
		t.Errorf("the original descriptor answers %v, want the store's error untranslated", err)
	}
}

// TestReasonsAreTheContractsValueNames: the wire reason is the enum value
// without its prefix, so reasons clients already switch on stay the same.
func TestReasonsAreTheContractsValueNames(t *testing.T) {
	t.Parallel()
	for got, want := range map[string]string{
		apierror.ReasonInvalidArgument: "INVALID_ARGUMENT", apierror.ReasonNotFound: "RESOURCE_NOT_FOUND",
		apierror.ReasonAlreadyExists: "RESOURCE_ALREADY_EXISTS", apierror.ReasonEtagMismatch: "ETAG_MISMATCH",
		apierror.ReasonFailedPrecondition: "FAILED_PRECONDITION", apierror.ReasonUnauthenticated: "UNAUTHENTICATED",
		apierror.ReasonPermissionDenied: "PERMISSION_DENIED", apierror.ReasonConflict: "CONCURRENT_MODIFICATION",
		apierror.ReasonUnavailable: "UNAVAILABLE", apierror.ReasonInternal: "INTERNAL",
		apierror.ReasonDeadlineExceeded: "DEADLINE_EXCEEDED", apierror.ReasonCanceled: "CANCELED",
		apierror.ReasonRequestIDReused: "REQUEST_ID_REUSED", apierror.ReasonOverlaps: "RESOURCE_OVERLAPS",
		apierror.Reason(assetsv1.ErrorReason_ERROR_REASON_HOME_NOT_EMPTY):       "HOME_NOT_EMPTY",
		apierror.Reason(assetsv1.ErrorReason_ERROR_REASON_METER_WENT_BACKWARDS): "METER_WENT_BACKWARDS",
	} {
		if got != want {
			t.Errorf("reason %q, want %q", got, want)
		}
	}
}

// TestMergeConstraints: parts' tables make one; a name in two is refused.
func TestMergeConstraints(t *testing.T) {
	t.Parallel()
	a := apierror.Constraints{"a_key": {Code: codes.AlreadyExists}}
	b := apierror.Constraints{"b_fkey": {Code: codes.NotFound}}
	if got := apierror.MergeConstraints(a, b); len(got) != 2 || got["a_key"].Code != codes.AlreadyExists || got["b_fkey"].Code != codes.NotFound {
		t.Errorf("MergeConstraints = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("a constraint in two tables was merged")
		}
	}()
	apierror.MergeConstraints(a, a)
}
