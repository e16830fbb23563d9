// Command steward-assets serves the Asset Management gRPC API.
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
	_ "time/tzdata" // time zones are validated against the IANA database, present or not on the host

	"steward.dev/platform/envconfig"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		slog.Error("steward-assets", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := envconfig.Load("assets", "127.0.0.1:9101")
	if err != nil {
		return err
	}
	logger := cfg.Logger("assets")
	blobDir := os.Getenv("ASSETS_BLOB_DIR")
	if blobDir == "" {
		blobDir = "var/blobs"
	}
	srv, closeDB, err := grpcserver.Bootstrap(ctx, grpcserver.BootstrapConfig{
		DatabaseURL: cfg.DatabaseURL, OIDCIssuer: cfg.OIDCIssuer, OIDCAudience: cfg.OIDCAudience, Logger: logger,
	}, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return assets.Services(db, blobDir, logger)
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
