package idp

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Grant types the token endpoint supports.
const (
	GrantPassword          = "password"
	GrantClientCredentials = "client_credentials"
)

// Client is an OAuth client registered with the issuer.
type Client struct {
	ID string
	// Secret authenticates a confidential client. Empty means a public
	// client, which identifies itself by ID alone.
	Secret string
	// GrantTypes lists the grants the client may use (GrantPassword,
	// GrantClientCredentials).
	GrantTypes []string
}

func (c Client) public() bool { return c.Secret == "" }

func (c Client) allows(grant string) bool { return slices.Contains(c.GrantTypes, grant) }

func validateClient(c Client) error {
	if c.ID == "" {
		return fmt.Errorf("client with empty ID")
	}
	if strings.ContainsRune(c.ID, ':') {
		// Basic authentication could not carry it unambiguously.
		return fmt.Errorf("client %q: ID must not contain ':'", c.ID)
	}
	if len(c.GrantTypes) == 0 {
		return fmt.Errorf("client %q: no grant types", c.ID)
	}
	for _, g := range c.GrantTypes {
		switch g {
		case GrantPassword:
		case GrantClientCredentials:
			// RFC 6749 §4.4: only confidential clients may use it.
			if c.public() {
				return fmt.Errorf("client %q: client_credentials needs a secret", c.ID)
			}
		default:
			return fmt.Errorf("client %q: unsupported grant type %q", c.ID, g)
		}
	}
	return nil
}

// authenticateClient identifies the client of a token request by
// client_secret_basic, client_secret_post, or (public clients) client_id
// alone. It returns the claimed client ID even on failure, for logging.
func (s *Server) authenticateClient(r *http.Request, form url.Values) (Client, string, error) {
	id, secret, err := clientCredentials(r, form)
	if err != nil {
		return Client{}, id, err
	}
	if id == "" {
		return Client{}, "", errInvalidClient("client authentication required")
	}
	c, ok := s.clients[id]
	if !ok {
		return Client{}, id, errInvalidClient("unknown client")
	}
	if c.public() {
		if secret != "" {
			return Client{}, id, errInvalidClient("public client must not send a secret")
		}
		return c, id, nil
	}
	if secret == "" || !secretsEqual(secret, c.Secret) {
		return Client{}, id, errInvalidClient("client authentication failed")
	}
	return c, id, nil
}

// clientCredentials extracts the client ID and secret from the request,
// refusing requests that use more than one method (RFC 6749 §2.3).
func clientCredentials(r *http.Request, form url.Values) (id, secret string, err error) {
	if r.Header.Get("Authorization") == "" {
		return form.Get("client_id"), form.Get("client_secret"), nil
	}
	rawID, rawSecret, ok := r.BasicAuth()
	if !ok {
		return "", "", errInvalidClient("unsupported authorization header")
	}
	// RFC 6749 §2.3.1: both parts are form-encoded before base64.
	id, err1 := url.QueryUnescape(rawID)
	secret, err2 := url.QueryUnescape(rawSecret)
	if err1 != nil || err2 != nil {
		return "", "", errInvalidClient("malformed basic credentials")
	}
	if form.Get("client_secret") != "" {
		return id, "", errInvalidRequest("more than one client authentication method")
	}
	if formID := form.Get("client_id"); formID != "" && formID != id {
		return id, "", errInvalidRequest("client_id does not match the authenticated client")
	}
	return id, secret, nil
}

// secretsEqual compares in constant time; hashing first hides the length
// of the stored secret, which ConstantTimeCompare would otherwise leak.
func secretsEqual(got, want string) bool {
	g := sha256.Sum256([]byte(got))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
