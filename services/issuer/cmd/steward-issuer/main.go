// Command steward-issuer runs the development OpenID Connect issuer, whose
// users live in the devidp.users table. See package idp.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"steward.dev/platform/envconfig"
	"steward.dev/services/issuer/idp"
)

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
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("steward-issuer listening", "addr", ln.Addr().String(), "issuer", cfg.issuer,
		"audience", cfg.audience, "clients", cfg.clientIDs())

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once
	logger.Info("steward-issuer shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
