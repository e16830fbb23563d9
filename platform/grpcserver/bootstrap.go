package grpcserver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

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
	// ServiceClients are the client ids whose tokens are service
	// principals (SERVICE_CLIENTS); see authn.Config.ServiceClients.
	ServiceClients []string
	Logger         *slog.Logger
	LameDuck       time.Duration // see Options.LameDuck
	// MembershipTTL is how long a resolved membership (or its absence) is
	// cached: the bound on how long a removed member keeps access, or a
	// changed role its old permissions. 0 means DefaultMembershipTTL.
	MembershipTTL time.Duration
}

// Bootstrap opens the database, builds authentication and membership
// resolution, and returns a server with the services that register builds.
// Close the returned function when done.
func Bootstrap(ctx context.Context, cfg BootstrapConfig, register func(db *tenantdb.DB) ([]Service, error)) (*Server, func(), error) {
	warmers := &tenantdb.Warmers{}
	pool, err := envconfig.OpenPool(ctx, cfg.DatabaseURL, warmers.AfterConnect)
	if err != nil {
		return nil, nil, err
	}
	db := tenantdb.NewWarmed(pool, warmers)
	services, err := register(db)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	if err := openWarmed(ctx, pool); err != nil {
		pool.Close()
		return nil, nil, err
	}
	srv, err := New(Options{
		Logger:        cfg.Logger,
		Authenticator: authn.New(authn.Config{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience, ServiceClients: cfg.ServiceClients}, access.UserLookup(db)),
		Members:       access.NewMembers(db, cmp.Or(cfg.MembershipTTL, DefaultMembershipTTL)),
		Services:      services,
		LameDuck:      cfg.LameDuck,
	})
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return srv, pool.Close, nil
}

// openWarmed replaces the connection OpenPool checked with, opened before
// the services registered what a connection runs first (tenantdb.Warm),
// with warmed ones: the pool's MinConns of them (pool_min_conns in the
// database URL), at least one, open before the service reports ready. A
// warm-up that fails fails here, at start, rather than on a request.
func openWarmed(ctx context.Context, pool *pgxpool.Pool) error {
	pool.Reset()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n := max(int(pool.Config().MinConns), 1)
	conns := make([]*pgxpool.Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { conns[i], errs[i] = pool.Acquire(ctx) })
	}
	wg.Wait()
	for _, c := range conns {
		if c != nil {
			c.Release()
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("open the database connections: %w", err)
	}
	return nil
}

// ServiceClients parses SERVICE_CLIENTS: comma-separated OAuth client ids of
// Steward's own services, the ids of the issuer's client-credentials clients
// (ISSUER_CLIENTS without the secrets).
func ServiceClients(list string) []string {
	var ids []string
	for id := range strings.SplitSeq(list, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// DefaultMembershipTTL bounds how long a removed membership keeps working,
// and a changed one its old roles: each service caches a caller's standing
// in a tenant for this long (platform/access.Members).
const DefaultMembershipTTL = 10 * time.Second

// Shutdown timing of service binaries: a short lame-duck period for health
// checkers to notice, then up to shutdownDrain for in-flight calls.
const (
	shutdownLameDuck = 2 * time.Second
	shutdownDrain    = 20 * time.Second
)

// Run is the body of a service binary: settings from the environment
// (envconfig), Bootstrap, listen, and serve until ctx is done.
func Run(ctx context.Context, name, defaultAddr string, register func(db *tenantdb.DB, logger *slog.Logger) ([]Service, error)) error {
	cfg, err := envconfig.Load(name, defaultAddr)
	if err != nil {
		return err
	}
	logger := cfg.Logger(name)
	srv, closeDB, err := Bootstrap(ctx, BootstrapConfig{
		DatabaseURL: cfg.DatabaseURL, OIDCIssuer: cfg.OIDCIssuer, OIDCAudience: cfg.OIDCAudience, Logger: logger,
		ServiceClients: ServiceClients(envconfig.Get("SERVICE_CLIENTS", "")),
		LameDuck:       shutdownLameDuck,
	}, func(db *tenantdb.DB) ([]Service, error) { return register(db, logger) })
	if err != nil {
		return err
	}
	defer closeDB()
	lis, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("serving", "addr", lis.Addr().String())
	return srv.Serve(ctx, lis, shutdownDrain)
}
