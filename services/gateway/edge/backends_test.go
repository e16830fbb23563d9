package edge_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/services/gateway/edge"
)

const testOpenAPI = `{"swagger":"2.0","info":{"title":"test","version":"1"},"paths":{}}`

// recorder keeps the metadata of the last call a test backend saw.
type recorder struct {
	mu sync.Mutex
	md metadata.MD
}

func (r *recorder) record(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.mu.Lock()
	r.md = md.Copy()
	r.mu.Unlock()
	// Echo the request id the way the services' logging interceptor does.
	if id := md.Get("x-request-id"); len(id) > 0 {
		_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-id", id[0]))
	}
}

func (r *recorder) last() metadata.MD {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.md
}

// tenantServer returns fixed tenants, and for some names the error a real
// service would return.
type tenantServer struct {
	accountsv1.UnimplementedTenantServiceServer
	recorder
}

func (s *tenantServer) ListTenants(ctx context.Context, _ *accountsv1.ListTenantsRequest) (*accountsv1.ListTenantsResponse, error) {
	s.record(ctx)
	return &accountsv1.ListTenantsResponse{Tenants: []*accountsv1.Tenant{
		{Name: "tenants/one", DisplayName: "The Smiths", Kind: accountsv1.Tenant_KIND_HOUSEHOLD, Roles: []typev1.Role{typev1.Role_ROLE_OWNER}},
		{Name: "tenants/two", DisplayName: "Allegro School", Kind: accountsv1.Tenant_KIND_SCHOOL},
	}}, nil
}

func (s *tenantServer) GetTenant(ctx context.Context, req *accountsv1.GetTenantRequest) (*accountsv1.Tenant, error) {
	s.record(ctx)
	switch req.GetName() {
	case "tenants/invalid":
		return nil, withDetails(codes.InvalidArgument, "invalid name: must be a tenant resource name",
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
				{Field: "name", Description: "must be a tenant resource name"},
			}},
			&errdetails.ErrorInfo{Reason: "INVALID_ARGUMENT", Domain: "steward.dev"})
	case "tenants/missing":
		return nil, withDetails(codes.NotFound, "tenants/missing not found",
			&errdetails.ErrorInfo{Reason: "RESOURCE_NOT_FOUND", Domain: "steward.dev", Metadata: map[string]string{"resource": "tenants/missing"}})
	case "tenants/unauthenticated":
		return nil, status.Error(codes.Unauthenticated, "missing bearer token")
	case "tenants/forbidden":
		return nil, status.Error(codes.PermissionDenied, "role ROLE_MEMBER may not do this")
	case "tenants/exists":
		return nil, status.Error(codes.AlreadyExists, "tenant exists")
	case "tenants/stale":
		return nil, withDetails(codes.Aborted, "etag does not match",
			&errdetails.ErrorInfo{Reason: "ETAG_MISMATCH", Domain: "steward.dev"})
	case "tenants/conflict":
		return nil, withDetails(codes.Aborted, "concurrent modification",
			&errdetails.ErrorInfo{Reason: "CONCURRENT_MODIFICATION", Domain: "steward.dev"})
	case "tenants/precondition":
		return nil, status.Error(codes.FailedPrecondition, "home still has assets")
	case "tenants/unavailable":
		return nil, status.Error(codes.Unavailable, "dial tcp 10.0.0.7:5432: connection refused")
	case "tenants/internal":
		return nil, status.Error(codes.Internal, "internal error")
	}
	return &accountsv1.Tenant{Name: req.GetName(), DisplayName: "The Smiths", Kind: accountsv1.Tenant_KIND_HOUSEHOLD}, nil
}

func withDetails(c codes.Code, msg string, details ...protoadapt.MessageV1) error {
	st := status.New(c, msg)
	st, err := st.WithDetails(details...)
	if err != nil {
		panic(err)
	}
	return st.Err()
}

// assetServer implements the home routes the tests drive.
type assetServer struct {
	assetsv1.UnimplementedAssetServiceServer
	recorder
}

func (s *assetServer) CreateHome(ctx context.Context, req *assetsv1.CreateHomeRequest) (*assetsv1.Home, error) {
	s.record(ctx)
	home := req.GetHome()
	home.Name = req.GetParent() + "/homes/h1"
	home.Etag = "v1"
	return home, nil
}

func (s *assetServer) CreateAttachment(ctx context.Context, req *assetsv1.CreateAttachmentRequest) (*assetsv1.Attachment, error) {
	s.record(ctx)
	a := req.GetAttachment()
	a.Name = req.GetParent() + "/attachments/a1"
	a.SizeBytes = int64(len(req.GetContent()))
	return a, nil
}

type backend struct {
	addr   string
	health *health.Server
	stop   func()
}

// startBackend serves the given services and the standard health service on
// a random loopback port.
func startBackend(t *testing.T, register func(*grpc.Server)) *backend {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Room for an 8 MiB attachment, as the real services have.
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(16 << 20))
	register(srv)
	hs := health.NewServer() // answers SERVING for "" until told otherwise
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return &backend{addr: lis.Addr().String(), health: hs, stop: srv.Stop}
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

type fixture struct {
	url      string
	tenants  *tenantServer
	assets   *assetServer
	accounts *backend
	assetsBE *backend
}

// newFixture starts both test backends and an Edge in front of them.
func newFixture(t *testing.T, tune func(*edge.Config)) *fixture {
	t.Helper()
	f := &fixture{tenants: &tenantServer{}, assets: &assetServer{}}
	f.accounts = startBackend(t, func(s *grpc.Server) { accountsv1.RegisterTenantServiceServer(s, f.tenants) })
	f.assetsBE = startBackend(t, func(s *grpc.Server) { assetsv1.RegisterAssetServiceServer(s, f.assets) })
	cfg := edge.Config{
		Backends: []edge.Backend{
			{Name: "accounts", Addr: f.accounts.addr},
			{Name: "assets", Addr: f.assetsBE.addr},
		},
		OpenAPI: []byte(testOpenAPI),
		Logger:  slog.New(slog.DiscardHandler),
	}
	if tune != nil {
		tune(&cfg)
	}
	f.url = serveEdge(t, cfg)
	return f
}

func serveEdge(t *testing.T, cfg edge.Config) string {
	t.Helper()
	e, err := edge.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("edge.New: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, url string, body io.Reader, header map[string]string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func get(t *testing.T, url string) response {
	t.Helper()
	return do(t, http.MethodGet, url, nil, nil)
}

func postJSON(t *testing.T, url, body string) response {
	t.Helper()
	return do(t, http.MethodPost, url, strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
}
