package rpcclient_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"steward.dev/db/dbtest"
	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/access"
	"steward.dev/platform/apierror"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/rpcclient"
	"steward.dev/platform/scope"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// seen is what a downstream handler saw of one call, after the real
// interceptor chain let it through.
type seen struct {
	caller    scope.Caller
	tenant    scope.Tenant
	requestID string
	deadline  time.Duration // left when the handler ran
}

type recorder struct {
	mu   sync.Mutex
	last seen
	n    int
}

func (r *recorder) record(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	r.last = seen{}
	r.last.caller, _ = scope.CallerFrom(ctx)
	r.last.tenant, _ = scope.TenantFrom(ctx)
	r.last.requestID, _ = scope.RequestIDFrom(ctx)
	if d, ok := ctx.Deadline(); ok {
		r.last.deadline = time.Until(d)
	}
}

func (r *recorder) get(t *testing.T) seen {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		t.Fatal("the downstream handler was never reached")
	}
	r.n = 0
	return r.last
}

// downstream answers with the real contracts of the tenant directory and
// Asset Management, recording each call that reaches a handler.
type downstreamTenants struct {
	accountsv1.UnimplementedTenantServiceServer
	rec *recorder
}

func (d downstreamTenants) GetTenant(ctx context.Context, req *accountsv1.GetTenantRequest) (*accountsv1.Tenant, error) {
	d.rec.record(ctx)
	return &accountsv1.Tenant{Name: req.GetName()}, nil
}

func (d downstreamTenants) ListTenants(ctx context.Context, _ *accountsv1.ListTenantsRequest) (*accountsv1.ListTenantsResponse, error) {
	d.rec.record(ctx)
	return &accountsv1.ListTenantsResponse{}, nil
}

type downstreamAssets struct {
	assetsv1.UnimplementedAssetServiceServer
	rec *recorder
}

func (d downstreamAssets) GetHome(ctx context.Context, req *assetsv1.GetHomeRequest) (*assetsv1.Home, error) {
	d.rec.record(ctx)
	return &assetsv1.Home{Name: req.GetName()}, nil
}

func (d downstreamAssets) CreateHome(ctx context.Context, req *assetsv1.CreateHomeRequest) (*assetsv1.Home, error) {
	d.rec.record(ctx)
	return &assetsv1.Home{Name: req.GetParent() + "/homes/new"}, nil
}

// upstream is a service that calls downstream while serving its callers.
type upstream struct {
	assetsv1.UnimplementedAssetServiceServer
	tenants     accountsv1.TenantServiceClient
	assets      assetsv1.AssetServiceClient
	otherTenant uuid.UUID
}

// GetHome reads the tenant of the home it is asked for, downstream.
func (u upstream) GetHome(ctx context.Context, req *assetsv1.GetHomeRequest) (*assetsv1.Home, error) {
	tenant, _, _ := strings.Cut(strings.TrimPrefix(req.GetName(), "tenants/"), "/")
	if _, err := u.tenants.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: "tenants/" + tenant}); err != nil {
		return nil, err
	}
	return &assetsv1.Home{Name: req.GetName()}, nil
}

// GetAsset stands for a buggy upstream reaching into another tenant than the
// one its caller is scoped to.
func (u upstream) GetAsset(ctx context.Context, req *assetsv1.GetAssetRequest) (*assetsv1.Asset, error) {
	if _, err := u.tenants.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: "tenants/" + u.otherTenant.String()}); err != nil {
		return nil, err
	}
	return &assetsv1.Asset{Name: req.GetName()}, nil
}

// ListHomes writes downstream on its caller's behalf.
func (u upstream) ListHomes(ctx context.Context, req *assetsv1.ListHomesRequest) (*assetsv1.ListHomesResponse, error) {
	if _, err := u.assets.CreateHome(ctx, validCreateHome(req.GetParent())); err != nil {
		return nil, err
	}
	return &assetsv1.ListHomesResponse{}, nil
}

func validCreateHome(parent string) *assetsv1.CreateHomeRequest {
	return &assetsv1.CreateHomeRequest{Parent: parent, Home: &assetsv1.Home{
		DisplayName: "Flat", TimeZone: "Europe/London",
		Address: &assetsv1.PostalAddress{AddressLines: []string{"1 Quay Street"}, Locality: "Bristol", PostalCode: "BS1 4DJ", RegionCode: "GB"},
	}}
}

type fixture struct {
	env        *servertest.Env
	rec        *recorder
	household  uuid.UUID
	homeID     uuid.UUID
	other      uuid.UUID
	owner      servertest.User
	member     servertest.User
	upstream   assetsv1.AssetServiceClient
	downTenant accountsv1.TenantServiceClient
	downAssets assetsv1.AssetServiceClient
	// job dials downstream with the service's own identity.
	jobTenants accountsv1.TenantServiceClient
	jobAssets  assetsv1.AssetServiceClient
}

func setup(t *testing.T) *fixture {
	t.Helper()
	env := servertest.New(t)
	f := &fixture{env: env, rec: &recorder{}, homeID: uuid.New()}
	f.household, f.other = env.Tenant(t, "household"), env.Tenant(t, "household")
	f.owner, f.member = env.User(t, f.household, "owner"), env.User(t, f.household, "member")

	downConn, downAddr := env.ServeAt(t, func(*tenantdb.DB) ([]grpcserver.Service, error) {
		return []grpcserver.Service{
			{Desc: &accountsv1.TenantService_ServiceDesc, Impl: downstreamTenants{rec: f.rec}},
			{Desc: &assetsv1.AssetService_ServiceDesc, Impl: downstreamAssets{rec: f.rec}},
		}, nil
	})
	f.downTenant, f.downAssets = accountsv1.NewTenantServiceClient(downConn), assetsv1.NewAssetServiceClient(downConn)

	identity := rpcclient.NewServiceIdentity(rpcclient.ClientCredentials{
		TokenURL: env.TokenURL(), ClientID: servertest.ServiceClient, ClientSecret: servertest.ServiceSecret,
	})
	conn, err := rpcclient.Dial(downAddr, rpcclient.Options{Identity: identity})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	f.jobTenants, f.jobAssets = accountsv1.NewTenantServiceClient(conn), assetsv1.NewAssetServiceClient(conn)

	upConn := env.Serve(t, func(*tenantdb.DB) ([]grpcserver.Service, error) {
		return []grpcserver.Service{{Desc: &assetsv1.AssetService_ServiceDesc, Impl: upstream{
			tenants: f.jobTenants, assets: f.jobAssets, otherTenant: f.other,
		}}}, nil
	})
	f.upstream = assetsv1.NewAssetServiceClient(upConn)
	return f
}

// home names a home in the household; the fakes downstream need no row.
func (f *fixture) home() string {
	return "tenants/" + f.household.String() + "/homes/" + f.homeID.String()
}

func ctxWithTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestRelayCarriesTheCallersCredentials: a call made while serving a user
// reaches the downstream as that user, and the downstream checks scope and
// permission again, exactly as for a partner calling it directly.
func TestRelayCarriesTheCallersCredentials(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := f.env.As(ctxWithTimeout(t, 30*time.Second), t, f.owner)
	if _, err := f.upstream.GetHome(ctx, &assetsv1.GetHomeRequest{Name: f.home()}); err != nil {
		t.Fatal(err)
	}
	got := f.rec.get(t)
	if got.caller.Kind != scope.KindUser || got.caller.UserID != f.owner.ID || got.tenant.TenantID != f.household {
		t.Errorf("downstream saw %+v in %s; want the owner %s in %s", got.caller, got.tenant.TenantID, f.owner.ID, f.household)
	}

	// The downstream refuses what the user may not do there: a MEMBER's
	// relayed write, and a read of a tenant the user is not a member of.
	_, err := f.upstream.ListHomes(f.env.As(ctxWithTimeout(t, 30*time.Second), t, f.member), &assetsv1.ListHomesRequest{Parent: "tenants/" + f.household.String()})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("a MEMBER's write relayed downstream: %v; want PERMISSION_DENIED", err)
	}
	_, err = f.upstream.GetAsset(f.env.As(ctxWithTimeout(t, 30*time.Second), t, f.owner), &assetsv1.GetAssetRequest{Name: f.home() + "/assets/" + uuid.NewString()})
	if status.Code(err) != codes.NotFound {
		t.Errorf("a relayed read of another tenant: %v; want NOT_FOUND", err)
	}
	// The OWNER's relayed write goes through.
	if _, err := f.upstream.ListHomes(f.env.As(ctxWithTimeout(t, 30*time.Second), t, f.owner), &assetsv1.ListHomesRequest{Parent: "tenants/" + f.household.String()}); err != nil {
		t.Errorf("an OWNER's write relayed downstream: %v", err)
	}
	if got := f.rec.get(t); got.caller.UserID != f.owner.ID {
		t.Errorf("the relayed write ran as %+v", got.caller)
	}

	// A service principal's call is relayed with its tenant.
	svc := f.env.AsService(ctxWithTimeout(t, 30*time.Second), t, f.household)
	if _, err := f.upstream.GetHome(svc, &assetsv1.GetHomeRequest{Name: f.home()}); err != nil {
		t.Fatal(err)
	}
	if got := f.rec.get(t); !got.caller.IsService() || got.tenant.TenantID != f.household {
		t.Errorf("a service's relayed call reached the downstream as %+v in %s", got.caller, got.tenant.TenantID)
	}
	if n := f.env.TokenRequests(); n != 0 {
		t.Errorf("relaying fetched %d service tokens; it must use the caller's", n)
	}
}

// TestServiceIdentityWithoutTenantIsRefused: a background job's call that
// names no tenant is refused before any handler, on every RPC.
func TestServiceIdentityWithoutTenantIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := ctxWithTimeout(t, 30*time.Second)
	for name, call := range map[string]func() error{
		"GetTenant": func() error {
			_, err := f.jobTenants.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: "tenants/" + f.household.String()})
			return err
		},
		"ListTenants (not tenant-scoped)": func() error {
			_, err := f.jobTenants.ListTenants(ctx, &accountsv1.ListTenantsRequest{})
			return err
		},
	} {
		err := call()
		if status.Code(err) != codes.PermissionDenied || apierror.ReasonOf(err) != apierror.ReasonServiceTenantRequired {
			t.Errorf("%s without a tenant: %v (reason %q); want PERMISSION_DENIED %s", name, err, apierror.ReasonOf(err), apierror.ReasonServiceTenantRequired)
		}
	}
	// A tenant header that is not exactly tenants/{uuid} is no tenant.
	for _, header := range []string{f.household.String(), "tenants/" + f.household.String() + "/homes/h1", "tenants/" + strings.ToUpper(f.household.String())} {
		bad := metadata.AppendToOutgoingContext(servertest.WithBearer(ctx, f.env.ServiceToken(t)), access.TenantHeader, header)
		_, err := f.downTenant.GetTenant(bad, &accountsv1.GetTenantRequest{Name: "tenants/" + f.household.String()})
		if status.Code(err) != codes.PermissionDenied || apierror.ReasonOf(err) != apierror.ReasonServiceTenantRequired {
			t.Errorf("tenant header %q: %v; want PERMISSION_DENIED %s", header, err, apierror.ReasonServiceTenantRequired)
		}
	}
	if f.rec.n != 0 {
		t.Errorf("%d refused calls reached a handler", f.rec.n)
	}
}

// TestServiceIdentityOutsideItsGrantsIsRefused: with its tenant named, a
// service may call what services are granted (tenants.read, assets.read) in
// that tenant only, and nothing else.
func TestServiceIdentityOutsideItsGrantsIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	job := rpcclient.ForTenant(ctxWithTimeout(t, 30*time.Second), f.household)
	if _, err := f.jobTenants.GetTenant(job, &accountsv1.GetTenantRequest{Name: "tenants/" + f.household.String()}); err != nil {
		t.Errorf("GetTenant (tenants.read, granted): %v", err)
	}
	got := f.rec.get(t)
	if !got.caller.IsService() || got.caller.ClientID != servertest.ServiceClient || got.caller.UserID != uuid.Nil ||
		got.tenant.TenantID != f.household || got.tenant.Kind != "household" || len(got.tenant.Roles) != 0 {
		t.Errorf("downstream saw %+v in %+v; want the service, the household, no roles", got.caller, got.tenant)
	}
	if _, err := f.jobAssets.GetHome(job, &assetsv1.GetHomeRequest{Name: f.home()}); err != nil {
		t.Errorf("GetHome (assets.read, granted): %v", err)
	}
	f.rec.get(t)

	_, err := f.jobAssets.CreateHome(job, validCreateHome("tenants/"+f.household.String()))
	if status.Code(err) != codes.PermissionDenied || apierror.ReasonOf(err) != "PERMISSION_DENIED" {
		t.Errorf("CreateHome (assets.write, not granted): %v; want PERMISSION_DENIED", err)
	}
	// Another tenant than the one named is NOT_FOUND, like a non-member's;
	// so is a tenant that does not exist.
	_, err = f.jobTenants.GetTenant(job, &accountsv1.GetTenantRequest{Name: "tenants/" + f.other.String()})
	if status.Code(err) != codes.NotFound {
		t.Errorf("GetTenant of another tenant than the header's: %v; want NOT_FOUND", err)
	}
	ghost := uuid.New()
	_, err = f.jobTenants.GetTenant(rpcclient.ForTenant(job, ghost), &accountsv1.GetTenantRequest{Name: "tenants/" + ghost.String()})
	if status.Code(err) != codes.NotFound {
		t.Errorf("GetTenant of a tenant that does not exist: %v; want NOT_FOUND", err)
	}
	if f.rec.n != 0 {
		t.Errorf("%d refused calls reached a handler", f.rec.n)
	}
	if n := f.env.TokenRequests(); n != 1 {
		t.Errorf("the job fetched %d tokens for five calls; want one, reused", n)
	}
}

// TestDeadlineAndRequestIDPropagate: the downstream works under the
// caller's deadline, not a fresh default, and logs the caller's request id.
func TestDeadlineAndRequestIDPropagate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const budget = 7 * time.Second // under the servers' 10s default, so a fresh default would show
	ctx := metadata.AppendToOutgoingContext(f.env.As(ctxWithTimeout(t, budget), t, f.owner), "x-request-id", "relay-req-42")
	var header metadata.MD
	if _, err := f.upstream.GetHome(ctx, &assetsv1.GetHomeRequest{Name: f.home()}, grpc.Header(&header)); err != nil {
		t.Fatal(err)
	}
	got := f.rec.get(t)
	if got.requestID != "relay-req-42" || strings.Join(header.Get("x-request-id"), ",") != "relay-req-42" {
		t.Errorf("request id downstream %q, upstream echoed %q; want relay-req-42 for both", got.requestID, header.Get("x-request-id"))
	}
	if got.deadline <= 0 || got.deadline > budget {
		t.Errorf("downstream had %v left; want at most the caller's %v", got.deadline, budget)
	}

	// A job's deadline travels too; with no request being served there is
	// no id to pass on, so the downstream assigns its own.
	job := rpcclient.ForTenant(ctxWithTimeout(t, budget), f.household)
	if _, err := f.jobTenants.GetTenant(job, &accountsv1.GetTenantRequest{Name: "tenants/" + f.household.String()}); err != nil {
		t.Fatal(err)
	}
	got = f.rec.get(t)
	if got.deadline <= 0 || got.deadline > budget {
		t.Errorf("job call downstream had %v left; want at most %v", got.deadline, budget)
	}
	if _, err := uuid.Parse(got.requestID); err != nil {
		t.Errorf("job call request id %q; want one the downstream assigned", got.requestID)
	}
}

// TestServiceWithAUsersSubjectIsStillAService: a client-credentials token
// whose subject is a real user's subject acts as the service, never as the
// user: no roles, only the services' grants, and a tenant it must name.
func TestServiceWithAUsersSubjectIsStillAService(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := servertest.WithBearer(ctxWithTimeout(t, 30*time.Second), f.env.Token(t, f.owner.Subject, servertest.ServiceClient))
	_, err := f.downTenant.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: "tenants/" + f.household.String()})
	if status.Code(err) != codes.PermissionDenied || apierror.ReasonOf(err) != apierror.ReasonServiceTenantRequired {
		t.Errorf("without a tenant: %v; want PERMISSION_DENIED %s, as for any service", err, apierror.ReasonServiceTenantRequired)
	}
	withTenant := metadata.AppendToOutgoingContext(ctx, access.TenantHeader, "tenants/"+f.household.String())
	_, err = f.downAssets.CreateHome(withTenant, validCreateHome("tenants/"+f.household.String()))
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("CreateHome, which the owner whose subject it carries may call: %v; want PERMISSION_DENIED", err)
	}
	if _, err := f.downTenant.GetTenant(withTenant, &accountsv1.GetTenantRequest{Name: "tenants/" + f.household.String()}); err != nil {
		t.Fatal(err)
	}
	if got := f.rec.get(t); !got.caller.IsService() || got.caller.UserID != uuid.Nil || len(got.tenant.Roles) != 0 {
		t.Errorf("downstream saw %+v with roles %v; want a service without account or roles", got.caller, got.tenant.Roles)
	}
}

func TestCallsWithoutCredentialsAreNotSent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	relayOnly, err := rpcclient.Dial("127.0.0.1:1", rpcclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = relayOnly.Close() })
	ctx := ctxWithTimeout(t, 30*time.Second)
	_, err = accountsv1.NewTenantServiceClient(relayOnly).ListTenants(ctx, &accountsv1.ListTenantsRequest{})
	if !errors.Is(err, rpcclient.ErrNoCredentials) {
		t.Errorf("a job call on a relay-only connection: %v; want ErrNoCredentials", err)
	}
	serving := scope.WithCaller(rpcclient.ForTenant(ctx, f.household), scope.Caller{Kind: scope.KindUser})
	if _, err := f.jobTenants.ListTenants(serving, &accountsv1.ListTenantsRequest{}); !errors.Is(err, rpcclient.ErrRelayAndJob) {
		t.Errorf("ForTenant while serving a request: %v; want ErrRelayAndJob", err)
	}
	if _, err := f.jobTenants.ListTenants(scope.WithCaller(ctx, scope.Caller{Kind: scope.KindUser}), &accountsv1.ListTenantsRequest{}); !errors.Is(err, rpcclient.ErrNoRelayToken) {
		t.Errorf("serving a request without a token: %v; want ErrNoRelayToken", err)
	}
}
