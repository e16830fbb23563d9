package grpcserver

import (
	"context"
	"log/slog"
	"time"

	"steward.dev/platform/access"
	"steward.dev/platform/authn"
	"steward.dev/platform/envconfig"
	"steward.dev/platform/tenantdb"
)

// BootstrapConfig is what every service needs besides its own handlers.
type BootstrapConfig struct {
	DatabaseURL  string // runtime role
	OIDCIssuer   string
	OIDCAudience string
	Logger       *slog.Logger
	// MembershipTTL bounds how long a revoked membership keeps working (default 10s).
	MembershipTTL time.Duration
}

// Bootstrap opens the database, builds authentication and membership
// resolution, and returns a server with the services that register builds.
// Close the returned function when done.
func Bootstrap(ctx context.Context, cfg BootstrapConfig, register func(db *tenantdb.DB) ([]Service, error)) (*Server, func(), error) {
	pool, err := envconfig.OpenPool(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	if cfg.MembershipTTL == 0 {
		cfg.MembershipTTL = 10 * time.Second
	}
	db := tenantdb.New(pool)
	services, err := register(db)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	srv, err := New(Options{
		Logger:        cfg.Logger,
		Authenticator: authn.New(authn.Config{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience}, access.UserLookup(db)),
		Members:       access.NewMembers(db, cfg.MembershipTTL),
		Services:      services,
	})
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return srv, pool.Close, nil
}
