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
	"google.golang.org/protobuf/proto"

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

// MaxBytes bounds the encoded size of one page's items: a page of fat
// resources stops filling before it reaches page_size, so no List answer
// takes a server's memory (or a client's) up by more than this.
const MaxBytes = 4 << 20

// Page converts rows, fetched with a limit of size+1, into one page of at
// most size items and MaxBytes of their encoded size (at least one item,
// whatever its size). It returns the token resuming after the page's last
// row, or "" when no row was left out.
func Page[T any, M proto.Message](rows []T, size int32, key func(T) []string, convert func(T) M, request ...string) ([]M, string) {
	return page(rows, size, MaxBytes, key, convert, request...)
}

func page[T any, M proto.Message](rows []T, size int32, budget int, key func(T) []string, convert func(T) M, request ...string) ([]M, string) {
	n := min(len(rows), int(size))
	out := make([]M, 0, n)
	used := 0
	for _, r := range rows[:n] {
		m := convert(r)
		used += proto.Size(m)
		if used > budget && len(out) > 0 {
			break
		}
		out = append(out, m)
	}
	if len(out) == len(rows) {
		return out, ""
	}
	return out, Encode(key(rows[len(out)-1]), request...)
}
