// Package idp is a small OpenID Connect issuer for development: it publishes
// discovery metadata and a JWK set, and its token endpoint issues ES256
// JWT access tokens (RFC 9068) for the password and client_credentials
// grants. Production points OIDC_ISSUER at a real identity provider instead.
package idp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// DefaultTokenTTL is the access-token lifetime when Config.TokenTTL is zero.
const DefaultTokenTTL = time.Hour

// Config configures a Server.
type Config struct {
	// Issuer is the absolute URL the issuer is reached at, without a
	// trailing slash, e.g. "http://127.0.0.1:8081". It is the "iss" claim
	// and the base of every endpoint.
	Issuer string
	// Audience is the "aud" claim of every token, e.g. "steward".
	Audience string
	// Users backs the password grant. Required if a client may use it.
	Users UserStore
	// Clients are the registered OAuth clients.
	Clients []Client
	// TokenTTL is the access-token lifetime; zero means DefaultTokenTTL.
	TokenTTL time.Duration
	// Key signs tokens and must be P-256. Nil generates one at start, so
	// tokens do not survive a restart.
	Key *ecdsa.PrivateKey
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives one record per token request; nil discards them.
	// Records never contain passwords, secrets or tokens.
	Logger *slog.Logger
}

// Server is the issuer's HTTP handler.
type Server struct {
	issuer   string
	audience string
	users    UserStore
	clients  map[string]Client
	ttl      time.Duration
	signer   jose.Signer
	now      func() time.Time
	log      *slog.Logger
	mux      *http.ServeMux

	// Precomputed because they never change.
	discovery []byte
	jwks      []byte
}

// New validates cfg and returns a ready Server.
func New(cfg Config) (*Server, error) {
	prefix, err := validateIssuer(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if cfg.Audience == "" {
		return nil, errors.New("idp: audience is required")
	}
	s := &Server{
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		users:    cfg.Users,
		clients:  make(map[string]Client, len(cfg.Clients)),
		ttl:      cfg.TokenTTL,
		now:      cfg.Now,
		log:      cfg.Logger,
	}
	if s.ttl == 0 {
		s.ttl = DefaultTokenTTL
	}
	if s.ttl < time.Second {
		return nil, fmt.Errorf("idp: token TTL %v is shorter than a second", s.ttl)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, c := range cfg.Clients {
		if err := validateClient(c); err != nil {
			return nil, fmt.Errorf("idp: %w", err)
		}
		if _, dup := s.clients[c.ID]; dup {
			return nil, fmt.Errorf("idp: duplicate client %q", c.ID)
		}
		if c.allows(GrantPassword) && cfg.Users == nil {
			return nil, fmt.Errorf("idp: client %q uses the password grant but no user store is configured", c.ID)
		}
		s.clients[c.ID] = c
	}

	key := cfg.Key
	if key == nil {
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, fmt.Errorf("idp: generate signing key: %w", err)
		}
	} else if key.Curve != elliptic.P256() {
		return nil, errors.New("idp: ES256 needs a P-256 key")
	}
	kid, err := KeyID(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("idp: key thumbprint: %w", err)
	}
	pub := jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Use: "sig", Algorithm: string(jose.ES256)}
	s.signer, err = jose.NewSigner(
		jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: pub.KeyID}},
		(&jose.SignerOptions{}).WithType("at+jwt"),
	)
	if err != nil {
		return nil, fmt.Errorf("idp: signer: %w", err)
	}
	if s.jwks, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}); err != nil {
		return nil, fmt.Errorf("idp: encode JWK set: %w", err)
	}
	if s.discovery, err = json.Marshal(s.metadata()); err != nil {
		return nil, fmt.Errorf("idp: encode discovery document: %w", err)
	}

	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET "+prefix+"/.well-known/openid-configuration", s.serveStatic(s.discovery))
	s.mux.HandleFunc("GET "+prefix+"/jwks", s.serveStatic(s.jwks))
	s.mux.HandleFunc("POST "+prefix+"/token", s.handleToken)
	return s, nil
}

// validateIssuer checks the issuer URL and returns its path, under which
// the endpoints are served.
func validateIssuer(issuer string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil {
		return "", fmt.Errorf("idp: issuer: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return "", fmt.Errorf("idp: issuer %q must be an absolute http(s) URL", issuer)
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("idp: issuer %q must not have user info, a query or a fragment", issuer)
	case strings.HasSuffix(u.Path, "/"):
		// Verifiers compare the issuer byte for byte; one spelling only.
		return "", fmt.Errorf("idp: issuer %q must not end in a slash", issuer)
	}
	return u.EscapedPath(), nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// metadata is the OpenID Provider Metadata document. There is no
// authorization endpoint: the issuer only serves direct token grants.
type metadata struct {
	Issuer                            string   `json:"issuer"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
}

func (s *Server) metadata() metadata {
	var grants, methods []string
	var anyPassword, anyCredentials, anyPublic, anyConfidential bool
	for _, c := range s.clients {
		anyPassword = anyPassword || c.allows(GrantPassword)
		anyCredentials = anyCredentials || c.allows(GrantClientCredentials)
		anyPublic = anyPublic || c.public()
		anyConfidential = anyConfidential || !c.public()
	}
	if anyPassword {
		grants = append(grants, GrantPassword)
	}
	if anyCredentials {
		grants = append(grants, GrantClientCredentials)
	}
	if anyConfidential {
		methods = append(methods, "client_secret_basic", "client_secret_post")
	}
	if anyPublic {
		methods = append(methods, "none")
	}
	return metadata{
		Issuer:                            s.issuer,
		TokenEndpoint:                     s.issuer + "/token",
		JWKSURI:                           s.issuer + "/jwks",
		GrantTypesSupported:               nonNil(grants),
		TokenEndpointAuthMethodsSupported: nonNil(methods),
		IDTokenSigningAlgValuesSupported:  []string{string(jose.ES256)},
		SubjectTypesSupported:             []string{"public"},
		ClaimsSupported:                   []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope", "email", "name"},
	}
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) serveStatic(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		// Short, because a generated key changes on every restart.
		h.Set("Cache-Control", "public, max-age=60")
		_, _ = w.Write(body)
	}
}

// KeyID is the key id the issuer publishes key under: its RFC 7638
// thumbprint, a stable kid (the same key always gets it). Tests that forge
// tokens with the issuer's key use it to differ from a real token only
// where they mean to.
func KeyID(key *ecdsa.PublicKey) (string, error) {
	thumb, err := (&jose.JSONWebKey{Key: key}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(thumb), nil
}
