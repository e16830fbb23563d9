package resname

import (
	"testing"

	"github.com/google/uuid"
)

// TestSingletonPattern: a pattern may end in a singleton's literal name
// (AIP-156), "tenants/{tenant}/settings", which is formatted, matched and
// parsed like any other.
func TestSingletonPattern(t *testing.T) {
	t.Parallel()
	p, err := parsePattern("tenants/{tenant}/settings")
	if err != nil {
		t.Fatal(err)
	}
	tenant := uuid.New()
	name := p.Format(tenant)
	if want := "tenants/" + tenant.String() + "/settings"; name != want {
		t.Fatalf("Format = %q, want %q", name, want)
	}
	n, err := p.Parse("name", name)
	if err != nil || n.ID("tenant") != tenant || n.String() != name {
		t.Fatalf("Parse(%q) = %v, %v", name, n, err)
	}
	for _, bad := range []string{"tenants/" + tenant.String(), "tenants/" + tenant.String() + "/settings/x", "tenants/" + tenant.String() + "/setting"} {
		if p.Matches(bad) {
			t.Errorf("%q matches %s", bad, p)
		}
	}
	for _, bad := range []string{"tenants/{tenant}/{settings}", "settings", "tenants/{tenant}/"} {
		if _, err := parsePattern(bad); err == nil {
			t.Errorf("pattern %q accepted", bad)
		}
	}
}
