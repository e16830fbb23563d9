// Command steward-gateway is Steward's JSON edge: it serves the REST API,
// /healthz, /openapi.json and /docs, and forwards every API call to the
// services over gRPC.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	platformcatalog "steward.dev/platform/catalog"
	"steward.dev/platform/envconfig"
	"steward.dev/platform/httpserver"
	"steward.dev/services/catalog"
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
	addr := flag.String("addr", envconfig.Get("GATEWAY_ADDR", "127.0.0.1:8080"), "HTTP listen address (env GATEWAY_ADDR)")
	// One flag per service the gateway routes to: -assets, env ASSETS_GRPC_ADDR.
	routed := slices.DeleteFunc(catalog.GRPCServices(), func(s platformcatalog.Service) bool { return len(s.Gateway) == 0 })
	backends := make([]edge.Backend, len(routed))
	for i, svc := range routed {
		backends[i].Name = svc.Name
		flag.StringVar(&backends[i].Addr, svc.Name, envconfig.Get(svc.AddrEnv(), svc.GRPCAddr),
			fmt.Sprintf("%s gRPC address (env %s)", svc.Name, svc.AddrEnv()))
	}
	openAPIPath := flag.String("openapi", envconfig.Get("GATEWAY_OPENAPI", "gen/openapi/steward.swagger.json"), "merged OpenAPI document (env GATEWAY_OPENAPI)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	doc, err := os.ReadFile(*openAPIPath)
	if err != nil {
		return fmt.Errorf("reading the OpenAPI document (set GATEWAY_OPENAPI): %w", err)
	}
	e, err := edge.New(ctx, edge.Config{
		Backends:     backends,
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
	}
	context.AfterFunc(ctx, stop) // once shutting down, a second signal ends the process at once
	return httpserver.Run(ctx, srv, *addr, shutdownTimeout, logger, func(a net.Addr) {
		attrs := []any{"addr", a.String()}
		for _, b := range backends {
			attrs = append(attrs, b.Name, b.Addr)
		}
		logger.Info("steward-gateway listening", attrs...)
	})
}
