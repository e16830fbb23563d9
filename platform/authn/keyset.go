package authn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// signingAlgs are the only algorithms accepted; "none" and HMAC never are.
var signingAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.RS256, jose.PS256, jose.EdDSA}

func algNames() []string {
	names := make([]string, len(signingAlgs))
	for i, a := range signingAlgs {
		names[i] = string(a)
	}
	return names
}

// keySet implements oidc.KeySet with the issuer's JWKS, found by discovery on
// first use. A token naming an unknown key id triggers a refetch (keys
// rotate) but at most once per minRefetch, so a flood of forged key ids cannot
// turn the service into a load generator against the identity provider.
type keySet struct {
	issuer     string
	jwksURL    string // set by configuration or discovery
	client     *http.Client
	minRefetch time.Duration
	now        func() time.Time

	fetching  sync.Mutex // one fetch at a time; held across the HTTP calls
	mu        sync.RWMutex
	keys      map[string]jose.JSONWebKey
	nextFetch time.Time // no refetch before this
}

// fetchRetry is how soon a failed fetch may be retried: an identity provider
// that comes back is used within seconds, one that stays down is not hammered.
const fetchRetry = 5 * time.Second

var errUnknownKey = errors.New("token signed with an unknown key")

func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, signingAlgs) // JWTs are compact; JSON serialization is refused
	if err != nil {
		return nil, fmt.Errorf("malformed token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("token must have exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	key, err := k.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	if key.Algorithm != "" && key.Algorithm != jws.Signatures[0].Header.Algorithm {
		return nil, errors.New("token algorithm does not match its key")
	}
	return jws.Verify(key)
}

func (k *keySet) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	if key, ok := k.known(kid); ok {
		return key, nil // the common case never waits behind a fetch
	}
	k.fetching.Lock()
	defer k.fetching.Unlock()
	if key, ok := k.known(kid); ok {
		return key, nil // fetched while this caller waited
	}
	now := k.now()
	if now.Before(k.nextFetch) {
		return jose.JSONWebKey{}, errUnknownKey
	}
	keys, err := k.fetch(ctx)
	if err != nil {
		k.nextFetch = now.Add(min(fetchRetry, k.minRefetch))
		return jose.JSONWebKey{}, fmt.Errorf("fetch signing keys: %w", err)
	}
	k.nextFetch = now.Add(k.minRefetch)
	k.mu.Lock()
	k.keys = keys
	k.mu.Unlock()
	if key, ok := keys[kid]; ok {
		return key, nil
	}
	return jose.JSONWebKey{}, errUnknownKey
}

func (k *keySet) known(kid string) (jose.JSONWebKey, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	key, ok := k.keys[kid]
	return key, ok
}

func (k *keySet) fetch(ctx context.Context) (map[string]jose.JSONWebKey, error) {
	// The fetch spends the refetch window for every caller, so one caller
	// giving up (or sending a tiny deadline) must not cut it short and leave
	// the service without keys until the window passes.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if k.jwksURL == "" {
		var doc struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := k.getJSON(ctx, strings.TrimSuffix(k.issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil {
			return nil, err
		}
		if doc.Issuer != k.issuer {
			return nil, fmt.Errorf("discovery names issuer %q, want %q", doc.Issuer, k.issuer)
		}
		k.jwksURL = doc.JWKSURI
	}
	var set jose.JSONWebKeySet
	if err := k.getJSON(ctx, k.jwksURL, &set); err != nil {
		return nil, err
	}
	keys := make(map[string]jose.JSONWebKey, len(set.Keys))
	for _, key := range set.Keys {
		if key.Use == "" || key.Use == "sig" {
			keys[key.KeyID] = key
		}
	}
	return keys, nil
}

func (k *keySet) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(v)
}
