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
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main is the main function of an HTTP binary called name: JSON logs on
// stderr, run with a context that SIGINT or SIGTERM ends, exit 1 if run
// fails. Once the context ends a second signal kills the process at once,
// so an operator is never stuck behind a slow shutdown.
func Main(name string, run func(ctx context.Context, logger *slog.Logger) error) {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	err := run(ctx, logger)
	stop()
	if err != nil {
		logger.Error(name+" failed", "err", err)
		os.Exit(1)
	}
}

// Limits bound one server's connections, and how long its shutdown lets
// in-flight requests run. Each binary sizes them to its traffic: the
// gateway's uploads need long reads, the issuer's token requests do not.
type Limits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	ShutdownGrace     time.Duration
}

// Serve serves handler on addr within limits until ctx is done (see Run).
func Serve(ctx context.Context, addr string, handler http.Handler, limits Limits, logger *slog.Logger, listening func(net.Addr)) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		ReadTimeout:       limits.ReadTimeout,
		WriteTimeout:      limits.WriteTimeout,
		IdleTimeout:       limits.IdleTimeout,
		MaxHeaderBytes:    limits.MaxHeaderBytes,
	}
	return Run(ctx, srv, addr, limits.ShutdownGrace, logger, listening)
}

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
