package bench

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

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	platformcatalog "steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/services/catalog"
	"steward.dev/services/gateway/edge"
	"steward.dev/services/issuer/idp"
)

// Target is what the benchmark reads: one seeded asset of the household.
type Target struct {
	TenantID, HomeID, AssetID uuid.UUID
}

// Name is the asset's resource name.
func (t Target) Name() string {
	return fmt.Sprintf("tenants/%s/homes/%s/assets/%s", t.TenantID, t.HomeID, t.AssetID)
}

// stack is everything the four modes call, started in-process.
type stack struct {
	target     Target
	rawPool    *pgxpool.Pool
	bareConn   *grpc.ClientConn
	chainConn  *grpc.ClientConn
	gatewayURL string
	token      string
	closers    []func()
}

func (s *stack) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// assetSelect is the statement every mode ends in: the same row, the same
// columns the store's GetAsset reads.
const assetSelect = `SELECT display_name, category_id, make, model, serial_number, install_date, purchase_date,
  purchase_cost_minor, purchase_cost_currency, expected_lifespan_months, warranty_expiry_date,
  location_id, status, attributes, revision, create_time, update_time
FROM assets.assets WHERE tenant_id = $1 AND home_id = $2 AND asset_id = $3`

// startStack seeds the database behind ownerURL and starts the issuer, every
// gRPC service of the catalog, the gateway and the bare server on loopback.
func startStack(ctx context.Context, ownerURL, appURL string) (_ *stack, err error) {
	s := &stack{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	// Request logs are formatted as the services format them but not
	// written, so the cost of logging counts without a terminal's.
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	issuerLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	issuerURL := "http://" + issuerLis.Addr().String()
	summary, err := seed.Seed(ctx, ownerURL, seed.Options{Issuer: issuerURL})
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	if s.target, err = pickAsset(ctx, ownerURL, summary.HouseholdTenantID); err != nil {
		return nil, err
	}

	appPool, err := pgxpool.New(ctx, appURL)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, appPool.Close)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	issuer, err := idp.New(idp.Config{
		Issuer: issuerURL, Audience: "steward", Users: idp.NewPostgresStore(appPool), Key: key,
		Clients: []idp.Client{{ID: "steward-cli", GrantTypes: []string{idp.GrantPassword}}},
	})
	if err != nil {
		return nil, err
	}
	issuerSrv := &http.Server{Handler: issuer, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = issuerSrv.Serve(issuerLis) }()
	s.closers = append(s.closers, func() { _ = issuerSrv.Close() })
	if s.token, err = login(issuerURL, "admin@example.com"); err != nil {
		return nil, err
	}

	boot := grpcserver.BootstrapConfig{DatabaseURL: appURL, OIDCIssuer: issuerURL, OIDCAudience: "steward", Logger: logger}
	dataDir, err := tempDir()
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, removeAll(dataDir))
	addrs, err := platformcatalog.ServeAll(catalog.Services(), platformcatalog.Env{Logger: logger, DataDir: dataDir},
		func(_ platformcatalog.Service, register platformcatalog.Registrar) (string, error) {
			return s.serve(ctx, boot, register)
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
	if s.chainConn, err = dial(addrs["assets"]); err != nil {
		return nil, err
	}

	gw, err := edge.New(ctx, edge.Config{
		Backends: backends,
		OpenAPI:  []byte(`{"swagger":"2.0","info":{"title":"bench","version":"0"},"paths":{}}`),
		Logger:   logger,
	})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { _ = gw.Close() })
	gwLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	gwSrv := &http.Server{Handler: edge.AccessLog(logger, gw), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = gwSrv.Serve(gwLis) }()
	s.closers = append(s.closers, func() { _ = gwSrv.Close() })
	s.gatewayURL = "http://" + gwLis.Addr().String()

	if s.rawPool, err = rawPool(ctx, appURL, s.target.TenantID); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.rawPool.Close)
	bareAddr, err := s.serveBare(s.rawPool)
	if err != nil {
		return nil, err
	}
	if s.bareConn, err = dial(bareAddr); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *stack) serve(ctx context.Context, cfg grpcserver.BootstrapConfig, register platformcatalog.Registrar) (string, error) {
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

// rawPool connects as the runtime role with the tenant set for the whole
// session, so row-level security admits the row without any per-query
// scoping: the cheapest legitimate way to read it.
func rawPool(ctx context.Context, appURL string, tenant uuid.UUID) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(appURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 16 // as the services' pools
	cfg.ConnConfig.RuntimeParams["app.tenant_id"] = tenant.String()
	return pgxpool.NewWithConfig(ctx, cfg)
}

func pickAsset(ctx context.Context, ownerURL string, tenant uuid.UUID) (Target, error) {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return Target{}, err
	}
	defer conn.Close(ctx)
	t := Target{TenantID: tenant}
	// The owner is subject to FORCE RLS too, so scope the transaction first.
	err = dbtest.InScope(ctx, conn, dbtest.Scope{TenantID: tenant}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT home_id, asset_id FROM assets.assets WHERE tenant_id = $1 ORDER BY asset_id LIMIT 1",
			tenant).Scan(&t.HomeID, &t.AssetID)
	})
	if err != nil {
		return Target{}, fmt.Errorf("pick an asset: %w", err)
	}
	return t, nil
}

func login(issuerURL, email string) (string, error) {
	resp, err := http.PostForm(issuerURL+"/token", url.Values{
		"grant_type": {"password"}, "client_id": {"steward-cli"}, "username": {email}, "password": {seed.Password},
	})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", err
	}
	if body.AccessToken == "" {
		return "", errors.New("login: no access token")
	}
	return body.AccessToken, nil
}

func dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// Clients of the two gRPC modes.
func (s *stack) bareClient() assetsv1.AssetServiceClient {
	return assetsv1.NewAssetServiceClient(s.bareConn)
}
func (s *stack) chainClient() assetsv1.AssetServiceClient {
	return assetsv1.NewAssetServiceClient(s.chainConn)
}
