// Package httpserver runs the HTTP binaries (the gateway, the development
// issuer) the way grpcserver runs the gRPC ones: listen, serve until the
// context ends, then shut down gracefully within a time limit.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Run serves srv on addr until ctx is done, then lets in-flight requests
// finish for up to grace. listening, if set, is told the bound address.
// Server errors are logged through logger at warning level.
func Run(ctx context.Context, srv *http.Server, addr string, grace time.Duration, logger *slog.Logger, listening func(net.Addr)) error {
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if listening != nil {
		listening(ln.Addr())
	}
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", grace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
