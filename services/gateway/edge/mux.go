package edge

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const (
	requestIDHeader = "X-Request-Id"
	requestIDKey    = "x-request-id" // gRPC metadata key
	maxRequestIDLen = 128
)

func (e *Edge) newServeMux() *runtime.ServeMux {
	codec := &jsonCodec{JSONPb: &runtime.JSONPb{
		// Spelled out because grpc-gateway's defaults differ: it emits
		// unpopulated fields and silently drops unknown ones, which hides a
		// client's typo.
		MarshalOptions: protojson.MarshalOptions{
			EmitUnpopulated: false,
			UseEnumNumbers:  false,
			UseProtoNames:   false,
		},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
	return runtime.NewServeMux(
		// HTTPBodyMarshaler lets GetAttachmentContent answer with the file's
		// own bytes and content type; everything else is JSON.
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.HTTPBodyMarshaler{Marshaler: codec}),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithMetadata(requestIDMetadata),
		// Backend metadata stays internal but a download's filename
		// (outgoingHeader); the request id goes back out, set by
		// forwardHeaders and writeError.
		runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithOutgoingTrailerMatcher(dropHeader),
		runtime.WithForwardResponseOption(forwardHeaders),
		runtime.WithErrorHandler(e.handleError),
		runtime.WithRoutingErrorHandler(e.handleRoutingError),
		runtime.WithMiddlewares(e.limitBody),
		// A public API answers one method per route; no POST-as-GET.
		runtime.WithDisablePathLengthFallback(),
		runtime.WithDisableHTTPMethodOverride(),
	)
}

// incomingHeader picks the HTTP headers that reach the services as gRPC
// metadata. Authorization is always forwarded as "authorization" by
// grpc-gateway itself, and the request id by requestIDMetadata, so both are
// left out here to avoid a second copy under another key; the API uses no
// cookies, so they stay at the edge. Nor may a client write backend metadata
// directly with grpc-gateway's Grpc-Metadata-* headers: a second
// x-request-id or authorization would be the service's to pick from.
func incomingHeader(key string) (string, bool) {
	k := textproto.CanonicalMIMEHeaderKey(key)
	switch {
	case k == "Authorization", k == "Cookie", k == requestIDHeader:
		return "", false
	case strings.HasPrefix(k, runtime.MetadataHeaderPrefix):
		return "", false
	}
	return runtime.DefaultHeaderMatcher(key)
}

func dropHeader(string) (string, bool) { return "", false }

func requestIDMetadata(ctx context.Context, _ *http.Request) metadata.MD {
	st := stateFrom(ctx)
	if st == nil {
		return nil
	}
	return metadata.Pairs(requestIDKey, st.id)
}

// forwardHeaders sets the headers of a successful API response. It prefers
// the request id the backend reports, if any, over the one ServeHTTP set.
func forwardHeaders(ctx context.Context, w http.ResponseWriter, _ proto.Message) error {
	setBackendRequestID(ctx, w)
	// Attachment content comes back with the uploader's content type; a
	// sandbox keeps an uploaded HTML file from running script on this origin,
	// where /docs keeps a token.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	return nil
}

func setBackendRequestID(ctx context.Context, w http.ResponseWriter) {
	md, ok := runtime.ServerMetadataFromContext(ctx)
	if !ok {
		return
	}
	if v := md.HeaderMD.Get(requestIDKey); len(v) > 0 && validRequestID(v[0]) {
		w.Header().Set(requestIDHeader, v[0])
	}
}

// requestID returns the client's request id when it is safe to log and
// forward, and a fresh random one otherwise.
func requestID(v string) string {
	if validRequestID(v) {
		return v
	}
	return rand.Text()
}

func validRequestID(v string) bool {
	if v == "" || len(v) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}

// requestState is what ServeHTTP knows about a request that the gateway's
// callbacks need later.
type requestState struct {
	id           string
	maxBodyBytes int64
	bodyTooLarge bool
}

type stateKey struct{}

func withState(ctx context.Context, st *requestState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

func requestIDFrom(ctx context.Context) string {
	if st := stateFrom(ctx); st != nil {
		return st.id
	}
	return ""
}

// limitedBody notes when the body limit was hit: the generated handlers turn
// every decode failure into a plain InvalidArgument, and the error handler
// needs to know it was the size to answer 413.
type limitedBody struct {
	io.ReadCloser
	state *requestState
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		b.state.bodyTooLarge = true
	}
	return n, err
}

// jsonCodec is runtime.JSONPb with stricter request decoding and error
// messages that say the body is at fault.
type jsonCodec struct {
	*runtime.JSONPb
}

func (c *jsonCodec) NewDecoder(r io.Reader) runtime.Decoder {
	d := c.JSONPb.NewDecoder(r).(runtime.DecoderWrapper)
	return runtime.DecoderFunc(func(v any) error {
		if err := d.Decode(v); err != nil {
			if errors.Is(err, io.EOF) {
				return err // an empty body; the generated handlers accept it
			}
			return fmt.Errorf("invalid JSON request body: %w", err)
		}
		// json.Decoder stops after the first value; a second one (or junk)
		// is as much a mistake as a syntax error.
		if _, err := d.Token(); !errors.Is(err, io.EOF) {
			return errors.New("invalid JSON request body: unexpected data after the JSON value")
		}
		return nil
	})
}
