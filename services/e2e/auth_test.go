package e2e_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"steward.dev/db/seed"
)

// sign makes a JWT with key, using the issuer's key id so that only the
// signature (or a claim) is wrong.
func sign(t *testing.T, key *ecdsa.PrivateKey, kid string, claims jwt.Claims) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func issuerKid(t *testing.T, key *ecdsa.PrivateKey) string {
	t.Helper()
	thumb, err := (&jose.JSONWebKey{Key: key.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(thumb)
}

// TestTokenAttacksGet401 sends forged, expired and misdirected tokens through
// the gateway: every one is 401, and a genuine token works.
func TestTokenAttacksGet401(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	kid := issuerKid(t, s.signingKey)
	now := time.Now()
	sub := seed.UserID(householdOwner).String()
	valid := jwt.Claims{Issuer: s.issuerURL, Subject: sub, Audience: jwt.Audience{"steward"},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}

	// The control: a token we sign with the issuer's own key is accepted.
	if code := s.httpDo(t, http.MethodGet, "/v1/tenants", sign(t, s.signingKey, kid, valid), "", nil); code != http.StatusOK {
		t.Fatalf("control token: %d, want 200", code)
	}

	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
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
		"bad signature":  sign(t, otherKey, kid, valid),
		"unknown kid":    sign(t, otherKey, uuid.NewString(), valid),
		"expired":        sign(t, s.signingKey, kid, expired),
		"wrong issuer":   sign(t, s.signingKey, kid, wrongIss),
		"wrong audience": sign(t, s.signingKey, kid, wrongAud),
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
