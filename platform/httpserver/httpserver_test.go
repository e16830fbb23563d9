package httpserver_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"steward.dev/platform/httpserver"
)

func TestRunServesUntilCancelledThenDrains(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release // an in-flight request the shutdown must wait for
		_, _ = io.WriteString(w, "done")
	})}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	ran := make(chan error, 1)
	go func() {
		ran <- httpserver.Run(ctx, srv, "127.0.0.1:0", 5*time.Second, slog.New(slog.DiscardHandler), func(a net.Addr) { addr <- a })
	}()
	url := "http://" + (<-addr).String()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	time.Sleep(100 * time.Millisecond) // the request is in flight
	cancel()
	time.Sleep(100 * time.Millisecond)
	close(release)
	if body := <-got; body != "done" {
		t.Fatalf("in-flight request got %q, want it finished", body)
	}
	if err := <-ran; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestServeAppliesLimits: the limits a binary declares reach the server; a
// header over MaxHeaderBytes is refused before the handler runs.
func TestServeAppliesLimits(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	ran := make(chan error, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	limits := httpserver.Limits{ReadHeaderTimeout: time.Second, MaxHeaderBytes: 1 << 10, ShutdownGrace: time.Second}
	go func() {
		ran <- httpserver.Serve(ctx, "127.0.0.1:0", handler, limits, slog.New(slog.DiscardHandler), func(a net.Addr) { addr <- a })
	}()
	url := "http://" + (<-addr).String()
	get := func(header string) int {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Padding", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("small"); code != http.StatusOK {
		t.Errorf("small header: %d, want 200", code)
	}
	// net/http allows 4 KiB of slack over MaxHeaderBytes.
	if code := get(strings.Repeat("x", 8<<10)); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("8 KiB header: %d, want 431", code)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}
