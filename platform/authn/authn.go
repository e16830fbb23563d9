// Package authn verifies OIDC bearer tokens (JWT access tokens) with go-oidc
// and resolves the caller's Steward account.
package authn

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"

	"steward.dev/platform/scope"
)

// Identity is a person as a verified token presents them: the issuer and
// subject that name them, and the profile claims (OIDC's email,
// email_verified and name) the issuer vouches for.
type Identity struct {
	Issuer, Subject string
	Email           string
	EmailVerified   bool
	Name            string
}

// UserLookup finds the Steward account of an identity; uuid.Nil if none.
// The platform's (platform/access.UserLookup) creates the account of a
// person signing in for the first time (just-in-time), so it answers
// uuid.Nil only for an identity without one it could create.
type UserLookup func(ctx context.Context, id Identity) (uuid.UUID, error)

// Config configures an Authenticator.
type Config struct {
	Issuer   string // OIDC_ISSUER
	Audience string // OIDC_AUDIENCE: tokens must be issued for it
	// JWKSURL skips discovery when set.
	JWKSURL    string
	HTTPClient *http.Client
	// MinKeyRefetch limits JWKS refetches for unknown key ids (default 1 min).
	MinKeyRefetch time.Duration
	// CacheSize bounds the verified-token cache (default 10000).
	CacheSize int
	Now       func() time.Time
	// ServiceClients are the OAuth client ids of Steward's own services
	// (SERVICE_CLIENTS). A token issued to one of them (its client_id, or
	// azp, names it) is a service principal, never looked up as a user
	// whatever its subject; every other token is a user's.
	ServiceClients []string
}

// Authenticator verifies each distinct token once and caches the result
// until the token expires.
type Authenticator struct {
	verifier  *oidc.IDTokenVerifier
	lookup    UserLookup
	services  map[string]bool
	now       func() time.Time
	cacheSize int

	mu    sync.RWMutex
	cache map[string]cached
}

type cached struct {
	caller scope.Caller
	expiry time.Time
}

// ErrUnauthenticated wraps every reason a token is refused.
var ErrUnauthenticated = errors.New("unauthenticated")

// New returns an Authenticator. It contacts the issuer lazily, on the first
// token, so services can start before the identity provider.
func New(cfg Config, lookup UserLookup) *Authenticator {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.MinKeyRefetch == 0 {
		cfg.MinKeyRefetch = time.Minute
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 10000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	keys := &keySet{issuer: cfg.Issuer, jwksURL: cfg.JWKSURL, client: cfg.HTTPClient, minRefetch: cfg.MinKeyRefetch, now: cfg.Now}
	verifier := oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{
		ClientID:             cfg.Audience,
		SupportedSigningAlgs: algNames(),
		Now:                  cfg.Now,
	})
	services := map[string]bool{}
	for _, id := range cfg.ServiceClients {
		if id != "" {
			services[id] = true
		}
	}
	return &Authenticator{verifier: verifier, lookup: lookup, services: services, now: cfg.Now, cacheSize: cfg.CacheSize, cache: map[string]cached{}}
}

// Authenticate verifies a raw bearer token and returns the caller.
func (a *Authenticator) Authenticate(ctx context.Context, raw string) (scope.Caller, error) {
	now := a.now()
	a.mu.RLock()
	c, ok := a.cache[raw]
	a.mu.RUnlock()
	if ok && now.Before(c.expiry) {
		return c.caller, nil
	}
	tok, err := a.verifier.Verify(ctx, raw)
	if err != nil {
		return scope.Caller{}, errors.Join(ErrUnauthenticated, err)
	}
	var client struct {
		ClientID      string    `json:"client_id"` // RFC 9068
		AZP           string    `json:"azp"`       // OIDC's authorized party, where client_id is absent
		Email         string    `json:"email"`
		EmailVerified claimBool `json:"email_verified"`
		Name          string    `json:"name"`
	}
	if err := tok.Claims(&client); err != nil {
		return scope.Caller{}, errors.Join(ErrUnauthenticated, err)
	}
	caller := scope.Caller{Kind: scope.KindUser, Issuer: tok.Issuer, Subject: tok.Subject, ClientID: client.ClientID,
		Email: client.Email, EmailVerified: bool(client.EmailVerified) && client.Email != "", Name: client.Name}
	if caller.ClientID == "" {
		caller.ClientID = client.AZP
	}
	if a.services[caller.ClientID] {
		// The subject of a client-credentials token is the issuer's to pick
		// (often the client id, but anything): it must never reach the user
		// lookup, or a service whose subject equals a person's would act as
		// that person.
		caller.Kind = scope.KindService
		caller.Email, caller.EmailVerified, caller.Name = "", false, ""
	} else if caller.UserID, err = a.lookup(ctx, Identity{
		Issuer: tok.Issuer, Subject: tok.Subject, Email: caller.Email, EmailVerified: caller.EmailVerified, Name: caller.Name,
	}); err != nil {
		return scope.Caller{}, err
	}
	a.store(raw, cached{caller: caller, expiry: tok.Expiry})
	return caller, nil
}

// claimBool is a boolean claim as issuers write it: JSON true/false, or
// (some, such as Amazon Cognito) the strings "true"/"false". Anything else is
// false: a claim Steward cannot read vouches for nothing, and must not make
// an otherwise valid token unusable.
type claimBool bool

func (b *claimBool) UnmarshalJSON(raw []byte) error {
	switch strings.Trim(string(raw), `"`) {
	case "true":
		*b = true
	default:
		*b = false
	}
	return nil
}

func (a *Authenticator) store(raw string, c cached) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= a.cacheSize {
		now := a.now()
		for k, v := range a.cache {
			if !now.Before(v.expiry) {
				delete(a.cache, k)
			}
		}
		if len(a.cache) >= a.cacheSize {
			clear(a.cache) // still full of live tokens: start over rather than grow
		}
	}
	a.cache[raw] = c
}
