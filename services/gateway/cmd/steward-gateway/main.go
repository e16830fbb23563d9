// Command steward-gateway is Steward's JSON edge: it serves the REST API,
// /healthz, /openapi.json and /docs, and forwards every API call to the
// services over gRPC.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"steward.dev/services/gateway/edge"
)

const (
	// A request timeout of edge.DefaultRequestTimeout fits inside the read
	// and write timeouts, so the edge answers before the server cuts it off.
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 60 * time.Second // an 8 MiB attachment on a slow link
	writeTimeout      = 60 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10 // room for large JWTs, not for abuse
	shutdownTimeout   = 20 * time.Second
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	if err := run(logger); err != nil {
		logger.Error("steward-gateway failed", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	addr := flag.String("addr", envOr("GATEWAY_ADDR", "127.0.0.1:8080"), "HTTP listen address (env GATEWAY_ADDR)")
	accounts := flag.String("accounts", envOr("ACCOUNTS_GRPC_ADDR", "127.0.0.1:9100"), "accounts gRPC address (env ACCOUNTS_GRPC_ADDR)")
	assets := flag.String("assets", envOr("ASSETS_GRPC_ADDR", "127.0.0.1:9101"), "assets gRPC address (env ASSETS_GRPC_ADDR)")
	openAPIPath := flag.String("openapi", envOr("GATEWAY_OPENAPI", "gen/openapi/steward.swagger.json"), "merged OpenAPI document (env GATEWAY_OPENAPI)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	doc, err := os.ReadFile(*openAPIPath)
	if err != nil {
		return fmt.Errorf("reading the OpenAPI document (set GATEWAY_OPENAPI): %w", err)
	}
	e, err := edge.New(ctx, edge.Config{
		Backends: []edge.Backend{
			{Name: "accounts", Addr: *accounts},
			{Name: "assets", Addr: *assets},
		},
		OpenAPI:      doc,
		MaxBodyBytes: edge.DefaultMaxBodyBytes,
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	defer e.Close()

	srv := &http.Server{
		Handler:           edge.AccessLog(logger, e),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("steward-gateway listening", "addr", ln.Addr().String(),
		"accounts", *accounts, "assets", *assets)

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once
	logger.Info("steward-gateway shutting down")
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

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
