package e2e_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	platformcatalog "steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/services/catalog"
	"steward.dev/services/gateway/edge"
	"steward.dev/services/issuer/idp"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// stack is one running Steward, shared by the tests of this package. Tests
// that write create their own homes, so they never disturb each other.
type stack struct {
	db         *dbtest.Database
	issuerURL  string
	gatewayURL string
	signingKey *ecdsa.PrivateKey
	accounts   accountsv1.TenantServiceClient
	assets     assetsv1.AssetServiceClient
	summary    seed.Summary

	mu     sync.Mutex
	tokens map[string]string
}

var (
	stackOnce sync.Once
	shared    *stack
	stackErr  error
)

func startStack(t *testing.T) *stack {
	t.Helper()
	stackOnce.Do(func() {
		stackErr = errors.New("the test that started the stack failed first") // if newStack never returns
		shared, stackErr = newStack(t)
	})
	if stackErr != nil {
		t.Fatalf("start stack: %v", stackErr)
	}
	return shared
}

func newStack(t *testing.T) (*stack, error) {
	ctx := context.Background() // lives as long as the test binary
	d := dbtest.New(t)
	s := &stack{db: d, tokens: map[string]string{}}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The issuer first: the seeder records its URL as every user's issuer.
	issuerLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.issuerURL = "http://" + issuerLis.Addr().String()
	if s.summary, err = seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: s.issuerURL}); err != nil {
		return nil, err
	}
	appPool, err := pgxpool.New(ctx, d.AppURL)
	if err != nil {
		return nil, err
	}
	if s.signingKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	issuer, err := idp.New(idp.Config{
		Issuer: s.issuerURL, Audience: "steward", Users: idp.NewPostgresStore(appPool), Key: s.signingKey,
		Clients: []idp.Client{{ID: "steward-cli", GrantTypes: []string{idp.GrantPassword}}},
	})
	if err != nil {
		return nil, err
	}
	go func() { _ = http.Serve(issuerLis, issuer) }()

	// Every gRPC service of the catalog, in dependency order, each told the
	// addresses of those it dials.
	boot := grpcserver.BootstrapConfig{DatabaseURL: d.AppURL, OIDCIssuer: s.issuerURL, OIDCAudience: "steward", Logger: logger}
	dataDir, err := os.MkdirTemp("", "stw-data-")
	if err != nil {
		return nil, err
	}
	addrs, err := platformcatalog.ServeAll(catalog.Services(), platformcatalog.Env{Logger: logger, DataDir: dataDir},
		func(_ platformcatalog.Service, register platformcatalog.Registrar) (string, error) {
			return serve(ctx, boot, register)
		})
	if err != nil {
		return nil, err
	}
	var backends []edge.Backend
	for _, svc := range catalog.GRPCServices() {
		if len(svc.Gateway) > 0 {
			backends = append(backends, edge.Backend{Name: svc.Name, Addr: addrs[svc.Name]})
		}
	}
	openapi, err := os.ReadFile("../../gen/openapi/steward.swagger.json")
	if err != nil {
		return nil, err
	}
	gw, err := edge.New(ctx, edge.Config{Backends: backends, OpenAPI: openapi})
	if err != nil {
		return nil, err
	}
	s.gatewayURL = httptest.NewServer(gw).URL

	accountsConn, err := grpc.NewClient(addrs["accounts"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	assetsConn, err := grpc.NewClient(addrs["assets"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	s.accounts = accountsv1.NewTenantServiceClient(accountsConn)
	s.assets = assetsv1.NewAssetServiceClient(assetsConn)
	return s, nil
}

func serve(ctx context.Context, cfg grpcserver.BootstrapConfig, register platformcatalog.Registrar) (string, error) {
	srv, _, err := grpcserver.Bootstrap(ctx, cfg, register)
	if err != nil {
		return "", err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = srv.Serve(ctx, lis, time.Second) }()
	return lis.Addr().String(), nil
}

// token logs in with the password grant, once per user.
func (s *stack) token(t *testing.T, email string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok, ok := s.tokens[email]; ok {
		return tok
	}
	resp, err := http.PostForm(s.issuerURL+"/token", url.Values{
		"grant_type": {"password"}, "client_id": {"steward-cli"}, "username": {email}, "password": {seed.Password},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("login %s: status %d, %v", email, resp.StatusCode, err)
	}
	s.tokens[email] = body.AccessToken
	return body.AccessToken
}

// as returns a context that calls as the user.
func (s *stack) as(t *testing.T, email string) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+s.token(t, email))
}

// httpDo calls the gateway and decodes a JSON answer into out (if non-nil).
func (s *stack) httpDo(t *testing.T, method, path, bearer, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, s.gatewayURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: status %d, body %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

const (
	householdOwner  = "admin@example.com"
	householdMember = "jamie@example.com"
	schoolAdmin     = "admin@school.example"
)
