package authn_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"steward.dev/platform/authn"
	"steward.dev/platform/authn/authntest"
	"steward.dev/platform/scope"
)

const audience = "steward-api"

// signingKey is a private key the test identity provider signs with, and
// what its JWKS says about it (which a test may make lie).
type signingKey struct {
	authntest.Key
	published jose.JSONWebKey
}

func newECKey(t *testing.T, kid string) signingKey {
	t.Helper()
	return published(authntest.NewKey(t, kid))
}

// published is k with its true JWKS entry.
func published(k authntest.Key) signingKey { return signingKey{Key: k, published: k.Public()} }

// idp serves discovery and a JWKS, counting requests.
type idp struct {
	srv *httptest.Server

	mu      sync.Mutex
	keys    []jose.JSONWebKey
	issuer  string // what discovery claims; the server's URL by default
	jwksErr bool

	discoveryHits, jwksHits atomic.Int32
}

func newIDP(t *testing.T, keys ...signingKey) *idp {
	t.Helper()
	p := &idp{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.discoveryHits.Add(1)
		p.mu.Lock()
		issuer := p.issuer
		p.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "jwks_uri": p.srv.URL + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		p.jwksHits.Add(1)
		p.mu.Lock()
		set := jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), p.keys...)}
		fail := p.jwksErr
		p.mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(set)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	p.issuer = p.srv.URL
	p.publish(keys...)
	return p
}

// publish replaces the JWKS with keys.
func (p *idp) publish(keys ...signingKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = p.keys[:0]
	for _, k := range keys {
		p.keys = append(p.keys, k.published)
	}
}

func (p *idp) hits() (discovery, jwks int32) { return p.discoveryHits.Load(), p.jwksHits.Load() }

// clock is the Authenticator's settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// users is a UserLookup that counts its calls.
type users struct {
	calls atomic.Int32
	ids   map[string]uuid.UUID // by subject
}

func (u *users) lookup(_ context.Context, id authn.Identity) (uuid.UUID, error) {
	subject := id.Subject
	u.calls.Add(1)
	if subject == "broken" {
		return uuid.Nil, errors.New("database down")
	}
	return u.ids[subject], nil
}

type env struct {
	idp   *idp
	clock *clock
	users *users
	auth  *authn.Authenticator
	key   signingKey
}

func newEnv(t *testing.T, configure func(*authn.Config)) *env {
	t.Helper()
	e := &env{key: newECKey(t, "key-1"), clock: newClock(), users: &users{ids: map[string]uuid.UUID{"alice": uuid.New()}}}
	e.idp = newIDP(t, e.key)
	cfg := authn.Config{Issuer: e.idp.srv.URL, Audience: audience, HTTPClient: e.idp.srv.Client(), Now: e.clock.Now}
	if configure != nil {
		configure(&cfg)
	}
	e.auth = authn.New(cfg, e.users.lookup)
	return e
}

// claims returns valid claims for subject, issued now.
func (e *env) claims(subject string) jwt.Claims {
	now := e.clock.Now()
	return jwt.Claims{
		Issuer:   e.idp.srv.URL,
		Subject:  subject,
		Audience: jwt.Audience{audience},
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(5 * time.Minute)),
		ID:       uuid.NewString(), // every token distinct, so none hits the cache by accident
	}
}

func (e *env) token(t testing.TB, subject string) string { return e.key.MustSign(t, e.claims(subject)) }

func TestValidTokenAuthenticates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	c, err := e.auth.Authenticate(ctx, e.token(t, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != e.idp.srv.URL || c.Subject != "alice" || c.UserID != e.users.ids["alice"] {
		t.Errorf("caller = %+v; want alice of %s with account %s", c, e.idp.srv.URL, e.users.ids["alice"])
	}
	// An identity without an account still authenticates, with no user id.
	c, err = e.auth.Authenticate(ctx, e.token(t, "newcomer"))
	if err != nil || c.Subject != "newcomer" || c.UserID != uuid.Nil {
		t.Errorf("newcomer: %+v, %v; want subject newcomer without an account", c, err)
	}
	if d, j := e.idp.hits(); d != 1 || j != 1 {
		t.Errorf("discovery fetched %d times, JWKS %d times; want once each", d, j)
	}
}

func TestInvalidTokensAreRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsKey := published(authntest.Key{ID: "rsa-1", Algorithm: jose.RS256, Private: rsaKey})
	encKey := newECKey(t, "enc-1")
	encKey.published.Use = "enc"
	e.idp.publish(e.key, rsKey, encKey)
	// Load the keys and prove the RSA key works with its declared algorithm.
	if _, err := e.auth.Authenticate(ctx, rsKey.MustSign(t, e.claims("alice"))); err != nil {
		t.Fatalf("RS256 token: %v", err)
	}
	calls := e.users.calls.Load()

	with := func(edit func(*jwt.Claims)) string {
		c := e.claims("alice")
		edit(&c)
		return e.key.MustSign(t, c)
	}
	forged := newECKey(t, e.key.ID) // same kid, different key
	valid := e.token(t, "alice")
	parts := strings.Split(valid, ".")
	otherPayload := strings.Split(e.token(t, "mallory"), ".")[1]
	payload, err := json.Marshal(e.claims("alice"))
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	hmacSigner, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: e.key.ID}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hmacToken, err := jwt.Signed(hmacSigner).Claims(e.claims("alice")).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	psToken := authntest.Key{ID: rsKey.ID, Algorithm: jose.PS256, Private: rsaKey}.MustSign(t, e.claims("alice"))

	for name, raw := range map[string]string{
		"expired":           with(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(e.clock.Now().Add(-time.Second)) }),
		"no expiry":         with(func(c *jwt.Claims) { c.Expiry = nil }),
		"not yet valid":     with(func(c *jwt.Claims) { c.NotBefore = jwt.NewNumericDate(e.clock.Now().Add(10 * time.Minute)) }),
		"wrong issuer":      with(func(c *jwt.Claims) { c.Issuer = "https://evil.test" }),
		"wrong audience":    with(func(c *jwt.Claims) { c.Audience = jwt.Audience{"another-api"} }),
		"no audience":       with(func(c *jwt.Claims) { c.Audience = nil }),
		"alg none":          b64([]byte(`{"alg":"none","kid":"key-1","typ":"at+jwt"}`)) + "." + b64(payload) + ".",
		"HS256":             hmacToken,
		"bad signature":     forged.MustSign(t, e.claims("alice")),
		"tampered claims":   parts[0] + "." + otherPayload + "." + parts[2],
		"truncated":         parts[0] + "." + parts[1] + ".",
		"alg not the key's": psToken,
		"encryption key":    encKey.MustSign(t, e.claims("alice")),
		"garbage":           "not-a-token",
		"empty":             "",
	} {
		if c, err := e.auth.Authenticate(ctx, raw); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Errorf("%s: %+v, %v; want ErrUnauthenticated", name, c, err)
		}
	}
	if n := e.users.calls.Load() - calls; n != 0 {
		t.Errorf("rejected tokens reached the user lookup %d times", n)
	}
	if _, j := e.idp.hits(); j != 1 {
		t.Errorf("JWKS fetched %d times; want once (rejections within the window must not refetch)", j)
	}
}

// authenticateAll authenticates tokens concurrently and counts successes.
func authenticateAll(ctx context.Context, a *authn.Authenticator, tokens []string) (ok int) {
	var n atomic.Int32
	var wg sync.WaitGroup
	for _, raw := range tokens {
		wg.Go(func() {
			if _, err := a.Authenticate(ctx, raw); err == nil {
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return int(n.Load())
}

func tokens(t *testing.T, n int, mint func() string) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = mint()
	}
	return out
}

// TestUnknownKeyRefetchIsRateLimited: a flood of tokens naming unknown key
// ids costs the identity provider one JWKS request per window, and a key
// published by rotation is picked up once the window has passed.
func TestUnknownKeyRefetchIsRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil) // the default window, one minute
	ctx := context.Background()
	const n = 20
	stranger := newECKey(t, "never-published")
	strangers := func() []string { return tokens(t, n, func() string { return stranger.MustSign(t, e.claims("alice")) }) }

	if ok := authenticateAll(ctx, e.auth, strangers()); ok != 0 {
		t.Fatalf("%d tokens of an unpublished key accepted", ok)
	}
	if d, j := e.idp.hits(); d != 1 || j != 1 {
		t.Fatalf("%d concurrent unknown-key tokens cost %d discovery and %d JWKS requests; want 1 and 1", n, d, j)
	}

	// The provider rotates in a new key; within the window it is not fetched.
	rotated := newECKey(t, "key-2")
	e.idp.publish(e.key, rotated)
	e.clock.advance(59 * time.Second)
	if ok := authenticateAll(ctx, e.auth, tokens(t, n, func() string { return rotated.MustSign(t, e.claims("alice")) })); ok != 0 {
		t.Errorf("%d tokens of the new key accepted within the window; the keys were refetched early", ok)
	}
	if _, j := e.idp.hits(); j != 1 {
		t.Fatalf("JWKS fetched %d times within the window, want 1", j)
	}

	// After the window the first unknown key id refetches, once.
	e.clock.advance(time.Second)
	if ok := authenticateAll(ctx, e.auth, tokens(t, n, func() string { return rotated.MustSign(t, e.claims("alice")) })); ok != n {
		t.Errorf("%d of %d tokens of the rotated key accepted after the window", ok, n)
	}
	if ok := authenticateAll(ctx, e.auth, strangers()); ok != 0 {
		t.Errorf("%d tokens of an unpublished key accepted", ok)
	}
	if ok := authenticateAll(ctx, e.auth, tokens(t, n, func() string { return e.token(t, "alice") })); ok != n {
		t.Errorf("%d of %d tokens of the old, still published key accepted", ok, n)
	}
	if d, j := e.idp.hits(); d != 1 || j != 2 {
		t.Errorf("after the window: %d discovery and %d JWKS requests; want 1 and 2", d, j)
	}

	// Retiring the old key: once refetched, its tokens no longer verify.
	e.idp.publish(rotated)
	e.clock.advance(time.Minute)
	if _, err := e.auth.Authenticate(ctx, newECKey(t, "key-3").MustSign(t, e.claims("alice"))); err == nil {
		t.Error("token of an unpublished key accepted")
	}
	if _, err := e.auth.Authenticate(ctx, e.token(t, "alice")); !errors.Is(err, authn.ErrUnauthenticated) {
		t.Errorf("token of a retired key: %v, want ErrUnauthenticated", err)
	}
	if _, err := e.auth.Authenticate(ctx, rotated.MustSign(t, e.claims("alice"))); err != nil {
		t.Errorf("token of the current key: %v", err)
	}
	if _, j := e.idp.hits(); j != 3 {
		t.Errorf("JWKS fetched %d times, want 3", j)
	}
}

func TestMinKeyRefetchIsConfigurable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *authn.Config) { c.MinKeyRefetch = 10 * time.Second })
	ctx := context.Background()
	if _, err := e.auth.Authenticate(ctx, e.token(t, "alice")); err != nil {
		t.Fatal(err)
	}
	rotated := newECKey(t, "key-2")
	e.idp.publish(e.key, rotated)
	e.clock.advance(10 * time.Second)
	if _, err := e.auth.Authenticate(ctx, rotated.MustSign(t, e.claims("alice"))); err != nil {
		t.Errorf("rotated key after a 10s window: %v", err)
	}
}

// TestCancelledCallerDoesNotSpendTheRefetch: the fetch serves every caller,
// so one caller giving up must not leave the service without keys for the
// whole window.
func TestCancelledCallerDoesNotSpendTheRefetch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	dead, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = e.auth.Authenticate(dead, e.token(t, "alice"))
	if _, err := e.auth.Authenticate(context.Background(), e.token(t, "alice")); err != nil {
		t.Fatalf("after a cancelled first request: %v", err)
	}
}

func TestVerifiedTokensAreCached(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	raw := e.token(t, "alice") // expires in 5 minutes
	for range 3 {
		if _, err := e.auth.Authenticate(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.users.calls.Load(); n != 1 {
		t.Errorf("one token authenticated 3 times looked the user up %d times, want 1", n)
	}
	// The cache holds a token no longer than the token itself.
	e.clock.advance(5*time.Minute + time.Second)
	if _, err := e.auth.Authenticate(ctx, raw); !errors.Is(err, authn.ErrUnauthenticated) {
		t.Errorf("cached token after its expiry: %v, want ErrUnauthenticated", err)
	}
}

func TestLookupFailureIsNotCached(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	raw := e.token(t, "broken")
	for i := range 2 {
		_, err := e.auth.Authenticate(ctx, raw)
		if err == nil || errors.Is(err, authn.ErrUnauthenticated) {
			t.Errorf("attempt %d: %v; want the lookup's error, not ErrUnauthenticated", i, err)
		}
	}
	if n := e.users.calls.Load(); n != 2 {
		t.Errorf("lookup called %d times, want 2 (failures are not cached)", n)
	}
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *authn.Config) { c.CacheSize = 2 })
	ctx := context.Background()
	auth := func(raw string) {
		t.Helper()
		if _, err := e.auth.Authenticate(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	lookups := func() int32 { return e.users.calls.Load() }

	short := e.claims("alice")
	short.Expiry = jwt.NewNumericDate(e.clock.Now().Add(time.Minute))
	t1, t2 := e.key.MustSign(t, short), e.token(t, "alice")
	auth(t1)
	auth(t2)
	e.clock.advance(2 * time.Minute) // t1 expires; t2 lives
	auth(e.token(t, "alice"))        // full: the expired t1 makes room
	auth(t2)
	if n := lookups(); n != 3 {
		t.Errorf("%d lookups, want 3: t2 should have stayed cached", n)
	}
	auth(e.token(t, "alice")) // full of live tokens: the cache starts over
	auth(t2)
	if n := lookups(); n != 5 {
		t.Errorf("%d lookups, want 5: a full cache of live tokens is cleared", n)
	}
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("issuer mismatch", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil)
		e.idp.mu.Lock()
		e.idp.issuer = "https://impostor.test"
		e.idp.mu.Unlock()
		if _, err := e.auth.Authenticate(ctx, e.token(t, "alice")); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Errorf("discovery naming another issuer: %v, want ErrUnauthenticated", err)
		}
		if _, j := e.idp.hits(); j != 0 {
			t.Errorf("JWKS fetched %d times from an impostor's discovery", j)
		}
	})

	t.Run("configured JWKS URL skips discovery", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *authn.Config) { c.JWKSURL = strings.TrimSuffix(c.Issuer, "/") + "/jwks" })
		if _, err := e.auth.Authenticate(ctx, e.token(t, "alice")); err != nil {
			t.Fatal(err)
		}
		if d, j := e.idp.hits(); d != 0 || j != 1 {
			t.Errorf("%d discovery and %d JWKS requests; want 0 and 1", d, j)
		}
	})

	t.Run("JWKS unavailable", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil)
		e.idp.mu.Lock()
		e.idp.jwksErr = true
		e.idp.mu.Unlock()
		if _, err := e.auth.Authenticate(ctx, e.token(t, "alice")); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Errorf("JWKS down: %v, want ErrUnauthenticated", err)
		}
		// Back up: a failed fetch holds off retries for seconds, not the
		// whole refetch window.
		e.idp.mu.Lock()
		e.idp.jwksErr = false
		e.idp.mu.Unlock()
		e.clock.advance(time.Second)
		if _, err := e.auth.Authenticate(ctx, e.token(t, "alice")); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Errorf("a second after the failure: %v, want a retry still held off", err)
		}
		e.clock.advance(5 * time.Second)
		if _, err := e.auth.Authenticate(ctx, e.token(t, "alice")); err != nil {
			t.Errorf("identity provider back for 6s: %v", err)
		}
		if _, j := e.idp.hits(); j != 2 {
			t.Errorf("%d JWKS requests, want 2 (the failure and one retry)", j)
		}
	})
}

// TestServiceClientsAreServicePrincipals: a token issued to a configured
// service client is a service principal and never reaches the user lookup,
// even when its subject is a real user's; every other token is a user's.
func TestServiceClientsAreServicePrincipals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *authn.Config) { c.ServiceClients = []string{"svc-reminders", "svc-billing"} })
	ctx := context.Background()
	type clientClaims struct {
		jwt.Claims
		ClientID string `json:"client_id,omitempty"`
		AZP      string `json:"azp,omitempty"`
	}
	for _, tc := range []struct {
		name       string
		claims     clientClaims
		wantKind   scope.Kind
		wantClient string
		wantUser   uuid.UUID
	}{
		{"service client_id", clientClaims{Claims: e.claims("svc-reminders"), ClientID: "svc-reminders"}, scope.KindService, "svc-reminders", uuid.Nil},
		{"service with a user's subject", clientClaims{Claims: e.claims("alice"), ClientID: "svc-billing"}, scope.KindService, "svc-billing", uuid.Nil},
		{"service named by azp", clientClaims{Claims: e.claims("alice"), AZP: "svc-billing"}, scope.KindService, "svc-billing", uuid.Nil},
		{"user through a public client", clientClaims{Claims: e.claims("alice"), ClientID: "steward-cli"}, scope.KindUser, "steward-cli", e.users.ids["alice"]},
		{"client_id wins over azp", clientClaims{Claims: e.claims("alice"), ClientID: "steward-cli", AZP: "svc-billing"}, scope.KindUser, "steward-cli", e.users.ids["alice"]},
		{"no client at all", clientClaims{Claims: e.claims("alice")}, scope.KindUser, "", e.users.ids["alice"]},
	} {
		before := e.users.calls.Load()
		c, err := e.auth.Authenticate(ctx, e.key.MustSign(t, tc.claims))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if c.Kind != tc.wantKind || c.ClientID != tc.wantClient || c.UserID != tc.wantUser || c.IsService() != (tc.wantKind == scope.KindService) {
			t.Errorf("%s: caller %+v; want kind %v, client %q, user %s", tc.name, c, tc.wantKind, tc.wantClient, tc.wantUser)
		}
		lookups := e.users.calls.Load() - before
		if tc.wantKind == scope.KindService && lookups != 0 {
			t.Errorf("%s: a service principal was looked up as a user", tc.name)
		}
	}
}

// TestProfileClaimsReachTheCallerAndTheLookup: email, email_verified (JSON
// or string boolean, as issuers write it) and name are in the caller and
// handed to the user lookup; a service principal carries none of them.
func TestProfileClaimsReachTheCallerAndTheLookup(t *testing.T) {
	t.Parallel()
	var got []authn.Identity
	e := newEnv(t, func(c *authn.Config) { c.ServiceClients = []string{"svc"} })
	lookup := e.users.lookup
	e.auth = authn.New(authn.Config{Issuer: e.idp.srv.URL, Audience: audience, HTTPClient: e.idp.srv.Client(), Now: e.clock.Now, ServiceClients: []string{"svc"}},
		func(ctx context.Context, id authn.Identity) (uuid.UUID, error) {
			got = append(got, id)
			return lookup(ctx, id)
		})
	type profile struct {
		jwt.Claims
		ClientID      string `json:"client_id,omitempty"`
		Email         string `json:"email,omitempty"`
		EmailVerified any    `json:"email_verified,omitempty"`
		Name          string `json:"name,omitempty"`
	}
	for _, tc := range []struct {
		verified any
		email    string
		want     bool
	}{
		{true, "a@example.com", true},
		{"true", "a@example.com", true},
		{false, "a@example.com", false},
		{"yes", "a@example.com", false},
		{nil, "a@example.com", false},
		{true, "", false}, // verified, but no address to vouch for
	} {
		c, err := e.auth.Authenticate(context.Background(), e.key.MustSign(t, profile{Claims: e.claims("alice"), Email: tc.email, EmailVerified: tc.verified, Name: "Alice"}))
		if err != nil {
			t.Fatalf("email_verified %v: %v", tc.verified, err)
		}
		if c.Email != tc.email || c.EmailVerified != tc.want || c.Name != "Alice" {
			t.Errorf("email_verified %v: caller %+v; want email %q verified %v", tc.verified, c, tc.email, tc.want)
		}
		if last := got[len(got)-1]; last.Email != tc.email || last.EmailVerified != tc.want || last.Name != "Alice" || last.Subject != "alice" {
			t.Errorf("email_verified %v: lookup got %+v", tc.verified, last)
		}
	}
	n := len(got)
	c, err := e.auth.Authenticate(context.Background(), e.key.MustSign(t, profile{Claims: e.claims("svc"), ClientID: "svc", Email: "svc@example.com", EmailVerified: true}))
	if err != nil || !c.IsService() || c.Email != "" || c.EmailVerified || len(got) != n {
		t.Errorf("service: %+v, %v, %d lookups; want a service principal with no profile, never looked up", c, err, len(got)-n)
	}
}
