// Command steward-issuer runs the development OpenID Connect issuer, whose
// users live in the devidp.users table. See package idp.
package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"steward.dev/platform/envconfig"
	"steward.dev/platform/httpserver"
	"steward.dev/services/catalog"
	"steward.dev/services/issuer/idp"
)

// entry is the issuer's catalog entry, which names its listen address
// variable and default.
var entry, _ = catalog.Lookup(catalog.IssuerName)

const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second // token requests are tiny
	writeTimeout      = 10 * time.Second
	idleTimeout       = time.Minute
	maxHeaderBytes    = 16 << 10
	shutdownTimeout   = 10 * time.Second
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	if err := run(logger); err != nil {
		logger.Error("steward-issuer failed", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

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
	srv := &http.Server{
		Handler:           issuer,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	context.AfterFunc(ctx, stop) // once shutting down, a second signal ends the process at once
	return httpserver.Run(ctx, srv, cfg.addr, shutdownTimeout, logger, func(a net.Addr) {
		logger.Info("steward-issuer listening", "addr", a.String(), "issuer", cfg.issuer,
			"audience", cfg.audience, "clients", cfg.clientIDs())
	})
}
