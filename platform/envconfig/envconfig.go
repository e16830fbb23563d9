// Package envconfig reads the settings every Steward service shares from the
// environment, and opens what they describe.
package envconfig

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/platform/tenantdb"
)

// Defaults that suit `make run`: the development issuer on loopback.
const (
	DefaultOIDCIssuer   = "http://127.0.0.1:8081"
	DefaultOIDCAudience = "steward"
)

// Service holds the shared settings.
type Service struct {
	// DatabaseURL connects as the runtime role (APP_DATABASE_URL).
	DatabaseURL  string
	OIDCIssuer   string // OIDC_ISSUER
	OIDCAudience string // OIDC_AUDIENCE
	ListenAddr   string // <NAME>_GRPC_ADDR
	LogLevel     slog.Level
}

// Load reads the settings of the service called name ("assets").
func Load(name, defaultAddr string) (Service, error) {
	s := Service{
		DatabaseURL:  os.Getenv("APP_DATABASE_URL"),
		OIDCIssuer:   Get("OIDC_ISSUER", DefaultOIDCIssuer),
		OIDCAudience: Get("OIDC_AUDIENCE", DefaultOIDCAudience),
		ListenAddr:   Get(GRPCAddrEnv(name), defaultAddr),
	}
	if s.DatabaseURL == "" {
		return s, fmt.Errorf("APP_DATABASE_URL is not set (a connection string for the runtime role)")
	}
	if err := s.LogLevel.UnmarshalText([]byte(Get("LOG_LEVEL", "info"))); err != nil {
		return s, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	return s, nil
}

// GRPCAddrEnv names the variable the gRPC address of the service called
// name is read from: ASSETS_GRPC_ADDR for "assets".
func GRPCAddrEnv(name string) string { return strings.ToUpper(name) + "_GRPC_ADDR" }

// HTTPAddrEnv names the variable the listen address of the HTTP server
// called name is read from: ISSUER_ADDR for "issuer".
func HTTPAddrEnv(name string) string { return strings.ToUpper(name) + "_ADDR" }

// Logger returns a structured logger tagged with the service name.
func (s Service) Logger(name string) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: s.LogLevel})).With("service", name)
}

// OpenPool connects to PostgreSQL and checks the connection. Each new
// connection runs afterConnect (if any) before it serves.
func OpenPool(ctx context.Context, url string, afterConnect ...func(context.Context, *pgx.Conn) error) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		tenantdb.RegisterUUID(c.TypeMap())
		for _, fn := range afterConnect {
			if err := fn(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}
	// A statement that runs away must not hold a connection forever.
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = "15000"
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = "30000"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// Get returns the environment variable key, or fallback when it is unset or empty.
func Get(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
