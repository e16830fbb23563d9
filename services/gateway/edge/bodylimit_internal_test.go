package edge

import (
	"maps"
	"testing"

	_ "steward.dev/gen/go/steward/assets/v1" // registers the contract that declares the limits
)

// TestDeclaredBodyLimits reads the routes that raise the body limit from the
// contract, spelled as the mux's patterns print themselves.
func TestDeclaredBodyLimits(t *testing.T) {
	t.Parallel()
	got, err := declaredBodyLimits()
	if err != nil {
		t.Fatal(err)
	}
	want := routeLimits{
		"POST /v1/{parent=tenants/*/homes/*}/assets":               512 << 10,
		"PATCH /v1/{asset.name=tenants/*/homes/*/assets/*}":        512 << 10,
		"POST /v1/{parent=tenants/*/homes/*/assets/*}/attachments": 12 << 20,
	}
	if !maps.Equal(got, want) {
		t.Errorf("declaredBodyLimits = %v, want %v", got, want)
	}
	for in, want := range map[string]string{
		"/v1/tenants":              "/v1/tenants",
		"/v1/{name}":               "/v1/{name=*}",
		"/v1/{name=tenants/*}":     "/v1/{name=tenants/*}",
		"/v1/{a}/x/{b.c=y/*}:verb": "/v1/{a=*}/x/{b.c=y/*}:verb",
	} {
		if got := canonicalTemplate(in); got != want {
			t.Errorf("canonicalTemplate(%q) = %q, want %q", in, got, want)
		}
	}
}
