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
	"os"
	"time"

	"steward.dev/platform/envconfig"
	"steward.dev/platform/httpserver"
	"steward.dev/services/catalog"
	"steward.dev/services/gateway/edge"
)

// limits: a request timeout of edge.DefaultRequestTimeout fits inside the
// read and write timeouts, so the edge answers before the server cuts it off.
var limits = httpserver.Limits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       60 * time.Second, // an 8 MiB attachment on a slow link
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       2 * time.Minute,
	MaxHeaderBytes:    64 << 10, // room for large JWTs, not for abuse
	ShutdownGrace:     20 * time.Second,
}

func main() { httpserver.Main("steward-gateway", run) }

func run(ctx context.Context, logger *slog.Logger) error {
	addr := flag.String("addr", envconfig.Get("GATEWAY_ADDR", "127.0.0.1:8080"), "HTTP listen address (env GATEWAY_ADDR)")
	// One flag per service the gateway routes to: -assets, env ASSETS_GRPC_ADDR.
	routed := catalog.GatewayServices()
	backends := make([]edge.Backend, len(routed))
	for i, svc := range routed {
		backends[i].Name = svc.Name
		flag.StringVar(&backends[i].Addr, svc.Name, envconfig.Get(svc.AddrEnv(), svc.GRPCAddr),
			fmt.Sprintf("%s gRPC address (env %s)", svc.Name, svc.AddrEnv()))
	}
	openAPIPath := flag.String("openapi", envconfig.Get("GATEWAY_OPENAPI", "gen/openapi/steward.swagger.json"), "merged OpenAPI document (env GATEWAY_OPENAPI)")
	flag.Parse()

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

	return httpserver.Serve(ctx, *addr, edge.AccessLog(logger, e), limits, logger, func(a net.Addr) {
		attrs := []any{"addr", a.String()}
		for _, b := range backends {
			attrs = append(attrs, b.Name, b.Addr)
		}
		logger.Info("steward-gateway listening", attrs...)
	})
}
