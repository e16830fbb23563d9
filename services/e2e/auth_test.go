package e2e_test

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"steward.dev/db/seed"
	"steward.dev/platform/authn/authntest"
	"steward.dev/services/issuer/idp"
)

// issuerKey is the stack's issuer key under the id the issuer publishes it
// with, so a token it signs differs from a real one only where a test makes
// it.
func issuerKey(t *testing.T, s *stack) authntest.Key {
	t.Helper()
	kid, err := idp.KeyID(&s.signingKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return authntest.Key{ID: kid, Algorithm: jose.ES256, Private: s.signingKey}
}

// TestTokenAttacksGet401 sends forged, expired and misdirected tokens through
// the gateway: every one is 401, and a genuine token works.
func TestTokenAttacksGet401(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	key := issuerKey(t, s)
	now := time.Now()
	sub := seed.UserID(householdOwner).String()
	valid := jwt.Claims{Issuer: s.issuerURL, Subject: sub, Audience: jwt.Audience{"steward"},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}

	// The control: a token we sign with the issuer's own key is accepted.
	if code := s.httpDo(t, http.MethodGet, "/v1/tenants", key.MustSign(t, valid), "", nil); code != http.StatusOK {
		t.Fatalf("control token: %d, want 200", code)
	}

	otherKey := authntest.NewKey(t, key.ID) // the issuer's kid, another key
	expired, wrongIss, wrongAud := valid, valid, valid
	expired.IssuedAt, expired.Expiry = jwt.NewNumericDate(now.Add(-2*time.Hour)), jwt.NewNumericDate(now.Add(-time.Hour))
	wrongIss.Issuer = "http://evil.example"
	wrongAud.Audience = jwt.Audience{"some-other-api"}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"` + s.issuerURL + `","sub":"` + sub + `","aud":"steward","exp":` + strconv.FormatInt(now.Add(time.Hour).Unix(), 10) + `}`))

	cases := map[string]string{
		"missing":        "",
		"garbage":        "not-a-jwt",
		"alg none":       header + "." + payload + ".",
		"bad signature":  otherKey.MustSign(t, valid),
		"unknown kid":    authntest.Key{ID: uuid.NewString(), Algorithm: otherKey.Algorithm, Private: otherKey.Private}.MustSign(t, valid),
		"expired":        key.MustSign(t, expired),
		"wrong issuer":   key.MustSign(t, wrongIss),
		"wrong audience": key.MustSign(t, wrongAud),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			var body struct {
				Status string `json:"status"`
			}
			if code := s.httpDo(t, http.MethodGet, "/v1/tenants", tok, "", &body); code != http.StatusUnauthorized || body.Status != "UNAUTHENTICATED" {
				t.Fatalf("status %d %q, want 401 UNAUTHENTICATED", code, body.Status)
			}
		})
	}
}
