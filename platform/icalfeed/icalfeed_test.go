package icalfeed_test

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"steward.dev/platform/icalfeed"
)

// TestSecret: a secret is 32 random bytes as 43 URL-safe characters, its
// stored form is the text's sha256, and only the very text matches it.
func TestSecret(t *testing.T) {
	t.Parallel()
	token, hash, err := icalfeed.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 32 || len(token) != 43 || strings.ContainsAny(token, "+/=") {
		t.Errorf("token %q (%d bytes, %v): want 32 bytes, base64url without padding", token, len(raw), err)
	}
	if sum := sha256.Sum256([]byte(token)); string(sum[:]) != string(hash) {
		t.Error("hash is not the token's sha256")
	}
	if !icalfeed.Matches(token, hash) {
		t.Error("the token does not match its own hash")
	}
	for _, wrong := range []string{"", token[:42], token + "A", strings.ToUpper(token)} {
		if icalfeed.Matches(wrong, hash) {
			t.Errorf("%q matches", wrong)
		}
	}
	other, _, err := icalfeed.NewSecret()
	if err != nil || other == token {
		t.Errorf("a second secret %q (%v) equals the first", other, err)
	}
	if got := icalfeed.URL("tenants/t/homes/h/maintenanceFeeds/f", token); got != "/v1/tenants/t/homes/h/maintenanceFeeds/f/calendar.ics?token="+token {
		t.Errorf("URL = %q", got)
	}
}
