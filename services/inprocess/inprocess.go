// Package inprocess starts the whole of Steward in the calling process, on
// loopback ports: the development issuer, every gRPC service of the catalog
// (through grpcserver.Bootstrap, the interceptor chain main uses) and the
// gateway, over one seeded database. The end-to-end tests and the benchmarks
// both run on it, so they test and measure the same stack, and a service
// added to the catalog joins both.
//
// `make run` starts the same pieces as separate processes
// (services/devstack); this is that stack without the processes.
package inprocess

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"steward.dev/db/seed"
	platformcatalog "steward.dev/platform/catalog"
	"steward.dev/platform/envconfig"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/rpcclient"
	"steward.dev/services/catalog"
	"steward.dev/services/gateway/edge"
	"steward.dev/services/issuer/idp"
)

// Audience is what the stack's tokens are for.
const Audience = "steward"

// LoginClient is the issuer's public client for the password grant.
const LoginClient = "steward-cli"

// ServiceClient is the issuer's client-credentials client the stack's
// services call each other with in jobs (catalog.Env's ServiceIdentity).
// One process, one identity: `make run` gives each dialing service its own.
const ServiceClient = "steward-inprocess-service"

// Config is the database and what the stack needs beyond it.
type Config struct {
	// OwnerURL and AppURL connect to a migrated, empty database as the
	// owner (which seeds it) and as the runtime role (which serves it).
	OwnerURL, AppURL string
	// DataDir is where the services keep files (attachment content).
	DataDir string
	// OpenAPI is the document the gateway serves at /openapi.json and /docs.
	OpenAPI []byte
	// Logger receives every service's and the gateway's logs; nil
	// discards them (formatted still, so their cost counts in benchmarks).
	Logger *slog.Logger
}

// Stack is a running Steward.
type Stack struct {
	IssuerURL  string
	GatewayURL string
	// SigningKey is the issuer's, so a test can forge tokens that differ
	// from real ones only where it means them to.
	SigningKey *ecdsa.PrivateKey
	// Summary is what the seeder wrote.
	Summary seed.Summary
	// Addrs is each gRPC service's address, by catalog name.
	Addrs map[string]string

	closers []func()
}

// Start seeds the database and starts the issuer, the catalog's gRPC
// services in dependency order (each told the addresses of those it dials)
// and the gateway in front of them. On an error, what was started is
// stopped again.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	s := &Stack{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	// The issuer's address first: the seeder records it as every user's issuer.
	issuerLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.IssuerURL = "http://" + issuerLis.Addr().String()
	if s.Summary, err = seed.Seed(ctx, cfg.OwnerURL, seed.Options{Issuer: s.IssuerURL}); err != nil {
		_ = issuerLis.Close()
		return nil, fmt.Errorf("seed: %w", err)
	}
	appPool, err := envconfig.OpenPool(ctx, cfg.AppURL) // as steward-issuer opens it
	if err != nil {
		_ = issuerLis.Close()
		return nil, err
	}
	s.closers = append(s.closers, appPool.Close)
	if s.SigningKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		_ = issuerLis.Close()
		return nil, err
	}
	serviceSecret := rand.Text()
	issuer, err := idp.New(idp.Config{
		Issuer: s.IssuerURL, Audience: Audience, Users: idp.NewPostgresStore(appPool), Key: s.SigningKey,
		Clients: []idp.Client{
			{ID: LoginClient, GrantTypes: []string{idp.GrantPassword}},
			{ID: ServiceClient, Secret: serviceSecret, GrantTypes: []string{idp.GrantClientCredentials}},
		},
	})
	if err != nil {
		_ = issuerLis.Close()
		return nil, err
	}
	s.serveHTTP(issuerLis, issuer)

	boot := grpcserver.BootstrapConfig{DatabaseURL: cfg.AppURL, OIDCIssuer: s.IssuerURL, OIDCAudience: Audience, Logger: logger,
		ServiceClients: []string{ServiceClient}}
	identity := rpcclient.NewServiceIdentity(rpcclient.ClientCredentials{
		TokenURL: s.IssuerURL + "/token", ClientID: ServiceClient, ClientSecret: serviceSecret,
	})
	s.Addrs, err = platformcatalog.ServeAll(catalog.Services(), platformcatalog.Env{Logger: logger, DataDir: cfg.DataDir, ServiceIdentity: identity},
		func(_ platformcatalog.Service, register platformcatalog.Registrar) (string, error) {
			return s.serveGRPC(ctx, boot, register)
		})
	if err != nil {
		return nil, err
	}

	var backends []edge.Backend
	for _, svc := range catalog.GatewayServices() {
		backends = append(backends, edge.Backend{Name: svc.Name, Addr: s.Addrs[svc.Name]})
	}
	gw, err := edge.New(ctx, edge.Config{Backends: backends, OpenAPI: cfg.OpenAPI, Logger: logger})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { _ = gw.Close() })
	gwLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.serveHTTP(gwLis, edge.AccessLog(logger, gw)) // as the gateway's main serves it
	s.GatewayURL = "http://" + gwLis.Addr().String()
	return s, nil
}

// Close stops everything Start started, the last started first.
func (s *Stack) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// Login returns an access token for a seeded user, from the issuer's
// password grant (every seeded user's password is seed.Password).
func (s *Stack) Login(email string) (string, error) {
	resp, err := http.PostForm(s.IssuerURL+"/token", url.Values{
		"grant_type": {"password"}, "client_id": {LoginClient}, "username": {email}, "password": {seed.Password},
	})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", fmt.Errorf("login %s: status %d: %w", email, resp.StatusCode, err)
	}
	if body.AccessToken == "" {
		return "", errors.New("login " + email + ": no access token")
	}
	return body.AccessToken, nil
}

func (s *Stack) serveHTTP(lis net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(lis) }()
	s.closers = append(s.closers, func() { _ = srv.Close() })
}

func (s *Stack) serveGRPC(ctx context.Context, cfg grpcserver.BootstrapConfig, register platformcatalog.Registrar) (string, error) {
	srv, closePool, err := grpcserver.Bootstrap(ctx, cfg, register)
	if err != nil {
		return "", err
	}
	s.closers = append(s.closers, closePool)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	serveCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = srv.Serve(serveCtx, lis, time.Second); close(done) }()
	s.closers = append(s.closers, func() { stop(); <-done })
	return lis.Addr().String(), nil
}
