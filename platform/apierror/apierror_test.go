package apierror_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
)

// errorInfo returns the ErrorInfo detail of st, failing if there is not exactly one.
func errorInfo(t *testing.T, st *status.Status) *errdetails.ErrorInfo {
	t.Helper()
	ei := apierror.InfoOf(st.Err())
	if ei == nil {
		t.Fatalf("status %v: want exactly one ErrorInfo detail (details %v)", st, st.Details())
	}
	return ei
}

func TestFromErrorNil(t *testing.T) {
	t.Parallel()
	st, unexpected := apierror.FromError(nil)
	if st != nil || unexpected {
		t.Fatalf("FromError(nil) = %v, %v; want nil, false", st, unexpected)
	}
}

func TestFromErrorPostgres(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sqlstate   string
		code       codes.Code
		reason     string
		unexpected bool
	}{
		{"23505", codes.AlreadyExists, apierror.ReasonAlreadyExists, false},
		{"23P01", codes.FailedPrecondition, apierror.ReasonOverlaps, false},
		{"23503", codes.FailedPrecondition, apierror.ReasonFailedPrecondition, false},
		{"23514", codes.InvalidArgument, apierror.ReasonInvalidArgument, false},
		{"22001", codes.InvalidArgument, apierror.ReasonInvalidArgument, false},
		{"22003", codes.InvalidArgument, apierror.ReasonInvalidArgument, false},
		{"22007", codes.InvalidArgument, apierror.ReasonInvalidArgument, false},
		{"22008", codes.InvalidArgument, apierror.ReasonInvalidArgument, false},
		{"22P02", codes.InvalidArgument, apierror.ReasonInvalidArgument, false},
		{"22021", codes.InvalidArgument, apierror.ReasonInvalidArgument, false}, // NUL in text
		{"22P05", codes.InvalidArgument, apierror.ReasonInvalidArgument, false}, // NUL in jsonb
		{"22012", codes.InvalidArgument, apierror.ReasonInvalidArgument, false}, // any data exception
		{"40001", codes.Aborted, apierror.ReasonConflict, false},
		{"40P01", codes.Aborted, apierror.ReasonConflict, false},
		{"57014", codes.DeadlineExceeded, apierror.ReasonDeadlineExceeded, false},
		// RLS WITH CHECK failures are our bug, never the client's.
		{"42501", codes.Internal, apierror.ReasonInternal, true},
		// Connection, resource and operator-intervention classes are outages.
		{"08006", codes.Unavailable, apierror.ReasonUnavailable, true},
		{"08001", codes.Unavailable, apierror.ReasonUnavailable, true},
		{"53300", codes.Unavailable, apierror.ReasonUnavailable, true},
		{"57P01", codes.Unavailable, apierror.ReasonUnavailable, true},
		// Everything else is a bug: a syntax error, an undefined column, ...
		{"42601", codes.Internal, apierror.ReasonInternal, true},
		{"42703", codes.Internal, apierror.ReasonInternal, true},
		{"23502", codes.Internal, apierror.ReasonInternal, true}, // not_null_violation: validation should have caught it
		{"X", codes.Internal, apierror.ReasonInternal, true},
		{"", codes.Internal, apierror.ReasonInternal, true},
	}
	for _, tt := range tests {
		t.Run(tt.sqlstate, func(t *testing.T) {
			t.Parallel()
			const secret = "relation \"secret_table\" column \"secret_col\""
			pgErr := &pgconn.PgError{Code: tt.sqlstate, Message: secret, Detail: "Key (email)=(a@b.c) already exists.", ConstraintName: "users_email_key"}
			// Store code wraps driver errors; the mapping must see through that.
			st, unexpected := apierror.FromError(fmt.Errorf("insert user: %w", pgErr))
			if st.Code() != tt.code {
				t.Errorf("code = %v, want %v", st.Code(), tt.code)
			}
			if unexpected != tt.unexpected {
				t.Errorf("unexpected = %v, want %v", unexpected, tt.unexpected)
			}
			for _, leak := range []string{"secret", "a@b.c", "users_email_key", "insert user"} {
				if strings.Contains(st.Message(), leak) {
					t.Errorf("message %q leaks %q", st.Message(), leak)
				}
			}
			ei := errorInfo(t, st)
			if ei.GetReason() != tt.reason || ei.GetDomain() != apierror.Domain {
				t.Errorf("ErrorInfo = %s/%s, want %s/%s", ei.GetDomain(), ei.GetReason(), apierror.Domain, tt.reason)
			}
		})
	}
}

func TestFromErrorSentinels(t *testing.T) {
	t.Parallel()
	expired, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-expired.Done()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()

	tests := []struct {
		name   string
		err    error
		code   codes.Code
		reason string
	}{
		{"deadline", context.DeadlineExceeded, codes.DeadlineExceeded, apierror.ReasonDeadlineExceeded},
		{"deadline from ctx", fmt.Errorf("query: %w", expired.Err()), codes.DeadlineExceeded, apierror.ReasonDeadlineExceeded},
		{"canceled", context.Canceled, codes.Canceled, apierror.ReasonCanceled},
		{"canceled from ctx", fmt.Errorf("query: %w", canceled.Err()), codes.Canceled, apierror.ReasonCanceled},
		{"no rows", pgx.ErrNoRows, codes.NotFound, apierror.ReasonNotFound},
		{"wrapped no rows", fmt.Errorf("get home: %w", pgx.ErrNoRows), codes.NotFound, apierror.ReasonNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, unexpected := apierror.FromError(tt.err)
			if unexpected {
				t.Error("unexpected = true, want false")
			}
			if st.Code() != tt.code {
				t.Errorf("code = %v, want %v", st.Code(), tt.code)
			}
			if strings.Contains(st.Message(), "query") || strings.Contains(st.Message(), "get home") {
				t.Errorf("message %q leaks the wrapping context", st.Message())
			}
			if ei := errorInfo(t, st); ei.GetReason() != tt.reason {
				t.Errorf("reason = %q, want %q", ei.GetReason(), tt.reason)
			}
		})
	}
}

func TestFromErrorUnknownIsInternalWithoutLeaking(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		errors.New("dial tcp 10.0.0.7:5432: connection refused"),
		fmt.Errorf("load tenant 42: %w", errors.New("dial tcp 10.0.0.7:5432")),
	} {
		st, unexpected := apierror.FromError(err)
		if !unexpected {
			t.Errorf("%v: unexpected = false, want true", err)
		}
		if st.Code() != codes.Internal {
			t.Errorf("%v: code = %v, want Internal", err, st.Code())
		}
		if st.Message() != "internal error" {
			t.Errorf("%v: message = %q, want the generic one", err, st.Message())
		}
		if ei := errorInfo(t, st); ei.GetReason() != apierror.ReasonInternal {
			t.Errorf("%v: reason = %q", err, ei.GetReason())
		}
	}
}

func TestFromErrorStatusPassesThrough(t *testing.T) {
	t.Parallel()
	withInfo, err := status.New(codes.ResourceExhausted, "quota used up").WithDetails(&errdetails.ErrorInfo{Reason: "QUOTA", Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want *status.Status
	}{
		{"plain", status.Error(codes.NotFound, "no such thing"), status.New(codes.NotFound, "no such thing")},
		{"with details", withInfo.Err(), withInfo},
		// The wrapping context must not reach the client.
		{"wrapped", fmt.Errorf("calling backend: %w", status.Error(codes.PermissionDenied, "nope")), status.New(codes.PermissionDenied, "nope")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, unexpected := apierror.FromError(tt.err)
			if unexpected {
				t.Error("unexpected = true, want false")
			}
			if st.Code() != tt.want.Code() || st.Message() != tt.want.Message() {
				t.Errorf("status = %v/%q, want %v/%q", st.Code(), st.Message(), tt.want.Code(), tt.want.Message())
			}
			if len(st.Details()) != len(tt.want.Details()) {
				t.Errorf("details = %v, want %v", st.Details(), tt.want.Details())
			}
		})
	}
}

// statusless implements GRPCStatus but reports none, which grpc reads as OK.
type statusless struct{}

func (statusless) Error() string              { return "statusless" }
func (statusless) GRPCStatus() *status.Status { return nil }

func TestFromErrorInternalStatusIsRedacted(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		status.Error(codes.Internal, "pq: password authentication failed for user steward"),
		status.Error(codes.Unknown, "panic in handler at /src/x.go:12"),
		fmt.Errorf("wrapped: %w", status.Error(codes.Internal, "secret")),
		// A failure must never come out as OK: st.Err() would be nil and the
		// handler would answer success with a nil response.
		statusless{},
		status.New(codes.OK, "").Err(), // nil, handled as the nil error
	} {
		st, unexpected := apierror.FromError(err)
		if err == nil {
			if st != nil {
				t.Errorf("FromError(nil status) = %v, want nil", st)
			}
			continue
		}
		if !unexpected || st.Code() != codes.Internal || st.Message() != "internal error" {
			t.Errorf("FromError(%v) = %v/%q, %v; want Internal/\"internal error\", true", err, st.Code(), st.Message(), unexpected)
		}
	}
}

func TestErrorStatusDetails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        *apierror.Error
		code       codes.Code
		reason     string
		message    string
		metadata   map[string]string
		violations []apierror.FieldViolation
	}{
		{
			name:       "invalid field",
			err:        apierror.InvalidField("asset.install_date", "must not be in the future"),
			code:       codes.InvalidArgument,
			reason:     apierror.ReasonInvalidArgument,
			message:    "invalid asset.install_date: must not be in the future",
			violations: []apierror.FieldViolation{{Field: "asset.install_date", Description: "must not be in the future"}},
		},
		{
			name: "several violations",
			err: apierror.InvalidArgument(
				apierror.FieldViolation{Field: "a", Description: "x"},
				apierror.FieldViolation{Field: "b.c", Description: "y"},
			),
			code:       codes.InvalidArgument,
			reason:     apierror.ReasonInvalidArgument,
			message:    "invalid a: x",
			violations: []apierror.FieldViolation{{Field: "a", Description: "x"}, {Field: "b.c", Description: "y"}},
		},
		{
			name:    "invalid without violations",
			err:     apierror.InvalidArgument(),
			code:    codes.InvalidArgument,
			reason:  apierror.ReasonInvalidArgument,
			message: "invalid request",
		},
		{
			name:     "not found",
			err:      apierror.NotFound("tenants/t/homes/h"),
			code:     codes.NotFound,
			reason:   apierror.ReasonNotFound,
			message:  "tenants/t/homes/h not found",
			metadata: map[string]string{"resource": "tenants/t/homes/h"},
		},
		{
			name:     "etag mismatch",
			err:      apierror.EtagMismatch("tenants/t/homes/h"),
			code:     codes.Aborted,
			reason:   apierror.ReasonEtagMismatch,
			metadata: map[string]string{"resource": "tenants/t/homes/h"},
		},
		{
			name:    "failed precondition keeps its reason",
			err:     apierror.FailedPrecondition(assetsv1.ErrorReason_ERROR_REASON_HOME_NOT_EMPTY, "the home still has assets"),
			code:    codes.FailedPrecondition,
			reason:  "HOME_NOT_EMPTY",
			message: "the home still has assets",
		},
		{
			name:    "unauthenticated",
			err:     apierror.Unauthenticated("invalid or expired access token"),
			code:    codes.Unauthenticated,
			reason:  apierror.ReasonUnauthenticated,
			message: "invalid or expired access token",
		},
		{
			name:    "permission denied",
			err:     apierror.PermissionDenied("owners only"),
			code:    codes.PermissionDenied,
			reason:  apierror.ReasonPermissionDenied,
			message: "owners only",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Domain errors are usually wrapped on the way up.
			st, unexpected := apierror.FromError(fmt.Errorf("handler: %w", tt.err))
			if unexpected {
				t.Error("unexpected = true, want false")
			}
			if st.Code() != tt.code {
				t.Errorf("code = %v, want %v", st.Code(), tt.code)
			}
			if tt.message != "" && st.Message() != tt.message {
				t.Errorf("message = %q, want %q", st.Message(), tt.message)
			}
			if st.Message() != tt.err.Message {
				t.Errorf("message = %q, want the Error's %q", st.Message(), tt.err.Message)
			}
			ei := errorInfo(t, st)
			if ei.GetReason() != tt.reason || ei.GetDomain() != apierror.Domain {
				t.Errorf("ErrorInfo = %s/%s, want %s/%s", ei.GetDomain(), ei.GetReason(), apierror.Domain, tt.reason)
			}
			if len(ei.GetMetadata()) != len(tt.metadata) {
				t.Errorf("metadata = %v, want %v", ei.GetMetadata(), tt.metadata)
			}
			for k, v := range tt.metadata {
				if ei.GetMetadata()[k] != v {
					t.Errorf("metadata[%q] = %q, want %q", k, ei.GetMetadata()[k], v)
				}
			}
			got := apierror.ViolationsOf(st.Err())
			if len(tt.violations) == 0 {
				if len(st.Details()) != 1 {
					t.Errorf("details %v, want the ErrorInfo alone: no BadRequest detail", st.Details())
				}
				return
			}
			if got == nil {
				t.Fatal("no BadRequest detail")
			}
			if len(got) != len(tt.violations) {
				t.Fatalf("violations = %v, want %v", got, tt.violations)
			}
			for i, v := range tt.violations {
				if got[i].Field != v.Field || got[i].Description != v.Description {
					t.Errorf("violation %d = %s: %s, want %s: %s", i, got[i].Field, got[i].Description, v.Field, v.Description)
				}
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	err := apierror.InvalidField("page_size", "must not be negative")
	if got, want := err.Error(), "InvalidArgument: invalid page_size: must not be negative"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var target *apierror.Error
	if !errors.As(fmt.Errorf("x: %w", err), &target) || target != err {
		t.Error("errors.As does not find a wrapped *Error")
	}
}

// TestDetailAccessors: what a caller (a test, or a service calling another)
// reads of an error's details, whatever wraps the status.
func TestDetailAccessors(t *testing.T) {
	t.Parallel()
	withDetails := func(t *testing.T, details ...protoadapt.MessageV1) error {
		t.Helper()
		st, err := status.New(codes.InvalidArgument, "bad").WithDetails(details...)
		if err != nil {
			t.Fatal(err)
		}
		return st.Err()
	}
	info := func(reason string) *errdetails.ErrorInfo {
		return &errdetails.ErrorInfo{Reason: reason, Domain: apierror.Domain}
	}
	badRequest := func(fields ...string) *errdetails.BadRequest {
		br := &errdetails.BadRequest{}
		for _, f := range fields {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: f, Description: "wrong " + f})
		}
		return br
	}
	tests := []struct {
		name   string
		err    error
		reason string
		fields []string
	}{
		{"nil", nil, "", nil},
		{"not a status", errors.New("boom"), "", nil},
		{"status without details", status.Error(codes.NotFound, "gone"), "", nil},
		{"an Error", apierror.RequestIDReused(), apierror.ReasonRequestIDReused, nil},
		{"an Error, wrapped", fmt.Errorf("calling assets: %w", apierror.RequestIDReused().Status().Err()), apierror.ReasonRequestIDReused, nil},
		{"violations", apierror.InvalidArgument(
			apierror.FieldViolation{Field: "home.display_name", Description: "wrong home.display_name"},
			apierror.FieldViolation{Field: "home.time_zone", Description: "wrong home.time_zone"}).Status().Err(),
			apierror.ReasonInvalidArgument, []string{"home.display_name", "home.time_zone"}},
		{"two BadRequests, in order", withDetails(t, badRequest("a"), info("X"), badRequest("b", "c")), "X", []string{"a", "b", "c"}},
		// AIP-193: one ErrorInfo. With two, neither is the reason.
		{"two ErrorInfos", withDetails(t, info("X"), info("Y")), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := apierror.ReasonOf(tt.err); got != tt.reason {
				t.Errorf("ReasonOf = %q, want %q", got, tt.reason)
			}
			if got := apierror.InfoOf(tt.err); (got == nil) != (tt.reason == "") || got.GetReason() != tt.reason {
				t.Errorf("InfoOf = %v, want reason %q", got, tt.reason)
			}
			if got := apierror.ViolatedFields(tt.err); !slices.Equal(got, tt.fields) {
				t.Errorf("ViolatedFields = %q, want %q", got, tt.fields)
			}
			violations := apierror.ViolationsOf(tt.err)
			if len(violations) != len(tt.fields) {
				t.Fatalf("ViolationsOf = %v, want %d", violations, len(tt.fields))
			}
			for i, v := range violations {
				if v.Field != tt.fields[i] || v.Description != "wrong "+tt.fields[i] {
					t.Errorf("violation %d = %+v, want %s: wrong %s", i, v, tt.fields[i], tt.fields[i])
				}
			}
		})
	}
}
