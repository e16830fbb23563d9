package grpcserver_test

import (
	"context"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"steward.dev/platform/grpcserver"
)

// TestBackgroundRunsForTheServersLife: background work starts with Serve,
// is still running while the server drains, and has returned when Serve
// returns.
func TestBackgroundRunsForTheServersLife(t *testing.T) {
	t.Parallel()
	var running, stopped atomic.Bool
	started := make(chan struct{})
	srv, err := grpcserver.New(grpcserver.Options{
		Logger: slog.New(slog.DiscardHandler),
		Services: []grpcserver.Service{{Background: func(ctx context.Context) error {
			running.Store(true)
			close(started)
			<-ctx.Done()
			time.Sleep(50 * time.Millisecond) // stopping takes a while; Serve waits for it
			stopped.Store(true)
			return ctx.Err()
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, lis, time.Second) }()
	<-started
	if stopped.Load() {
		t.Fatal("background work stopped before the server did")
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v; a background job cancelled by the shutdown is no error", err)
	}
	if !running.Load() || !stopped.Load() {
		t.Errorf("background ran %v, stopped %v before Serve returned; want both", running.Load(), stopped.Load())
	}
}
