// Package apierror is where every error becomes a canonical gRPC status.
//
// Handlers and domain code return *Error values (or plain errors from the
// store); FromError is the one translation point, applied by the server's
// innermost interceptor, so codes and ErrorInfo reasons are decided once.
package apierror

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/reflect/protoreflect"

	typev1 "steward.dev/gen/go/steward/type/v1"
)

// Domain is the ErrorInfo domain of every Steward error.
const Domain = "steward.dev"

// The platform's ErrorInfo reasons, declared in the contract
// (steward.type.v1.ErrorReason). Clients may switch on these; never rename one.
var (
	ReasonInvalidArgument       = Reason(typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT)
	ReasonNotFound              = Reason(typev1.ErrorReason_ERROR_REASON_RESOURCE_NOT_FOUND)
	ReasonAlreadyExists         = Reason(typev1.ErrorReason_ERROR_REASON_RESOURCE_ALREADY_EXISTS)
	ReasonEtagMismatch          = Reason(typev1.ErrorReason_ERROR_REASON_ETAG_MISMATCH)
	ReasonFailedPrecondition    = Reason(typev1.ErrorReason_ERROR_REASON_FAILED_PRECONDITION)
	ReasonUnauthenticated       = Reason(typev1.ErrorReason_ERROR_REASON_UNAUTHENTICATED)
	ReasonPermissionDenied      = Reason(typev1.ErrorReason_ERROR_REASON_PERMISSION_DENIED)
	ReasonConflict              = Reason(typev1.ErrorReason_ERROR_REASON_CONCURRENT_MODIFICATION)
	ReasonUnavailable           = Reason(typev1.ErrorReason_ERROR_REASON_UNAVAILABLE)
	ReasonInternal              = Reason(typev1.ErrorReason_ERROR_REASON_INTERNAL)
	ReasonDeadlineExceeded      = Reason(typev1.ErrorReason_ERROR_REASON_DEADLINE_EXCEEDED)
	ReasonCanceled              = Reason(typev1.ErrorReason_ERROR_REASON_CANCELED)
	ReasonRequestIDReused       = Reason(typev1.ErrorReason_ERROR_REASON_REQUEST_ID_REUSED)
	ReasonOverlaps              = Reason(typev1.ErrorReason_ERROR_REASON_RESOURCE_OVERLAPS)
	ReasonServiceTenantRequired = Reason(typev1.ErrorReason_ERROR_REASON_SERVICE_TENANT_REQUIRED)
)

// Reason returns the wire reason of a value of an ErrorReason enum of the
// contract: its name without the enum's prefix, the part its zero value
// ("ERROR_REASON_UNSPECIFIED") has before UNSPECIFIED.
func Reason(value protoreflect.Enum) string {
	values := value.Descriptor().Values()
	prefix := strings.TrimSuffix(string(values.ByNumber(0).Name()), "UNSPECIFIED")
	return strings.TrimPrefix(string(values.ByNumber(value.Number()).Name()), prefix)
}

// FieldViolation names a request field (dotted path, e.g. "asset.install_date")
// and says what is wrong with it.
type FieldViolation struct {
	Field       string
	Description string
}

// Error is a domain error that knows its canonical code.
type Error struct {
	Code       codes.Code
	Reason     string
	Message    string
	Violations []FieldViolation
	Metadata   map[string]string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// InvalidArgument reports bad fields.
func InvalidArgument(violations ...FieldViolation) *Error {
	msg := "invalid request"
	if len(violations) > 0 {
		msg = fmt.Sprintf("invalid %s: %s", violations[0].Field, violations[0].Description)
	}
	return &Error{Code: codes.InvalidArgument, Reason: ReasonInvalidArgument, Message: msg, Violations: violations}
}

// InvalidField is InvalidArgument for one field.
func InvalidField(field, description string) *Error {
	return InvalidArgument(FieldViolation{Field: field, Description: description})
}

// NotFound reports a resource that does not exist or that the caller may not
// know about; the two are deliberately indistinguishable.
func NotFound(resourceName string) *Error {
	return &Error{Code: codes.NotFound, Reason: ReasonNotFound, Message: resourceName + " not found",
		Metadata: map[string]string{"resource": resourceName}}
}

// EtagMismatch reports an optimistic-concurrency failure (AIP-154).
func EtagMismatch(resourceName string) *Error {
	return &Error{Code: codes.Aborted, Reason: ReasonEtagMismatch,
		Message:  "etag does not match the current version of " + resourceName + "; read it again and retry",
		Metadata: map[string]string{"resource": resourceName}}
}

// FailedPrecondition reports a request that cannot be done in the current
// state, with a reason from the contract's ErrorReason enums.
func FailedPrecondition(reason protoreflect.Enum, message string) *Error {
	return &Error{Code: codes.FailedPrecondition, Reason: Reason(reason), Message: message}
}

// RequestIDReused reports a create whose request_id an earlier, different
// request used (AIP-155): a retry must repeat the request exactly.
func RequestIDReused() *Error {
	return &Error{Code: codes.AlreadyExists, Reason: ReasonRequestIDReused,
		Message: "request_id was already used for a different request; send a new request_id, or repeat the first request exactly"}
}

// Unauthenticated reports a missing or unacceptable credential.
func Unauthenticated(message string) *Error {
	return &Error{Code: codes.Unauthenticated, Reason: ReasonUnauthenticated, Message: message}
}

// PermissionDenied reports a member whose roles do not allow the call.
func PermissionDenied(message string) *Error {
	return &Error{Code: codes.PermissionDenied, Reason: ReasonPermissionDenied, Message: message}
}

// Status converts e to a gRPC status with ErrorInfo and BadRequest details.
func (e *Error) Status() *status.Status {
	st := status.New(e.Code, e.Message)
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: e.Reason, Domain: Domain, Metadata: e.Metadata}}
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range e.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		details = append(details, br)
	}
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return st
	}
	return withDetails
}

// InfoOf returns the ErrorInfo detail of err's gRPC status (or of the status
// an *Error in its chain becomes): the one detail
// AIP-193 requires of every error, which says why it failed in words a
// program can switch on. It returns nil when err carries no status, or a
// status with no ErrorInfo or with more than one (then none of them is the
// reason).
func InfoOf(err error) *errdetails.ErrorInfo {
	var found *errdetails.ErrorInfo
	for _, d := range statusOf(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			if found != nil {
				return nil
			}
			found = info
		}
	}
	return found
}

// ReasonOf returns the ErrorInfo reason of err's gRPC status, "" if it has
// none (see InfoOf). A service that calls another switches on this, never on
// the code or message, to tell e.g. REQUEST_ID_REUSED from a plain
// RESOURCE_ALREADY_EXISTS; compare it with the Reason* values or Reason(enum).
func ReasonOf(err error) string {
	return InfoOf(err).GetReason()
}

// ViolationsOf returns the field violations in the BadRequest details of err's
// gRPC status, in order; nil if there are none.
func ViolationsOf(err error) []FieldViolation {
	var out []FieldViolation
	for _, d := range statusOf(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	return out
}

// statusOf is the status a client would be sent for an *Error, else the
// status err carries (none for a plain error: its details are not the
// client's, so there is nothing to read).
func statusOf(err error) *status.Status {
	var e *Error
	if errors.As(err, &e) {
		return e.Status()
	}
	return status.Convert(err)
}

// ViolatedFields returns the fields ViolationsOf names, in order: what a
// caller needs to point at the input it must correct.
func ViolatedFields(err error) []string {
	var fields []string
	for _, v := range ViolationsOf(err) {
		fields = append(fields, v.Field)
	}
	return fields
}

// FromError maps any error to a status. It reports whether the error was
// unexpected (a bug or an outage), which callers log in full; the client then
// sees only a generic message.
func FromError(err error) (st *status.Status, unexpected bool) {
	if err == nil {
		return nil, false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status(), false
	}
	// Not status.FromError: for a wrapped status it replaces the message with
	// err.Error(), leaking the wrapping context to the client.
	var gs interface{ GRPCStatus() *status.Status }
	if errors.As(err, &gs) {
		switch s := gs.GRPCStatus(); s.Code() {
		case codes.OK, codes.Internal, codes.Unknown:
			// OK would turn a failure into a success with a nil response;
			// Internal and Unknown messages are ours to log, not to show.
			return internalError()
		default:
			return s, false
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return (&Error{Code: codes.DeadlineExceeded, Reason: ReasonDeadlineExceeded, Message: "deadline exceeded"}).Status(), false
	case errors.Is(err, context.Canceled):
		return (&Error{Code: codes.Canceled, Reason: ReasonCanceled, Message: "request canceled"}).Status(), false
	case errors.Is(err, pgx.ErrNoRows):
		return (&Error{Code: codes.NotFound, Reason: ReasonNotFound, Message: "resource not found"}).Status(), false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fromPostgres(pgErr)
	}
	return internalError()
}

// fromPostgres maps SQLSTATEs that a client's request can cause. Anything
// else is our bug or an outage.
func fromPostgres(pgErr *pgconn.PgError) (*status.Status, bool) {
	switch pgErr.Code {
	case "23505": // unique_violation
		return (&Error{Code: codes.AlreadyExists, Reason: ReasonAlreadyExists, Message: "a resource with these values already exists"}).Status(), false
	case "23P01": // exclusion_violation: an overlap, not a duplicate
		return (&Error{Code: codes.FailedPrecondition, Reason: ReasonOverlaps, Message: "overlaps an existing resource"}).Status(), false
	case "23503": // foreign_key_violation
		return (&Error{Code: codes.FailedPrecondition, Reason: ReasonFailedPrecondition, Message: "the resource is still referenced, or references something that does not exist"}).Status(), false
	case "23514": // check_violation
		return malformedValue()
	case "22021", "22P05": // NUL or an unencodable character in text or jsonb
		return (&Error{Code: codes.InvalidArgument, Reason: ReasonInvalidArgument, Message: "text contains a character that cannot be stored, such as NUL"}).Status(), false
	case "40001", "40P01": // serialization failure, deadlock
		return (&Error{Code: codes.Aborted, Reason: ReasonConflict, Message: "concurrent modification; retry"}).Status(), false
	case "57014": // query_canceled (statement timeout or cancel)
		return (&Error{Code: codes.DeadlineExceeded, Reason: ReasonDeadlineExceeded, Message: "the database took too long"}).Status(), false
	case "42501": // insufficient_privilege, e.g. an RLS WITH CHECK failure: our bug, never the client's
		return internalError()
	}
	if strings.HasPrefix(pgErr.Code, "22") { // data exception: a value the client sent
		return malformedValue()
	}
	if len(pgErr.Code) >= 2 && (pgErr.Code[:2] == "08" || pgErr.Code[:2] == "53" || pgErr.Code[:2] == "57") {
		return (&Error{Code: codes.Unavailable, Reason: ReasonUnavailable, Message: "the database is unavailable; retry"}).Status(), true
	}
	return internalError()
}

// internalError is what a client sees of anything unexpected: nothing.
func internalError() (*status.Status, bool) {
	return (&Error{Code: codes.Internal, Reason: ReasonInternal, Message: "internal error"}).Status(), true
}

// malformedValue answers a value PostgreSQL refused as out of range or malformed.
func malformedValue() (*status.Status, bool) {
	return (&Error{Code: codes.InvalidArgument, Reason: ReasonInvalidArgument, Message: "a value is out of range or malformed"}).Status(), false
}
