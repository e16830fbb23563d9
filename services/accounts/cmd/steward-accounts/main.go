// Command steward-accounts serves the tenant directory: which tenants a
// caller belongs to.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/accounts"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := grpcserver.Run(ctx, "accounts", "127.0.0.1:9100", func(db *tenantdb.DB, _ *slog.Logger) ([]grpcserver.Service, error) {
		return accounts.Services(db)
	})
	if err != nil {
		slog.Error("steward-accounts", "error", err)
		os.Exit(1)
	}
}
