// Command steward-accounts serves the tenant directory: which tenants a
// caller belongs to.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	"steward.dev/platform/envconfig"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/accounts/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		slog.Error("steward-accounts", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := envconfig.Load("accounts", "127.0.0.1:9100")
	if err != nil {
		return err
	}
	logger := cfg.Logger("accounts")
	srv, closeDB, err := grpcserver.Bootstrap(ctx, grpcserver.BootstrapConfig{
		DatabaseURL: cfg.DatabaseURL, OIDCIssuer: cfg.OIDCIssuer, OIDCAudience: cfg.OIDCAudience, Logger: logger,
	}, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return []grpcserver.Service{{Desc: &accountsv1.TenantService_ServiceDesc, Impl: server.New(db)}}, nil
	})
	if err != nil {
		return err
	}
	defer closeDB()
	lis, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("serving", "addr", lis.Addr().String())
	return srv.Serve(ctx, lis, 20*time.Second)
}
