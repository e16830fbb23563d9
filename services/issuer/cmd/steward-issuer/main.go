// Command steward-issuer runs the development OpenID Connect issuer, whose
// users live in the devidp.users table. See package idp.
package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"time"

	"steward.dev/platform/envconfig"
	"steward.dev/platform/httpserver"
	"steward.dev/services/catalog"
	"steward.dev/services/issuer/idp"
)

// entry is the issuer's catalog entry, which names its listen address
// variable and default.
var entry, _ = catalog.Lookup(catalog.IssuerName)

var limits = httpserver.Limits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       10 * time.Second, // token requests are tiny
	WriteTimeout:      10 * time.Second,
	IdleTimeout:       time.Minute,
	MaxHeaderBytes:    16 << 10,
	ShutdownGrace:     10 * time.Second,
}

func main() { httpserver.Main("steward-issuer", run) }

func run(ctx context.Context, logger *slog.Logger) error {
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		return err
	}
	pool, err := envconfig.OpenPool(ctx, cfg.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	issuer, err := idp.New(idp.Config{
		Issuer:   cfg.issuer,
		Audience: cfg.audience,
		Users:    idp.NewPostgresStore(pool),
		Clients:  cfg.clients,
		Logger:   logger,
	})
	if err != nil {
		return err
	}
	return httpserver.Serve(ctx, cfg.addr, issuer, limits, logger, func(a net.Addr) {
		logger.Info("steward-issuer listening", "addr", a.String(), "issuer", cfg.issuer,
			"audience", cfg.audience, "clients", cfg.clientIDs())
	})
}
