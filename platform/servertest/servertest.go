// Package servertest runs one Steward service's real gRPC server for a test,
// the way its main does (grpcserver.Bootstrap: the whole interceptor chain,
// authentication, membership, permissions, validation), against a fresh
// database of its own (db/dbtest) on a random port, with an in-process
// identity provider whose signing key the test holds. It mints tokens for any
// user and role and for service identities, and creates the tenant, user and
// membership rows the test needs. Handler tests need no whole stack.
//
// It lives in platform, not beside the services, because platform packages
// test against it too (platform/rpcclient), and platform cannot import
// services. It imports no service: a service's test hands it the same
// registration function main uses (accounts.Services, or a closure over
// assets.Services), so it serves exactly what production serves. The model
// is riverqueue/river's setup(t), which returns the subject and a bundle:
//
//	func setup(t *testing.T) (accountsv1.TenantServiceClient, *servertest.Env) {
//		env := servertest.New(t)
//		conn := env.Serve(t, accounts.Services)
//		return accountsv1.NewTenantServiceClient(conn), env
//	}
//
//	client, env := setup(t)
//	home := env.Tenant(t, "household")
//	owner := env.User(t, home, "owner")
//	_, err := client.GetTenant(env.As(ctx, t, owner), &accountsv1.GetTenantRequest{Name: "tenants/" + home.String()})
//
// Several services may share one Env (Serve once per service): they then
// share the database and the issuer, as they do under `make run`.
package servertest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"steward.dev/db/dbtest"
	"steward.dev/platform/access"
	"steward.dev/platform/authn/authntest"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
)

// Audience is what the test issuer's tokens are for, and what servers expect.
const Audience = "steward"

// ServiceClient is the client-credentials client every Env registers as a
// Steward service (SERVICE_CLIENTS), with ServiceSecret as its secret.
const (
	ServiceClient = "steward-test-service"
	ServiceSecret = "test-service-secret"
)

// Env is one test's database and identity provider, and the servers started
// on them.
type Env struct {
	// DB is the test's own database.
	DB *dbtest.Database
	// Owner connects as the owner role, for fixtures and assertions. Forced
	// row-level security binds it too: write and read tenant rows with
	// dbtest.ExecAsTenant, AsTenant or QueryRowAsTenant.
	Owner *pgxpool.Pool
	// Issuer is the identity provider's URL (OIDC_ISSUER).
	Issuer string
	// Logger is what served services log to; discarded unless set before
	// Serve.
	Logger *slog.Logger

	key           authntest.Key
	tokenRequests atomic.Int64
}

// TokenRequests counts the requests the token endpoint has answered.
func (e *Env) TokenRequests() int64 { return e.tokenRequests.Load() }

// New creates a fresh database and starts an identity provider serving
// discovery, a JWKS and a client-credentials token endpoint for
// ServiceClient. Both go away when t ends.
func New(t testing.TB) *Env {
	t.Helper()
	d := dbtest.New(t)
	e := &Env{DB: d, Owner: d.OwnerPool(t), key: authntest.NewKey(t, "servertest"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(e.issuerHandler())
	t.Cleanup(srv.Close)
	e.Issuer = srv.URL
	return e
}

// Register builds a service's gRPC services on the runtime database, as main
// does (e.g. accounts.Services).
type Register func(db *tenantdb.DB) ([]grpcserver.Service, error)

// Serve starts the services register builds behind the real interceptor
// chain, on a random loopback port, and returns a client connection to them.
// The server stops when t ends.
func (e *Env) Serve(t testing.TB, register Register) *grpc.ClientConn {
	t.Helper()
	conn, _ := e.ServeAt(t, register)
	return conn
}

// ServeAt is Serve that also returns the server's address, for clients the
// test builds itself (platform/rpcclient).
func (e *Env) ServeAt(t testing.TB, register Register) (*grpc.ClientConn, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, closeDB, err := grpcserver.Bootstrap(ctx, grpcserver.BootstrapConfig{
		DatabaseURL: e.DB.AppURL, OIDCIssuer: e.Issuer, OIDCAudience: Audience,
		ServiceClients: []string{ServiceClient}, Logger: e.Logger,
	}, register)
	if err != nil {
		cancel()
		t.Fatalf("servertest: bootstrap: %v", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		closeDB()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, lis, time.Second) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		if err := <-served; err != nil {
			t.Errorf("servertest: serve: %v", err)
		}
		closeDB()
	})
	return conn, lis.Addr().String()
}

// Tenant creates a tenant of kind ("household" or "school").
func (e *Env) Tenant(t testing.TB, kind string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	dbtest.ExecAsTenant(t, e.Owner, id, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, $2, $3)", id, kind, "Test "+kind)
	return id
}

// User is a Steward account known to the test issuer.
type User struct {
	ID      uuid.UUID
	Subject string
}

// NewUser creates an account with no memberships.
func (e *Env) NewUser(t testing.TB) User {
	t.Helper()
	u := User{ID: uuid.New(), Subject: "user-" + uuid.NewString()}
	dbtest.ExecAsTenant(t, e.Owner, uuid.Nil, "INSERT INTO accounts.users (user_id, issuer, subject, email, display_name) VALUES ($1, $2, $3, $4, 'Test User')",
		u.ID, e.Issuer, u.Subject, u.Subject+"@example.test")
	return u
}

// User creates an account holding roles ("owner", "teacher", ...) in tenant.
func (e *Env) User(t testing.TB, tenant uuid.UUID, roles ...string) User {
	t.Helper()
	u := e.NewUser(t)
	e.Join(t, tenant, u, roles...)
	return u
}

// Join makes u a member of tenant with roles.
func (e *Env) Join(t testing.TB, tenant uuid.UUID, u User, roles ...string) {
	t.Helper()
	dbtest.ExecAsTenant(t, e.Owner, tenant, "INSERT INTO accounts.memberships (tenant_id, user_id, roles) VALUES ($1, $2, $3)", tenant, u.ID, roles)
}

// MemberSpec describes a membership for Member: its roles and, for a PARENT
// or STUDENT, the directory family and student it is tied to (uuid.Nil for
// none). The ids are opaque to accounts; scope.Tenant carries them.
type MemberSpec struct {
	Roles   []string
	Family  uuid.UUID
	Student uuid.UUID
}

// Member creates an account that is a member of tenant as spec says, e.g.
// env.Member(t, school, servertest.MemberSpec{Roles: []string{"parent"}, Family: family}).
func (e *Env) Member(t testing.TB, tenant uuid.UUID, spec MemberSpec) User {
	t.Helper()
	u := e.NewUser(t)
	dbtest.ExecAsTenant(t, e.Owner, tenant, "INSERT INTO accounts.memberships (tenant_id, user_id, roles, family_id, student_id) VALUES ($1, $2, $3, $4, $5)",
		tenant, u.ID, spec.Roles, nullUUID(spec.Family), nullUUID(spec.Student))
	return u
}

func nullUUID(id uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil} }

// Token mints an access token for subject, issued to clientID, valid for
// five minutes.
func (e *Env) Token(t testing.TB, subject, clientID string) string {
	t.Helper()
	raw, err := e.sign(subject, clientID)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// UserToken mints a token for u, as the public login client would get one.
func (e *Env) UserToken(t testing.TB, u User) string { return e.Token(t, u.Subject, "steward-cli") }

// ServiceToken mints a client-credentials token of ServiceClient.
func (e *Env) ServiceToken(t testing.TB) string { return e.Token(t, ServiceClient, ServiceClient) }

// As returns ctx calling as u.
func (e *Env) As(ctx context.Context, t testing.TB, u User) context.Context {
	t.Helper()
	return WithBearer(ctx, e.UserToken(t, u))
}

// AsService returns ctx calling as ServiceClient for tenant; uuid.Nil sends
// no tenant, which servers refuse.
func (e *Env) AsService(ctx context.Context, t testing.TB, tenant uuid.UUID) context.Context {
	t.Helper()
	ctx = WithBearer(ctx, e.ServiceToken(t))
	if tenant != uuid.Nil {
		ctx = metadata.AppendToOutgoingContext(ctx, access.TenantHeader, "tenants/"+tenant.String())
	}
	return ctx
}

// WithBearer returns ctx sending token as its authorization.
func WithBearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// TokenURL is the issuer's client-credentials token endpoint.
func (e *Env) TokenURL() string { return e.Issuer + "/token" }

type claims struct {
	jwt.Claims
	ClientID string `json:"client_id"`
}

func (e *Env) sign(subject, clientID string) (string, error) {
	now := time.Now()
	return e.key.Sign(claims{
		Claims: jwt.Claims{
			Issuer: e.Issuer, Subject: subject, Audience: jwt.Audience{Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute)), ID: uuid.NewString(),
		},
		ClientID: clientID,
	})
}

// issuerHandler serves discovery, the JWKS and client_credentials tokens for
// ServiceClient (client_secret_basic or client_secret_post). It counts
// token requests, so tests can tell whether a client caches its token.
func (e *Env) issuerHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer": e.Issuer, "jwks_uri": e.Issuer + "/jwks", "token_endpoint": e.TokenURL(),
			"grant_types_supported": []string{"client_credentials"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{e.key.Public()}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		e.tokenRequests.Add(1)
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if r.PostFormValue("grant_type") != "client_credentials" || id != ServiceClient || secret != ServiceSecret {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
			return
		}
		raw, err := e.sign(ServiceClient, ServiceClient)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": raw, "token_type": "Bearer", "expires_in": 300})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
