package edge

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
)

// errorBody is the JSON of every error the edge returns. It is
// google.rpc.Status plus the code's name, so a client can switch on either.
type errorBody struct {
	Code    int32             `json:"code"`
	Status  string            `json:"status"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details"`
}

// handleError is the mux's error handler: it writes errors from the
// backends, from decoding the request and from routing.
func (e *Edge) handleError(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	e.writeError(ctx, w, r, err)
}

// handleRoutingError answers requests no route matched.
func (e *Edge) handleRoutingError(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	var err error
	switch httpStatus {
	case http.StatusNotFound:
		err = status.Errorf(codes.NotFound, "no route for %s", r.URL.Path)
	case http.StatusMethodNotAllowed:
		err = status.Errorf(codes.Unimplemented, "method %s is not allowed on %s", r.Method, r.URL.Path)
	case http.StatusBadRequest:
		err = status.Errorf(codes.InvalidArgument, "malformed request path %q", r.URL.Path)
	default:
		err = status.Error(codes.Internal, "routing error")
	}
	e.writeError(ctx, w, r, &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: err})
}

func tooLargeError(limit int64) error {
	return status.Errorf(codes.InvalidArgument, "request body is larger than %d bytes, the most this route accepts", limit)
}

func (e *Edge) writeError(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	httpStatus := 0
	if hse, ok := errors.AsType[*runtime.HTTPStatusError](err); ok {
		httpStatus, err = hse.HTTPStatus, hse.Err
	}

	st, isStatus := status.FromError(err)
	switch {
	case !isStatus && httpStatus >= 400 && httpStatus < 500:
		// Routing rejected the request (e.g. a bad escape in the path).
		st = status.New(codes.InvalidArgument, err.Error())
	case !isStatus:
		// Not from a backend and not the client's fault: keep the cause in
		// the log, not in the response.
		e.logger.ErrorContext(ctx, "edge: unexpected error", "err", err, "path", r.URL.Path, "request_id", requestIDFrom(ctx))
		st = status.New(codes.Internal, "internal error")
	case st.Code() == codes.Unavailable && len(st.Proto().GetDetails()) == 0:
		// Most likely the transport failing to reach a backend; its message
		// names internal addresses.
		e.logger.WarnContext(ctx, "edge: backend unavailable", "err", err, "path", r.URL.Path, "request_id", requestIDFrom(ctx))
		st = status.New(codes.Unavailable, "the service is temporarily unavailable; retry later")
	}

	if rs := stateFrom(ctx); rs != nil && rs.bodyTooLarge && st.Code() == codes.InvalidArgument {
		httpStatus = http.StatusRequestEntityTooLarge
		st = status.Convert(tooLargeError(rs.maxBodyBytes))
	}
	if httpStatus == 0 {
		httpStatus = httpStatusFor(st)
	}

	body := errorBody{
		Code:    int32(st.Code()),
		Status:  code.Code(st.Code()).String(),
		Message: st.Message(),
		Details: renderDetails(st),
	}
	buf, merr := json.Marshal(body)
	if merr != nil {
		e.logger.ErrorContext(ctx, "edge: marshaling error body", "err", merr)
		buf = []byte(`{"code":13,"status":"INTERNAL","message":"internal error","details":[]}`)
		httpStatus = http.StatusInternalServerError
	}

	setBackendRequestID(ctx, w)
	h := w.Header()
	h.Del("Trailer")
	h.Del("Transfer-Encoding")
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if st.Code() == codes.Unauthenticated {
		h.Set("WWW-Authenticate", "Bearer")
	}
	w.WriteHeader(httpStatus)
	_, _ = w.Write(buf)
}

// httpStatusFor is grpc-gateway's mapping, except that an ETag mismatch is
// 412 Precondition Failed as HTTP clients expect (AIP-154), not 409, and a
// FAILED_PRECONDITION whose reason declares an HTTP status in the contract
// ((steward.type.v1.http_status), e.g. a booking refused by the school's
// rules) answers that one.
func httpStatusFor(st *status.Status) int {
	reason := apierror.ReasonOf(st.Err())
	if st.Code() == codes.Aborted && reason == apierror.ReasonEtagMismatch {
		return http.StatusPreconditionFailed
	}
	if s, ok := declaredHTTPStatus()[reason]; ok && st.Code() == codes.FailedPrecondition {
		return s
	}
	return runtime.HTTPStatusFromCode(st.Code())
}

// declaredHTTPStatus maps wire reasons to the HTTP status their ErrorReason
// value declares, read once from every linked Steward contract.
var declaredHTTPStatus = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		ed := fd.Enums().ByName("ErrorReason")
		if ed == nil || !strings.HasPrefix(string(fd.Package()), "steward.") {
			return true
		}
		for i := range ed.Values().Len() {
			v := ed.Values().Get(i)
			if s := proto.GetExtension(v.Options(), typev1.E_HttpStatus).(int32); s != 0 {
				m[strings.TrimPrefix(string(v.Name()), "ERROR_REASON_")] = int(s)
			}
		}
		return true
	})
	return m
})

// renderDetails renders the google.rpc details with protojson, so they read
// as they do in every Google-style API: "@type", "fieldViolations", ...
func renderDetails(st *status.Status) []json.RawMessage {
	details := st.Proto().GetDetails()
	out := make([]json.RawMessage, 0, len(details))
	for _, a := range details {
		b, err := protojson.Marshal(a)
		if err != nil {
			// A detail type this binary does not know: still say what it was.
			b, _ = json.Marshal(map[string]string{"@type": a.GetTypeUrl()})
		}
		out = append(out, b)
	}
	return out
}
