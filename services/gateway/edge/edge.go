// Package edge is Steward's JSON edge: a grpc-gateway mux that turns HTTP/JSON
// requests into gRPC calls on the services, plus /healthz, /openapi.json and
// /docs.
//
// The edge always dials the services over gRPC instead of registering the
// servers in-process, so every request goes through the services' interceptor
// chain (authentication, tenant scope, validation, authorization).
package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"steward.dev/services/catalog"
)

// Defaults used when the matching Config field is zero.
const (
	// DefaultMaxBodyBytes limits the body of every route whose RPC declares
	// no (steward.type.v1.max_request_body_bytes). The largest ordinary
	// request, a home or location with every field at its limit, is a few
	// KiB of JSON; 64 KiB leaves ample room for that while one request can
	// no longer make the edge buffer megabytes. RPCs that take more (an
	// asset's attribute map, an attachment's content) declare their own.
	DefaultMaxBodyBytes = 64 << 10
	// DefaultRequestTimeout bounds every call to a backend.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultHealthTimeout bounds the health probe of each backend.
	DefaultHealthTimeout = 2 * time.Second
)

// maxMsgSize is the largest gRPC message the edge sends or accepts; it is
// above the 8 MiB attachment limit so that the service, not the transport,
// reports an oversized attachment.
const maxMsgSize = 16 << 20

// Backend is one gRPC server the edge forwards to.
type Backend struct {
	// Name selects the routes of this backend: the Gateway handlers of the
	// service of that name in the services catalog.
	Name string
	// Addr is the gRPC target, e.g. "127.0.0.1:9100".
	Addr string
}

// Config configures an Edge.
type Config struct {
	// Backends to dial. Each name may appear once; a known backend that is
	// left out simply has no routes.
	Backends []Backend
	// OpenAPI is the merged OpenAPI (Swagger 2.0) document served at
	// /openapi.json and shown at /docs. Required.
	OpenAPI []byte
	// MaxBodyBytes limits the request bodies of routes whose RPC declares no
	// limit of its own; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RequestTimeout bounds each backend call; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// HealthTimeout bounds each backend's health probe; zero means
	// DefaultHealthTimeout.
	HealthTimeout time.Duration
	// Logger receives what the edge cannot tell the client, such as why a
	// backend was unreachable; nil means slog.Default().
	Logger *slog.Logger
}

// Edge is the HTTP handler of the JSON edge.
type Edge struct {
	mux            *runtime.ServeMux
	conns          []namedConn
	maxBodyBytes   int64
	routeLimits    routeLimits
	requestTimeout time.Duration
	healthTimeout  time.Duration
	openAPIFile    docFile
	logger         *slog.Logger
}

type namedConn struct {
	name string
	conn *grpc.ClientConn
}

// New dials every backend and registers its routes. Dialing is lazy, so New
// succeeds while a backend is still starting; /healthz tells when it is up.
func New(ctx context.Context, cfg Config) (*Edge, error) {
	doc, err := prepareOpenAPI(cfg.OpenAPI)
	if err != nil {
		return nil, err
	}
	limits, err := declaredBodyLimits()
	if err != nil {
		return nil, err
	}
	e := &Edge{
		maxBodyBytes:   orDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		routeLimits:    limits,
		requestTimeout: orDefault(cfg.RequestTimeout, DefaultRequestTimeout),
		healthTimeout:  orDefault(cfg.HealthTimeout, DefaultHealthTimeout),
		openAPIFile:    doc,
		logger:         cfg.Logger,
	}
	if e.logger == nil {
		e.logger = slog.Default()
	}
	e.mux = e.newServeMux()

	seen := map[string]bool{}
	for _, b := range cfg.Backends {
		if err := e.addBackend(ctx, b, seen); err != nil {
			e.Close()
			return nil, err
		}
	}
	if err := e.registerOwnRoutes(); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// addBackend dials b and registers the routes of the services it serves.
func (e *Edge) addBackend(ctx context.Context, b Backend, seen map[string]bool) error {
	svc, ok := catalog.Lookup(b.Name)
	switch {
	case !ok || len(svc.Gateway) == 0:
		return fmt.Errorf("edge: unknown backend %q", b.Name)
	case seen[b.Name]:
		return fmt.Errorf("edge: backend %q listed twice", b.Name)
	case b.Addr == "":
		return fmt.Errorf("edge: backend %q has no address", b.Name)
	}
	seen[b.Name] = true

	conn, err := dial(b.Addr)
	if err != nil {
		return fmt.Errorf("edge: dialing backend %q at %s: %w", b.Name, b.Addr, err)
	}
	e.conns = append(e.conns, namedConn{name: b.Name, conn: conn})
	for _, register := range svc.Gateway {
		if err := register(ctx, e.mux, conn); err != nil {
			return fmt.Errorf("edge: registering backend %q: %w", b.Name, err)
		}
	}
	return nil
}

func orDefault[T ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr,
		// The services listen on loopback or a private network next to the
		// edge; TLS ends in front of the edge.
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(maxMsgSize),
			grpc.MaxCallSendMsgSize(maxMsgSize),
		),
		// Catches a backend that vanished without closing the connection.
		// Pings go out only while calls are in flight and nothing arrived for
		// 30s; calls end within the request timeout, so grpc-go's default
		// server enforcement (two early pings tolerated) is not tripped.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time:    30 * time.Second,
			Timeout: 10 * time.Second,
		}),
	)
}

func (e *Edge) registerOwnRoutes() error {
	routes := []struct {
		path string
		h    runtime.HandlerFunc
	}{
		{"/healthz", e.serveHealth},
		{"/openapi.json", e.serveOpenAPI},
		{"/docs", e.serveDocsIndex},
		{"/docs/{file}", e.serveDocsFile},
	}
	for _, r := range routes {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			if err := e.mux.HandlePath(method, r.path, r.h); err != nil {
				return fmt.Errorf("edge: route %s %s: %w", method, r.path, err)
			}
		}
	}
	return e.registerStripeWebhook()
}

// ServeHTTP serves one request: it fixes the request id and the time spent
// on backends, and hands the request to the gateway mux.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := requestID(r.Header.Get(requestIDHeader))
	w.Header().Set(requestIDHeader, id)
	w.Header().Set("X-Content-Type-Options", "nosniff")

	st := &requestState{id: id, maxBodyBytes: e.maxBodyBytes}
	ctx, cancel := context.WithTimeout(withState(r.Context(), st), e.requestTimeout)
	defer cancel()
	r = r.WithContext(ctx)

	if field, ok := urlIsUTF8(r.URL); !ok {
		// Proto strings must be UTF-8: let through, such a value would fail
		// in the gateway's own client and surface as an internal error.
		e.writeError(ctx, w, r, status.Errorf(codes.InvalidArgument, "%s is not valid UTF-8 once percent-decoded", field))
		return
	}
	// The body limit depends on the route, so limitBody applies it once the
	// mux has matched one.
	e.mux.ServeHTTP(w, r)
}

// urlIsUTF8 reports whether the decoded path and every query key and value
// are valid UTF-8, and if not, which part is not.
func urlIsUTF8(u *url.URL) (string, bool) {
	if !utf8.ValidString(u.Path) {
		return "the path", false
	}
	q, _ := url.ParseQuery(u.RawQuery) // malformed escapes are the mux's to report
	for k, vs := range q {
		if !utf8.ValidString(k) {
			return "a query parameter name", false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return fmt.Sprintf("query parameter %q", k), false
			}
		}
	}
	return "", true
}

// Close closes the backend connections.
func (e *Edge) Close() error {
	var errs []error
	for _, c := range e.conns {
		if err := c.conn.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing backend %q: %w", c.name, err))
		}
	}
	e.conns = nil
	return errors.Join(errs...)
}
