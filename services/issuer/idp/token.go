package idp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
)

// maxTokenRequestBytes bounds the token request body; real requests are a
// few hundred bytes.
const maxTokenRequestBytes = 16 << 10

// tokenError is an RFC 6749 §5.2 error response.
type tokenError struct {
	status      int
	code        string
	description string
}

func (e *tokenError) Error() string { return e.code + ": " + e.description }

func errInvalidRequest(desc string) *tokenError {
	return &tokenError{http.StatusBadRequest, "invalid_request", desc}
}

func errInvalidClient(desc string) *tokenError {
	return &tokenError{http.StatusUnauthorized, "invalid_client", desc}
}

func errInvalidGrant(desc string) *tokenError {
	return &tokenError{http.StatusBadRequest, "invalid_grant", desc}
}

// tokenResponse is an RFC 6749 §5.1 success response.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// accessTokenClaims is the RFC 9068 JWT access-token payload.
type accessTokenClaims struct {
	jwt.Claims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
	Email    string `json:"email,omitempty"`
	Name     string `json:"name,omitempty"`
	// EmailVerified is OIDC's email_verified: whether the issuer has checked
	// that the user controls Email. Steward accepts an invitation only with a
	// verified email. Absent from client-credentials tokens.
	EmailVerified *bool `json:"email_verified,omitempty"`
}

// grantLog collects what a token request's log record says about it.
type grantLog struct {
	grant, clientID, subject, scope, jti string
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	var gl grantLog
	resp, err := s.token(w, r, &gl)
	attrs := []slog.Attr{
		slog.String("grant_type", gl.grant),
		slog.String("client_id", gl.clientID),
	}
	if err != nil {
		var te *tokenError
		if !errors.As(err, &te) {
			s.log.LogAttrs(r.Context(), slog.LevelError, "token request failed", append(attrs, slog.Any("err", err))...)
			te = &tokenError{http.StatusInternalServerError, "server_error", "internal error"}
		} else {
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "token request rejected",
				append(attrs, slog.String("error", te.code), slog.String("reason", te.description))...)
		}
		writeTokenError(w, s.issuer, te)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "token issued",
		append(attrs, slog.String("sub", gl.subject), slog.String("scope", gl.scope), slog.String("jti", gl.jti))...)
	writeJSON(w, http.StatusOK, resp)
}

// token runs one token request, filling gl as it learns things.
func (s *Server) token(w http.ResponseWriter, r *http.Request, gl *grantLog) (tokenResponse, error) {
	form, err := readForm(w, r)
	if err != nil {
		return tokenResponse{}, err
	}
	gl.grant = form.Get("grant_type")
	switch gl.grant {
	case "":
		return tokenResponse{}, errInvalidRequest("missing grant_type")
	case GrantPassword, GrantClientCredentials:
	default:
		return tokenResponse{}, &tokenError{http.StatusBadRequest, "unsupported_grant_type", "unsupported grant_type"}
	}
	client, claimedID, err := s.authenticateClient(r, form)
	gl.clientID = claimedID
	if err != nil {
		return tokenResponse{}, err
	}
	if !client.allows(gl.grant) {
		return tokenResponse{}, &tokenError{http.StatusBadRequest, "unauthorized_client", "client may not use this grant type"}
	}
	if gl.scope, err = normalizeScope(form.Get("scope")); err != nil {
		return tokenResponse{}, err
	}

	claims := accessTokenClaims{ClientID: client.ID, Scope: gl.scope}
	switch gl.grant {
	case GrantPassword:
		username, password := form.Get("username"), form.Get("password")
		if username == "" || password == "" {
			return tokenResponse{}, errInvalidRequest("username and password are required")
		}
		u, err := s.users.UserByEmail(r.Context(), username)
		switch {
		case errors.Is(err, ErrUnknownUser):
			checkPassword("", password) // same cost as a wrong password
			return tokenResponse{}, errInvalidGrant("invalid username or password")
		case err != nil:
			return tokenResponse{}, fmt.Errorf("look up user: %w", err)
		}
		if !checkPassword(u.PasswordHash, password) {
			return tokenResponse{}, errInvalidGrant("invalid username or password")
		}
		claims.Subject, claims.Email, claims.Name = u.Subject, u.Email, u.DisplayName
		claims.EmailVerified = &u.EmailVerified
	case GrantClientCredentials:
		claims.Subject = client.ID
	}
	gl.subject = claims.Subject

	now := s.now()
	gl.jti = uuid.NewString() // v4, from crypto/rand
	claims.Issuer = s.issuer
	claims.Audience = jwt.Audience{s.audience}
	claims.IssuedAt = jwt.NewNumericDate(now)
	claims.NotBefore = jwt.NewNumericDate(now)
	claims.Expiry = jwt.NewNumericDate(now.Add(s.ttl))
	claims.ID = gl.jti
	token, err := jwt.Signed(s.signer).Claims(claims).Serialize()
	if err != nil {
		return tokenResponse{}, fmt.Errorf("sign token: %w", err)
	}
	return tokenResponse{
		AccessToken: token,
		TokenType:   "Bearer",
		ExpiresIn:   int64(s.ttl.Seconds()),
		Scope:       gl.scope,
	}, nil
}

// readForm parses the urlencoded body, ignoring the URL query: credentials
// must not travel in URLs (RFC 6749 §3.2).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errInvalidRequest("content type must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &tokenError{http.StatusRequestEntityTooLarge, "invalid_request", "request body too large"}
		}
		return nil, errInvalidRequest("malformed form body")
	}
	form := r.PostForm
	for k, v := range form {
		// RFC 6749 §3.2: parameters must not repeat; an empty value is absent.
		if len(v) > 1 {
			return nil, errInvalidRequest("repeated parameter " + k)
		}
	}
	return form, nil
}

// normalizeScope checks the RFC 6749 §3.3 syntax and returns the scope
// tokens deduplicated and space-separated. Any well-formed scope is
// granted: this issuer makes no policy decisions.
func normalizeScope(scope string) (string, error) {
	var tokens []string
	for tok := range strings.SplitSeq(scope, " ") {
		if tok == "" {
			continue
		}
		for _, c := range []byte(tok) {
			if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
				return "", &tokenError{http.StatusBadRequest, "invalid_scope", "malformed scope"}
			}
		}
		if !slices.Contains(tokens, tok) {
			tokens = append(tokens, tok)
		}
	}
	return strings.Join(tokens, " "), nil
}

func writeTokenError(w http.ResponseWriter, issuer string, te *tokenError) {
	if te.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", issuer))
	}
	writeJSON(w, te.status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{te.code, te.description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
