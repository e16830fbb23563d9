package idp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/crypto/bcrypt"

	"steward.dev/db/dbtest"
	"steward.dev/services/issuer/idp"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	alicePassword = "correct horse battery staple"
	cliClient     = "steward-cli"
	svcClient     = "reporter"
	svcSecret     = "s3cret:with-colon"
	audience      = "steward"
)

// aliceHash is computed once per test binary: bcrypt at cost 12 is slow.
var aliceHash = sync.OnceValue(func() string {
	h, err := idp.HashPassword(alicePassword)
	if err != nil {
		panic(err)
	}
	return h
})

func alice() idp.User {
	return idp.User{Subject: "user-alice", Email: "alice@example.com", DisplayName: "Alice Liddell", PasswordHash: aliceHash(), EmailVerified: true}
}

func testClients() []idp.Client {
	return []idp.Client{
		{ID: cliClient, GrantTypes: []string{idp.GrantPassword}},
		{ID: svcClient, Secret: svcSecret, GrantTypes: []string{idp.GrantClientCredentials}},
	}
}

// startIssuer serves an issuer whose Issuer is its own test URL. edit may
// adjust the config before New.
func startIssuer(t *testing.T, edit func(*idp.Config)) *httptest.Server {
	t.Helper()
	// Listen first: the issuer URL must be known before New.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	users, err := idp.NewMemoryStore(alice())
	if err != nil {
		t.Fatal(err)
	}
	cfg := idp.Config{
		Issuer:   "http://" + ln.Addr().String(),
		Audience: audience,
		Users:    users,
		Clients:  testClients(),
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := idp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

type tokenReply struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	Scope            string `json:"scope"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// postToken sends form to the token endpoint, with HTTP Basic credentials
// when basic is non-nil.
func postToken(t *testing.T, ts *httptest.Server, form url.Values, basic *url.Userinfo) (*http.Response, tokenReply) {
	t.Helper()
	return postRaw(t, ts, "application/x-www-form-urlencoded", form.Encode(), basic)
}

func postRaw(t *testing.T, ts *httptest.Server, contentType, body string, basic *url.Userinfo) (*http.Response, tokenReply) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/token", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if basic != nil {
		pw, _ := basic.Password()
		req.SetBasicAuth(url.QueryEscape(basic.Username()), url.QueryEscape(pw))
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply tokenReply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		t.Fatalf("decode token response (status %d): %v", resp.StatusCode, err)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	return resp, reply
}

func passwordForm(username, password string) url.Values {
	return url.Values{
		"grant_type": {"password"},
		"client_id":  {cliClient},
		"username":   {username},
		"password":   {password},
	}
}

// verifier discovers the issuer the way the platform does.
func verifier(t *testing.T, ts *httptest.Server) *oidc.IDTokenVerifier {
	t.Helper()
	ctx := oidc.ClientContext(t.Context(), ts.Client())
	provider, err := oidc.NewProvider(ctx, ts.URL)
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	return provider.Verifier(&oidc.Config{ClientID: audience})
}

type accessClaims struct {
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	Email    string `json:"email"`
	// EmailVerified is nil when the claim is absent.
	EmailVerified *bool  `json:"email_verified"`
	Name          string `json:"name"`
	JTI           string `json:"jti"`
	IAT           int64  `json:"iat"`
	NBF           int64  `json:"nbf"`
	EXP           int64  `json:"exp"`
}

func TestPasswordGrantTokenVerifiesWithGoOIDC(t *testing.T) {
	t.Parallel()
	ts := startIssuer(t, nil)

	// Email lookup ignores case; the scope is normalised.
	form := passwordForm("ALICE@Example.com", alicePassword)
	form.Set("scope", "openid  assets:read openid")
	resp, reply := postToken(t, ts, form, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d (%s: %s), want 200", resp.StatusCode, reply.Error, reply.ErrorDescription)
	}
	if reply.TokenType != "Bearer" || reply.ExpiresIn != 3600 || reply.Scope != "openid assets:read" {
		t.Errorf("reply = %+v, want Bearer, 3600 s, scope %q", reply, "openid assets:read")
	}

	ctx := oidc.ClientContext(t.Context(), ts.Client())
	tok, err := verifier(t, ts).Verify(ctx, reply.AccessToken)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if tok.Issuer != ts.URL || tok.Subject != "user-alice" {
		t.Errorf("iss, sub = %q, %q; want %q, user-alice", tok.Issuer, tok.Subject, ts.URL)
	}
	var c accessClaims
	if err := tok.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if c.ClientID != cliClient || c.Scope != "openid assets:read" || c.Email != "alice@example.com" || c.Name != "Alice Liddell" ||
		c.EmailVerified == nil || !*c.EmailVerified {
		t.Errorf("claims = %+v", c)
	}
	if c.JTI == "" || c.IAT == 0 || c.NBF != c.IAT || c.EXP != c.IAT+3600 {
		t.Errorf("jti, iat, nbf, exp = %q, %d, %d, %d", c.JTI, c.IAT, c.NBF, c.EXP)
	}

	parsed, err := jwt.ParseSigned(reply.AccessToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	h := parsed.Headers[0]
	if h.ExtraHeaders[jose.HeaderType] != "at+jwt" || h.KeyID == "" {
		t.Errorf("header typ, kid = %v, %q; want at+jwt and a kid", h.ExtraHeaders[jose.HeaderType], h.KeyID)
	}

	// Every token has a fresh jti (client_credentials spares a bcrypt run).
	_, again := postToken(t, ts, url.Values{"grant_type": {"client_credentials"}, "client_id": {svcClient}, "client_secret": {svcSecret}}, nil)
	var c2 accessClaims
	if err := parsePayload(again.AccessToken, &c2); err != nil {
		t.Fatal(err)
	}
	if c2.JTI == c.JTI {
		t.Errorf("jti repeated: %q", c.JTI)
	}
}

func parsePayload(token string, v any) error {
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return err
	}
	return parsed.UnsafeClaimsWithoutVerification(v)
}

func TestClientCredentialsGrant(t *testing.T) {
	t.Parallel()
	ts := startIssuer(t, nil)
	v := verifier(t, ts)

	for _, tc := range []struct {
		name  string
		form  url.Values
		basic *url.Userinfo
	}{
		{"client_secret_basic", url.Values{"grant_type": {"client_credentials"}}, url.UserPassword(svcClient, svcSecret)},
		{"client_secret_post", url.Values{"grant_type": {"client_credentials"}, "client_id": {svcClient}, "client_secret": {svcSecret}}, nil},
		{"basic with matching client_id", url.Values{"grant_type": {"client_credentials"}, "client_id": {svcClient}}, url.UserPassword(svcClient, svcSecret)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, reply := postToken(t, ts, tc.form, tc.basic)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d (%s: %s), want 200", resp.StatusCode, reply.Error, reply.ErrorDescription)
			}
			tok, err := v.Verify(oidc.ClientContext(t.Context(), ts.Client()), reply.AccessToken)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			var c accessClaims
			if err := tok.Claims(&c); err != nil {
				t.Fatal(err)
			}
			if tok.Subject != svcClient || c.ClientID != svcClient || c.Email != "" || c.Name != "" || c.EmailVerified != nil {
				t.Errorf("sub = %q, claims = %+v; want the client and no user claims", tok.Subject, c)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	ts := startIssuer(t, nil)

	withScope := passwordForm("alice@example.com", alicePassword)
	withScope.Set("scope", `read "quoted"`)

	for _, tc := range []struct {
		name        string
		contentType string // default: urlencoded
		body        string // default: form.Encode()
		form        url.Values
		basic       *url.Userinfo
		wantStatus  int
		wantError   string
	}{
		{name: "wrong password", form: passwordForm("alice@example.com", "wrong"),
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "password beyond bcrypt's 72 bytes", form: passwordForm("alice@example.com", alicePassword+strings.Repeat("x", 60)),
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "unknown user", form: passwordForm("mallory@example.com", alicePassword),
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "missing password", form: url.Values{"grant_type": {"password"}, "client_id": {cliClient}, "username": {"alice@example.com"}},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "unknown client", form: url.Values{"grant_type": {"password"}, "client_id": {"nobody"}, "username": {"alice@example.com"}, "password": {alicePassword}},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "no client", form: url.Values{"grant_type": {"password"}, "username": {"alice@example.com"}, "password": {alicePassword}},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "public client sends a secret", form: url.Values{"grant_type": {"password"}, "client_id": {cliClient}, "client_secret": {"x"}, "username": {"alice@example.com"}, "password": {alicePassword}},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "missing grant_type", form: url.Values{"client_id": {cliClient}},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "unsupported grant", form: url.Values{"grant_type": {"authorization_code"}, "client_id": {cliClient}, "code": {"x"}},
			wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "client_credentials bad secret basic", form: url.Values{"grant_type": {"client_credentials"}}, basic: url.UserPassword(svcClient, "nope"),
			wantStatus: 401, wantError: "invalid_client"},
		{name: "client_credentials bad secret post", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {svcClient}, "client_secret": {"nope"}},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "client_credentials no secret", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {svcClient}},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "client_credentials by public client", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {cliClient}},
			wantStatus: 400, wantError: "unauthorized_client"},
		{name: "password grant by service client", form: url.Values{"grant_type": {"password"}, "username": {"alice@example.com"}, "password": {alicePassword}}, basic: url.UserPassword(svcClient, svcSecret),
			wantStatus: 400, wantError: "unauthorized_client"},
		{name: "two authentication methods", form: url.Values{"grant_type": {"client_credentials"}, "client_secret": {svcSecret}}, basic: url.UserPassword(svcClient, svcSecret),
			wantStatus: 400, wantError: "invalid_request"},
		{name: "client_id disagrees with basic", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {cliClient}}, basic: url.UserPassword(svcClient, svcSecret),
			wantStatus: 400, wantError: "invalid_request"},
		{name: "repeated parameter", body: "grant_type=password&grant_type=password&client_id=steward-cli",
			wantStatus: 400, wantError: "invalid_request"},
		{name: "malformed scope", form: withScope,
			wantStatus: 400, wantError: "invalid_scope"},
		{name: "JSON body", contentType: "application/json", body: `{"grant_type":"password"}`,
			wantStatus: 400, wantError: "invalid_request"},
		{name: "oversized body", body: "grant_type=password&password=" + strings.Repeat("a", 20<<10),
			wantStatus: 413, wantError: "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ct, body := tc.contentType, tc.body
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			if body == "" {
				body = tc.form.Encode()
			}
			resp, reply := postRaw(t, ts, ct, body, tc.basic)
			if resp.StatusCode != tc.wantStatus || reply.Error != tc.wantError {
				t.Errorf("got %d %q (%s), want %d %q", resp.StatusCode, reply.Error, reply.ErrorDescription, tc.wantStatus, tc.wantError)
			}
			if reply.AccessToken != "" {
				t.Error("error response carries an access token")
			}
			if gotAuth := resp.Header.Get("WWW-Authenticate"); (resp.StatusCode == http.StatusUnauthorized) != strings.HasPrefix(gotAuth, "Basic ") {
				t.Errorf("WWW-Authenticate = %q with status %d", gotAuth, resp.StatusCode)
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	ts := startIssuer(t, nil)
	for _, tc := range []struct {
		method, path, allow string
	}{
		{http.MethodGet, "/token", "POST"},
		{http.MethodPost, "/jwks", "GET, HEAD"},
		{http.MethodDelete, "/.well-known/openid-configuration", "GET, HEAD"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), tc.method, ts.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tc.allow {
				t.Errorf("got %d, Allow %q; want 405, Allow %q", resp.StatusCode, resp.Header.Get("Allow"), tc.allow)
			}
		})
	}
}

func TestDiscoveryAndJWKS(t *testing.T) {
	t.Parallel()
	ts := startIssuer(t, nil)

	var meta struct {
		Issuer        string   `json:"issuer"`
		JWKSURI       string   `json:"jwks_uri"`
		TokenEndpoint string   `json:"token_endpoint"`
		Grants        []string `json:"grant_types_supported"`
		Algs          []string `json:"id_token_signing_alg_values_supported"`
		AuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
	}
	getJSON(t, ts, "/.well-known/openid-configuration", &meta)
	if meta.Issuer != ts.URL || meta.JWKSURI != ts.URL+"/jwks" || meta.TokenEndpoint != ts.URL+"/token" {
		t.Errorf("endpoints = %+v", meta)
	}
	if strings.Join(meta.Grants, " ") != "password client_credentials" ||
		strings.Join(meta.Algs, " ") != "ES256" ||
		strings.Join(meta.AuthMethods, " ") != "client_secret_basic client_secret_post none" {
		t.Errorf("capabilities = %+v", meta)
	}

	var set jose.JSONWebKeySet
	getJSON(t, ts, "/jwks", &set)
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k.KeyID == "" || k.Use != "sig" || k.Algorithm != "ES256" || !k.IsPublic() {
		t.Errorf("key kid=%q use=%q alg=%q public=%v", k.KeyID, k.Use, k.Algorithm, k.IsPublic())
	}
}

func getJSON(t *testing.T, ts *httptest.Server, path string, v any) {
	t.Helper()
	resp, err := ts.Client().Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func TestIssuerWithPathAndConfiguredKey(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// The issuer path prefixes every endpoint, so mount it at the root.
	var issuer string
	ts := startIssuer(t, func(c *idp.Config) {
		c.Issuer += "/realms/dev"
		c.Key = key
		c.TokenTTL = 5 * time.Minute
		issuer = c.Issuer
	})
	ctx := oidc.ClientContext(t.Context(), ts.Client())
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {svcClient}, "client_secret": {svcSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, provider.Endpoint().TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply tokenReply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		t.Fatal(err)
	}
	if reply.ExpiresIn != 300 {
		t.Errorf("expires_in = %d, want 300", reply.ExpiresIn)
	}
	tok, err := provider.Verifier(&oidc.Config{ClientID: audience}).Verify(ctx, reply.AccessToken)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	// The token verifies with the configured key itself, too.
	parsed, err := jwt.ParseSigned(reply.AccessToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var claims jwt.Claims
	if err := parsed.Claims(&key.PublicKey, &claims); err != nil {
		t.Fatalf("verify with configured key: %v", err)
	}
	if claims.Subject != tok.Subject {
		t.Errorf("sub = %q, want %q", claims.Subject, tok.Subject)
	}
}

func TestTokenRejectedByVerifier(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		edit     func(*idp.Config)
		clientID string
		check    func(error) bool
	}{
		{
			name:     "expired",
			edit:     func(c *idp.Config) { c.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) } },
			clientID: audience,
			check: func(err error) bool {
				_, ok := errors.AsType[*oidc.TokenExpiredError](err)
				return ok
			},
		},
		{
			name:     "other audience",
			clientID: "someone-else",
			check:    func(err error) bool { return err != nil && strings.Contains(err.Error(), "audience") },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startIssuer(t, tc.edit)
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {svcClient}, "client_secret": {svcSecret}}
			resp, reply := postToken(t, ts, form, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			ctx := oidc.ClientContext(t.Context(), ts.Client())
			provider, err := oidc.NewProvider(ctx, ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			_, err = provider.Verifier(&oidc.Config{ClientID: tc.clientID}).Verify(ctx, reply.AccessToken)
			if !tc.check(err) {
				t.Errorf("Verify error = %v, want the %s failure", err, tc.name)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	users, err := idp.NewMemoryStore()
	if err != nil {
		t.Fatal(err)
	}
	valid := func() idp.Config {
		return idp.Config{Issuer: "http://127.0.0.1:8081", Audience: audience, Users: users, Clients: testClients()}
	}
	if _, err := idp.New(valid()); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*idp.Config)
	}{
		{"no issuer", func(c *idp.Config) { c.Issuer = "" }},
		{"relative issuer", func(c *idp.Config) { c.Issuer = "/issuer" }},
		{"issuer with trailing slash", func(c *idp.Config) { c.Issuer += "/" }},
		{"issuer with query", func(c *idp.Config) { c.Issuer += "?a=b" }},
		{"no audience", func(c *idp.Config) { c.Audience = "" }},
		{"P-384 key", func(c *idp.Config) { c.Key = p384 }},
		{"sub-second TTL", func(c *idp.Config) { c.TokenTTL = time.Millisecond }},
		{"duplicate client", func(c *idp.Config) { c.Clients = append(c.Clients, c.Clients[0]) }},
		{"public client_credentials client", func(c *idp.Config) {
			c.Clients = []idp.Client{{ID: "x", GrantTypes: []string{idp.GrantClientCredentials}}}
		}},
		{"unknown grant type", func(c *idp.Config) {
			c.Clients = []idp.Client{{ID: "x", GrantTypes: []string{"implicit"}}}
		}},
		{"client without grants", func(c *idp.Config) { c.Clients = []idp.Client{{ID: "x"}} }},
		{"colon in client ID", func(c *idp.Config) {
			c.Clients = []idp.Client{{ID: "a:b", Secret: "s", GrantTypes: []string{idp.GrantClientCredentials}}}
		}},
		{"password grant without users", func(c *idp.Config) { c.Users = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			tc.edit(&cfg)
			if _, err := idp.New(cfg); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	if _, err := idp.NewMemoryStore(idp.User{Email: "a@x"}, idp.User{Email: "A@X"}); err == nil {
		t.Error("NewMemoryStore accepted emails differing only in case")
	}
	s, err := idp.NewMemoryStore(idp.User{Subject: "s", Email: "A@x"})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByEmail(t.Context(), "a@X"); err != nil || u.Subject != "s" {
		t.Errorf("UserByEmail = %+v, %v", u, err)
	}
	if _, err := s.UserByEmail(t.Context(), "b@x"); !errors.Is(err, idp.ErrUnknownUser) {
		t.Errorf("unknown email: err = %v, want ErrUnknownUser", err)
	}
}

func TestHashPassword(t *testing.T) {
	t.Parallel()
	h := aliceHash()
	if cost, err := bcrypt.Cost([]byte(h)); err != nil || cost != 12 {
		t.Errorf("cost = %d, %v; want 12", cost, err)
	}
	// That h matches its password is shown by every password-grant test.
	// The dummy hash must cost as much as real ones, or timing leaks.
	if cost, err := bcrypt.Cost([]byte(idp.DummyHash)); err != nil || cost != idp.PasswordCost {
		t.Errorf("dummy hash cost = %d, %v; want %d", cost, err, idp.PasswordCost)
	}
	if _, err := idp.HashPassword(strings.Repeat("x", 73)); err == nil {
		t.Error("HashPassword accepted a password bcrypt would truncate")
	}
}
