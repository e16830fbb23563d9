package stripetest_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"steward.dev/platform/stripetest"
)

// TestStartAnswersStripeCalls: two mocks run side by side on ports of their
// own, and each answers an authenticated call.
func TestStartAnswersStripeCalls(t *testing.T) {
	t.Parallel()
	a, b := stripetest.Start(t), stripetest.Start(t)
	if a.URL == b.URL {
		t.Fatalf("two mocks at %s", a.URL)
	}
	for _, m := range []*stripetest.Mock{a, b} {
		req, err := http.NewRequest(http.MethodGet, m.URL+"/v1/customers", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+stripetest.SecretKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s/v1/customers: %s", m.URL, resp.Status)
		}
	}
}

// TestBinaryMissingSaysHowToBuildIt: a checkout without bin/stripe-mock is
// an error naming the make target, which Start turns into a failure.
func TestBinaryMissingSaysHowToBuildIt(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.work"), []byte("go 1.26.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	_, err := stripetest.Binary()
	if err == nil || !strings.Contains(err.Error(), "make tools") {
		t.Fatalf("Binary() = %v, want an error saying to run make tools", err)
	}
}
