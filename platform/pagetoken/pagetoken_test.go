package pagetoken_test

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
)

func TestSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		requested, want int32
	}{
		{-1 << 31, pagetoken.DefaultSize},
		{-1, pagetoken.DefaultSize},
		{0, pagetoken.DefaultSize},
		{1, 1},
		{pagetoken.DefaultSize + 1, pagetoken.DefaultSize + 1},
		{pagetoken.MaxSize, pagetoken.MaxSize},
		{pagetoken.MaxSize + 1, pagetoken.MaxSize},
		{1<<31 - 1, pagetoken.MaxSize},
	}
	for _, tt := range tests {
		if got := pagetoken.Size(tt.requested); got != tt.want {
			t.Errorf("Size(%d) = %d, want %d", tt.requested, got, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     []string
		request []string
	}{
		{"one key", []string{"0193a5c2-7d1e-7b3f-9c2a-1f2e3d4c5b6a"}, []string{"tenants/t/homes/h"}},
		{"two keys, parent and filter", []string{"2025-01-02T03:04:05.123456789Z", "r1"}, []string{"tenants/t/homes/h/assets/a", "meter=\"water\""}},
		{"unbound", []string{"heating"}, nil},
		{"odd characters", []string{"a/b?c=d&e", "ü\x00\n\""}, []string{"p", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok := pagetoken.Encode(tt.key, tt.request...)
			if tok == "" {
				t.Fatal("Encode returned an empty token, which means \"first page\"")
			}
			// Tokens travel in URLs through the gateway.
			if _, err := base64.RawURLEncoding.DecodeString(tok); err != nil {
				t.Errorf("token %q is not unpadded base64url: %v", tok, err)
			}
			got, err := pagetoken.Decode(tok, len(tt.key), tt.request...)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !slices.Equal(got, tt.key) {
				t.Errorf("Decode = %q, want %q", got, tt.key)
			}
		})
	}
}

func TestDecodeEmptyIsFirstPage(t *testing.T) {
	t.Parallel()
	key, err := pagetoken.Decode("", 1, "tenants/t")
	if key != nil || err != nil {
		t.Errorf("Decode(\"\") = %q, %v; want nil, nil", key, err)
	}
}

// requireInvalidPageToken checks err is INVALID_ARGUMENT on page_token.
func requireInvalidPageToken(t *testing.T, err error) {
	t.Helper()
	var e *apierror.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *apierror.Error", err)
	}
	if e.Code != codes.InvalidArgument || e.Reason != apierror.ReasonInvalidArgument {
		t.Errorf("error = %v/%s, want InvalidArgument/%s", e.Code, e.Reason, apierror.ReasonInvalidArgument)
	}
	if len(e.Violations) != 1 || e.Violations[0].Field != "page_token" {
		t.Errorf("violations = %v, want one on page_token", e.Violations)
	}
}

func TestDecodeRejectsOtherRequest(t *testing.T) {
	t.Parallel()
	issued := []string{"tenants/t1/homes/h1", "category=\"heating\""}
	tok := pagetoken.Encode([]string{"k"}, issued...)
	tests := []struct {
		name    string
		request []string
	}{
		{"other parent", []string{"tenants/t1/homes/h2", "category=\"heating\""}},
		{"other tenant", []string{"tenants/t2/homes/h1", "category=\"heating\""}},
		{"other filter", []string{"tenants/t1/homes/h1", "category=\"plumbing\""}},
		{"filter dropped", []string{"tenants/t1/homes/h1", ""}},
		{"fewer parts", []string{"tenants/t1/homes/h1"}},
		{"more parts", []string{"tenants/t1/homes/h1", "category=\"heating\"", "x"}},
		{"none", nil},
		// The separator must keep the parts apart.
		{"shifted boundary", []string{"tenants/t1/homes/h1category=\"heating\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, err := pagetoken.Decode(tok, 1, tt.request...)
			if key != nil {
				t.Errorf("Decode returned key %q for another request", key)
			}
			requireInvalidPageToken(t, err)
		})
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	t.Parallel()
	good := pagetoken.Encode([]string{"k1"}, "p")
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		tok    string
		keyLen int
	}{
		{"not base64", "!!not a token!!", 1},
		{"std base64 padding", base64.StdEncoding.EncodeToString([]byte(`{"k":["k1"]}`)) + "==", 1},
		{"truncated", good[:len(good)-3], 1},
		{"appended garbage", good + "AAAA", 1},
		{"not json", enc("hello"), 1},
		{"json of wrong shape", enc(`{"k":"k1","b":""}`), 1},
		{"json array", enc(`["k1"]`), 1},
		{"missing key", enc(`{"b":"x"}`), 1},
		{"wrong key length for the method", good, 2},
		{"empty key where one expected", pagetoken.Encode(nil, "p"), 1},
		{"forged bound", enc(`{"k":["k1"],"b":"AAAAAAAAAAAAAAAA"}`), 1},
		{"no bound", enc(`{"k":["k1"]}`), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, err := pagetoken.Decode(tt.tok, tt.keyLen, "p")
			if key != nil {
				t.Errorf("Decode returned key %q for a malformed token", key)
			}
			requireInvalidPageToken(t, err)
		})
	}
}

func TestDecodeRejectsEveryByteFlip(t *testing.T) {
	t.Parallel()
	tok := pagetoken.Encode([]string{"0193a5c2-7d1e-7b3f-9c2a-1f2e3d4c5b6a"}, "tenants/t/homes/h")
	for i := range len(tok) {
		b := []byte(tok)
		// Swap to another base64url character so the token still decodes as base64.
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		key, err := pagetoken.Decode(string(b), 1, "tenants/t/homes/h")
		if err == nil {
			// A flip inside the key text itself yields another well-formed key:
			// tokens are bound, not signed, and the key is only a keyset cursor.
			if len(key) != 1 || key[0] == "0193a5c2-7d1e-7b3f-9c2a-1f2e3d4c5b6a" {
				t.Errorf("byte %d flipped: Decode = %q, nil", i, key)
			}
			continue
		}
		if key != nil {
			t.Errorf("byte %d flipped: key %q returned with error %v", i, key, err)
		}
		requireInvalidPageToken(t, err)
	}
}

func TestPage(t *testing.T) {
	t.Parallel()
	key := func(s string) []string { return []string{s} }
	rows, next := pagetoken.Page([]string{"a", "b", "c"}, 2, key, wrapperspb.String, "parent")
	if !slices.Equal(values(rows), []string{"a", "b"}) || next == "" {
		t.Fatalf("a full page plus one: %v, token %q", values(rows), next)
	}
	if got, err := pagetoken.Decode(next, 1, "parent"); err != nil || got[0] != "b" {
		t.Fatalf("the token resumes after %v (%v), want b", got, err)
	}
	if rows, next := pagetoken.Page([]string{"a", "b"}, 2, key, wrapperspb.String); len(rows) != 2 || next != "" {
		t.Fatalf("the last page: %v, token %q", values(rows), next)
	}
}

// TestPageStopsAtByteBudget: fat items end a page before page_size, and the
// page still resumes exactly after its last item.
func TestPageStopsAtByteBudget(t *testing.T) {
	t.Parallel()
	key := func(s string) []string { return []string{s[:1]} }
	fat := func(c string) string { return c + strings.Repeat("x", 99) } // 102 bytes encoded
	rows := []string{fat("a"), fat("b"), fat("c"), fat("d")}
	page, next := pagetoken.PageWithin(rows, 10, 250, key, wrapperspb.String, "parent")
	if len(page) != 2 || next == "" {
		t.Fatalf("a page of 10 within 250 bytes: %d items, token %q; want 2 and a token", len(page), next)
	}
	if got, err := pagetoken.Decode(next, 1, "parent"); err != nil || got[0] != "b" {
		t.Fatalf("the token resumes after %v (%v), want b", got, err)
	}
	// One item larger than the budget still makes a page: never an empty
	// page with a token, which a client would follow forever.
	page, next = pagetoken.PageWithin(rows, 10, 50, key, wrapperspb.String, "parent")
	if len(page) != 1 || next == "" {
		t.Fatalf("items above the budget: %d items, token %q; want 1 and a token", len(page), next)
	}
	// The budget that holds everything ends the list.
	if page, next = pagetoken.PageWithin(rows, 10, 1000, key, wrapperspb.String); len(page) != 4 || next != "" {
		t.Fatalf("everything fits: %d items, token %q", len(page), next)
	}
	// The default budget cuts a page of 4 MiB items at the real limit.
	huge := strings.Repeat("y", 1<<20)
	big := []string{"a" + huge, "b" + huge, "c" + huge, "d" + huge, "e" + huge}
	if page, next = pagetoken.Page(big, 50, key, wrapperspb.String); len(page) != 3 || next == "" {
		t.Fatalf("five 1 MiB items under %d bytes: %d items, token %q; want 3 and a token", pagetoken.MaxBytes, len(page), next)
	}
}

func values(page []*wrapperspb.StringValue) []string {
	out := make([]string, len(page))
	for i, v := range page {
		out[i] = v.GetValue()
	}
	return out
}

func TestDecodeUUID(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	if got, err := pagetoken.DecodeUUID(pagetoken.Encode([]string{id.String()}, "p"), "p"); err != nil || got != id {
		t.Fatalf("got %v, %v; want %v", got, err, id)
	}
	if got, err := pagetoken.DecodeUUID(""); err != nil || got != uuid.Nil {
		t.Fatalf("empty token: %v, %v", got, err)
	}
	if _, err := pagetoken.DecodeUUID(pagetoken.Encode([]string{"not-a-uuid"})); err == nil {
		t.Fatal("a key that is not a UUID was accepted")
	}
}
