// Package stripetest starts Stripe's own offline mock of its API for a test:
// stripe-mock, the one `make run` starts, pinned in the tools module and
// built into bin/ by `make tools` (and so by `make test`). Each test gets its
// own, on ports the kernel picks (read back from what it prints, so two
// parallel tests never race for one). stripe-mock is stateless: it checks
// each request against Stripe's OpenAPI description and answers with a
// fixture of the right shape, so a test proves the request is one Stripe
// accepts, not what Stripe would store.
package stripetest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"steward.dev/platform/toolbin"
)

// Mock is a running stripe-mock.
type Mock struct {
	// URL is its plain-HTTP API root ("http://127.0.0.1:port"), what a
	// stripe-go backend's URL is set to.
	URL string
}

// SecretKey is a test-mode key; stripe-mock accepts any "sk_test_" key
// that looks like one (letters and digits after the prefix).
const SecretKey = "sk_test_steward"

// Binary returns the path of stripe-mock in the repository's bin/, found
// from the working directory up to the folder holding go.work.
func Binary() (string, error) {
	bin, err := toolbin.Path("stripe-mock")
	if err != nil {
		return "", fmt.Errorf("stripetest: %w", err)
	}
	return bin, nil
}

// listening is stripe-mock's line announcing its HTTP listener.
var listening = regexp.MustCompile(`Listening for HTTP at address: (\S+)`)

// Start runs a stripe-mock of t's own, stopped when t ends. A missing
// binary fails the test: Stripe is part of what is tested, never skipped.
func Start(t testing.TB) *Mock {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	// Port 0 for both listeners: stripe-mock always opens an HTTPS one
	// too, on 12112 unless told otherwise, which parallel tests would fight
	// over.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &tail{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatalf("stripetest: start %s: %v", bin, err)
	}
	addr := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			_, _ = io.WriteString(out, line+"\n")
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	exited := make(chan error, 1)
	go func() {
		<-copied // Wait closes the pipe; read it to the end first
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		t.Logf("stripetest: stripe-mock stopped (%v)", <-exited) // killed: that is its exit status
	})

	var m *Mock
	select {
	case a := <-addr:
		m = &Mock{URL: "http://" + a}
	case err := <-exited:
		t.Fatalf("stripetest: stripe-mock exited: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("stripetest: stripe-mock announced no HTTP address within 30s\n%s", out.String())
	}
	// It prints the address once listening; one authenticated call proves
	// it answers.
	req, err := http.NewRequest(http.MethodGet, m.URL+"/v1/balance", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+SecretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("stripetest: stripe-mock at %s: %v\n%s", m.URL, err, out.String())
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stripetest: GET /v1/balance: %s\n%s", resp.Status, out.String())
	}
	return m
}

// tail keeps the last few KiB of stripe-mock's output for a failure
// message; exec's goroutine and the reader above both write to it.
type tail struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if s := w.b.String(); len(s) > 8<<10 {
		w.b.Reset()
		w.b.WriteString(s[len(s)-8<<10:])
	}
	return len(p), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
