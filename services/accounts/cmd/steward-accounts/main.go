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

	"steward.dev/platform/envconfig"
	"steward.dev/platform/grpcserver"
	"steward.dev/services/accounts"
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
	}, accounts.Services)
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
