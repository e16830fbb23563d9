package httpserver_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
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
