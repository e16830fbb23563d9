// Package pagetoken makes the opaque page tokens of List methods (AIP-158).
// A token carries the last key of the page and is bound to the request that
// produced it, so it cannot be replayed with a different parent or filter.
package pagetoken

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/google/uuid"

	"steward.dev/platform/apierror"
)

// DefaultSize and MaxSize bound page_size.
const (
	DefaultSize = 50
	MaxSize     = 1000
)

type token struct {
	Key   []string `json:"k"`
	Bound string   `json:"b"`
}

// Size returns the effective page size for a requested page_size.
func Size(requested int32) int32 {
	switch {
	case requested <= 0:
		return DefaultSize
	case requested > MaxSize:
		return MaxSize
	}
	return requested
}

func bind(request []string) string {
	sum := sha256.Sum256([]byte(strings.Join(request, "\x00")))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// Encode returns a token resuming after key, for the request described by
// request (parent, filter, ...).
func Encode(key []string, request ...string) string {
	b, _ := json.Marshal(token{Key: key, Bound: bind(request)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode returns the key in tok, or nil for an empty token. A token that is
// malformed or was issued for another request is INVALID_ARGUMENT.
func Decode(tok string, keyLen int, request ...string) ([]string, error) {
	if tok == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	var t token
	if err == nil {
		err = json.Unmarshal(raw, &t)
	}
	if err != nil || len(t.Key) != keyLen {
		return nil, apierror.InvalidField("page_token", "malformed page token")
	}
	if t.Bound != bind(request) {
		return nil, apierror.InvalidField("page_token", "page token was issued for a different request (parent and filter must stay the same)")
	}
	return t.Key, nil
}

// DecodeUUID decodes a token whose key is one UUID, as keyset pagination on
// an id uses; uuid.Nil for an empty token.
func DecodeUUID(tok string, request ...string) (uuid.UUID, error) {
	key, err := Decode(tok, 1, request...)
	if err != nil || key == nil {
		return uuid.Nil, err
	}
	id, err := uuid.Parse(key[0])
	if err != nil {
		return uuid.Nil, apierror.InvalidField("page_token", "malformed page token")
	}
	return id, nil
}

// Page trims rows, fetched with a limit of size+1, to one page and returns
// the token resuming after the page's last row, or "" on the last page.
func Page[T any](rows []T, size int32, key func(T) []string, request ...string) ([]T, string) {
	if int32(len(rows)) <= size {
		return rows, ""
	}
	rows = rows[:size]
	return rows, Encode(key(rows[size-1]), request...)
}
