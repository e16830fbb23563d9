package resname_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
)

const (
	t1 = "0193a5c2-7d1e-7b3f-9c2a-1f2e3d4c5b6a"
	h1 = "0193a5c2-8e2f-7c40-8d3b-2a3b4c5d6e7f"
	a1 = "0193a5c2-9f30-7d51-9e4c-3b4c5d6e7f80"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          string
		wildcard    bool
		collections []string
		want        []uuid.UUID
	}{
		{"tenant", "tenants/" + t1, false, []string{"tenants"}, []uuid.UUID{uuid.MustParse(t1)}},
		{"home", "tenants/" + t1 + "/homes/" + h1, false, []string{"tenants", "homes"},
			[]uuid.UUID{uuid.MustParse(t1), uuid.MustParse(h1)}},
		{"asset", "tenants/" + t1 + "/homes/" + h1 + "/assets/" + a1, false, []string{"tenants", "homes", "assets"},
			[]uuid.UUID{uuid.MustParse(t1), uuid.MustParse(h1), uuid.MustParse(a1)}},
		{"upper-case uuid", "tenants/" + strings.ToUpper(t1), false, []string{"tenants"}, []uuid.UUID{uuid.MustParse(t1)}},
		{"wildcard home", "tenants/" + t1 + "/homes/-", true, []string{"tenants", "homes"},
			[]uuid.UUID{uuid.MustParse(t1), uuid.Nil}},
		{"wildcard everywhere", "tenants/-/homes/-", true, []string{"tenants", "homes"}, []uuid.UUID{uuid.Nil, uuid.Nil}},
		{"wildcard allowed but unused", "tenants/" + t1 + "/homes/" + h1, true, []string{"tenants", "homes"},
			[]uuid.UUID{uuid.MustParse(t1), uuid.MustParse(h1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := resname.Parse("name", tt.in, tt.wildcard, tt.collections...)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	home := []string{"tenants", "homes"}
	tests := []struct {
		name        string
		field       string
		in          string
		wildcard    bool
		collections []string
		pattern     string
	}{
		{"empty", "parent", "", false, home, "tenants/{tenant}/homes/{home}"},
		{"wrong collection", "name", "tenants/" + t1 + "/schools/" + h1, false, home, "tenants/{tenant}/homes/{home}"},
		{"collections swapped", "name", "homes/" + h1 + "/tenants/" + t1, false, home, ""},
		{"collection case", "name", "Tenants/" + t1, false, []string{"tenants"}, "tenants/{tenant}"},
		{"too short", "name", "tenants/" + t1, false, home, ""},
		{"too long", "name", "tenants/" + t1 + "/homes/" + h1 + "/assets/" + a1, false, home, ""},
		{"trailing slash", "name", "tenants/" + t1 + "/homes/" + h1 + "/", false, home, ""},
		{"leading slash", "name", "/tenants/" + t1 + "/homes/" + h1, false, home, ""},
		{"full resource name", "name", "//assets.steward.dev/tenants/" + t1, false, []string{"tenants"}, ""},
		{"empty id", "name", "tenants//homes/" + h1, false, home, ""},
		{"not a uuid", "name", "tenants/acme/homes/" + h1, false, home, ""},
		{"truncated uuid", "name", "tenants/" + t1[:35], false, []string{"tenants"}, ""},
		{"uuid without hyphens", "name", "tenants/" + strings.ReplaceAll(t1, "-", ""), false, []string{"tenants"}, ""},
		{"braced uuid", "name", "tenants/{" + t1 + "}", false, []string{"tenants"}, ""},
		{"urn uuid", "name", "tenants/urn:uuid:" + t1, false, []string{"tenants"}, ""},
		{"uuid with space", "name", "tenants/ " + t1, false, []string{"tenants"}, ""},
		{"wildcard not allowed", "asset.location", "tenants/" + t1 + "/homes/-", false, home, "tenants/{tenant}/homes/{home}"},
		{"wildcard collection", "parent", "-/" + t1 + "/homes/" + h1, true, home, ""},
		{"double dash", "parent", "tenants/" + t1 + "/homes/--", true, home, ""},
		{"star", "parent", "tenants/" + t1 + "/homes/*", true, home, ""},
		// The nil UUID is what a wildcard parses to; spelled out it must not act as one.
		{"nil uuid as wildcard", "parent", "tenants/" + t1 + "/homes/00000000-0000-0000-0000-000000000000", true, home, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ids, err := resname.Parse(tt.field, tt.in, tt.wildcard, tt.collections...)
			if ids != nil {
				t.Errorf("Parse(%q) returned ids %v with an error", tt.in, ids)
			}
			var e *apierror.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error = %v, want an *apierror.Error", tt.in, err)
			}
			if e.Code != codes.InvalidArgument || e.Reason != apierror.ReasonInvalidArgument {
				t.Errorf("error = %v/%s, want InvalidArgument", e.Code, e.Reason)
			}
			if len(e.Violations) != 1 || e.Violations[0].Field != tt.field {
				t.Fatalf("violations = %v, want one naming %q", e.Violations, tt.field)
			}
			if tt.pattern != "" && !strings.Contains(e.Violations[0].Description, tt.pattern) {
				t.Errorf("description %q does not show the pattern %q", e.Violations[0].Description, tt.pattern)
			}
		})
	}
}
