// Command steward-assets serves the Asset Management gRPC API.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones are validated against the IANA database, present or not on the host

	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	blobDir := os.Getenv("ASSETS_BLOB_DIR")
	if blobDir == "" {
		blobDir = "var/blobs"
	}
	err := grpcserver.Run(ctx, "assets", "127.0.0.1:9101", func(db *tenantdb.DB, logger *slog.Logger) ([]grpcserver.Service, error) {
		return assets.Services(db, blobDir, logger)
	})
	if err != nil {
		slog.Error("steward-assets", "error", err)
		os.Exit(1)
	}
}
