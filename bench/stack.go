package bench

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"steward.dev/db/dbtest"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/services/inprocess"
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

// startStack seeds the database behind ownerURL and starts Steward in this
// process (the issuer, every gRPC service of the catalog, the gateway), and
// beside it the bare server, on loopback.
func startStack(ctx context.Context, ownerURL, appURL string) (_ *stack, err error) {
	s := &stack{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	dataDir, err := tempDir()
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, removeAll(dataDir))
	// Request logs are formatted as the services format them but not
	// written (inprocess's default), so the cost of logging counts without
	// a terminal's.
	steward, err := inprocess.Start(ctx, inprocess.Config{OwnerURL: ownerURL, AppURL: appURL, DataDir: dataDir,
		OpenAPI: []byte(`{"swagger":"2.0","info":{"title":"bench","version":"0"},"paths":{}}`)})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, steward.Close)
	s.gatewayURL = steward.GatewayURL
	if s.target, err = pickAsset(ctx, ownerURL, steward.Summary.HouseholdTenantID); err != nil {
		return nil, err
	}
	if s.token, err = steward.Login("admin@example.com"); err != nil {
		return nil, err
	}
	if s.chainConn, err = dial(steward.Addrs["assets"]); err != nil {
		return nil, err
	}

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
