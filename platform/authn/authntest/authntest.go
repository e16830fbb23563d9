// Package authntest signs access tokens for tests the way an OIDC provider
// signs them for Steward: a JWT of type at+jwt (RFC 9068) with the key's id
// in its header. It is the one signer of the tests of platform/authn, of
// platform/servertest's identity provider and of the end-to-end tests that
// forge tokens against the development issuer's key.
//
// It is a package of its own, not part of servertest, because servertest
// imports grpcserver, which imports authn: authn's tests can import this
// package, which imports nothing of Steward's.
package authntest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Key is a private key that signs tokens, with the id a JWKS publishes it
// under and the algorithm it signs with.
type Key struct {
	// ID is the "kid" header of what the key signs; "" sends none.
	ID        string
	Algorithm jose.SignatureAlgorithm
	Private   crypto.Signer
}

// NewKey generates an ES256 (P-256) key, what Steward's issuer signs with.
func NewKey(t testing.TB, id string) Key {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("authntest: %v", err)
	}
	return Key{ID: id, Algorithm: jose.ES256, Private: priv}
}

// Public is the key's JWKS entry, for signing ("use": "sig").
func (k Key) Public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.Private.Public(), KeyID: k.ID, Algorithm: string(k.Algorithm), Use: "sig"}
}

// Sign serializes claims (a jwt.Claims, or a struct embedding one) as an
// access token signed with k. It returns an error rather than failing a
// test so that an identity provider's HTTP handler can sign too.
func (k Key) Sign(claims any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Algorithm, Key: jose.JSONWebKey{Key: k.Private, KeyID: k.ID}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// MustSign is Sign failing t on an error.
func (k Key) MustSign(t testing.TB, claims any) string {
	t.Helper()
	raw, err := k.Sign(claims)
	if err != nil {
		t.Fatalf("authntest: sign: %v", err)
	}
	return raw
}
