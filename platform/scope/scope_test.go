package scope_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/scope"
)

func TestCallerRoundTrip(t *testing.T) {
	t.Parallel()
	if _, ok := scope.CallerFrom(context.Background()); ok {
		t.Error("CallerFrom on a bare context reports a caller")
	}
	tests := []struct {
		name string
		c    scope.Caller
	}{
		{"person", scope.Caller{Issuer: "https://idp.example", Subject: "alice", UserID: uuid.MustParse("0193a5c2-7d1e-7b3f-9c2a-1f2e3d4c5b6a")}},
		{"service client without account", scope.Caller{Issuer: "https://idp.example", Subject: "svc-backup"}},
		// The zero caller is still a set caller; only absence fails closed.
		{"zero", scope.Caller{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := scope.WithCaller(context.Background(), tt.c)
			got, ok := scope.CallerFrom(ctx)
			if !ok || got != tt.c {
				t.Errorf("CallerFrom = %+v, %v; want %+v, true", got, ok, tt.c)
			}
			if _, ok := scope.TenantFrom(ctx); ok {
				t.Error("setting a caller also set a tenant")
			}
		})
	}
}

func TestTenantRoundTrip(t *testing.T) {
	t.Parallel()
	if _, ok := scope.TenantFrom(context.Background()); ok {
		t.Error("TenantFrom on a bare context reports a tenant")
	}
	caller := scope.Caller{Subject: "alice"}
	want := scope.Tenant{TenantID: uuid.MustParse("0193a5c2-7d1e-7b3f-9c2a-1f2e3d4c5b6a"), Kind: "household", Roles: []typev1.Role{typev1.Role_ROLE_OWNER}}
	ctx := scope.WithTenant(scope.WithCaller(context.Background(), caller), want)

	got, ok := scope.TenantFrom(ctx)
	if !ok || got.TenantID != want.TenantID || got.Kind != want.Kind || len(got.Roles) != 1 || got.Roles[0] != typev1.Role_ROLE_OWNER {
		t.Errorf("TenantFrom = %+v, %v; want %+v, true", got, ok, want)
	}
	if c, ok := scope.CallerFrom(ctx); !ok || c != caller {
		t.Errorf("CallerFrom after WithTenant = %+v, %v; want %+v, true", c, ok, caller)
	}

	// A derived context overrides the value without touching the parent.
	other := scope.Tenant{TenantID: uuid.New(), Kind: "school"}
	child := scope.WithTenant(ctx, other)
	if got, _ := scope.TenantFrom(child); got.TenantID != other.TenantID {
		t.Errorf("child tenant = %v, want %v", got.TenantID, other.TenantID)
	}
	if got, _ := scope.TenantFrom(ctx); got.TenantID != want.TenantID {
		t.Errorf("parent tenant changed to %v", got.TenantID)
	}
}

func TestHasRole(t *testing.T) {
	t.Parallel()
	owner, teacher, parent := typev1.Role_ROLE_OWNER, typev1.Role_ROLE_TEACHER, typev1.Role_ROLE_PARENT
	tests := []struct {
		name string
		held []typev1.Role
		role typev1.Role
		want bool
	}{
		{"holds it", []typev1.Role{owner}, owner, true},
		{"one of several held", []typev1.Role{parent, teacher}, teacher, true},
		{"holds another", []typev1.Role{parent}, teacher, false},
		{"holds none", nil, owner, false},
		// UNSPECIFIED stands for an unknown stored role; it must not match anything real.
		{"unspecified held", []typev1.Role{typev1.Role_ROLE_UNSPECIFIED}, owner, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := (scope.Tenant{Roles: tt.held}).HasRole(tt.role); got != tt.want {
				t.Errorf("HasRole(%v) with %v = %v, want %v", tt.role, tt.held, got, tt.want)
			}
		})
	}
}

func TestRoleFromString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want typev1.Role
	}{
		// Every name the memberships CHECK constraint allows.
		{"owner", typev1.Role_ROLE_OWNER},
		{"member", typev1.Role_ROLE_MEMBER},
		{"admin", typev1.Role_ROLE_ADMIN},
		{"teacher", typev1.Role_ROLE_TEACHER},
		{"parent", typev1.Role_ROLE_PARENT},
		{"student", typev1.Role_ROLE_STUDENT},
		{"Owner", typev1.Role_ROLE_OWNER},
		{"", typev1.Role_ROLE_UNSPECIFIED},
		{"unspecified", typev1.Role_ROLE_UNSPECIFIED},
		{"superuser", typev1.Role_ROLE_UNSPECIFIED},
		{"ROLE_OWNER", typev1.Role_ROLE_UNSPECIFIED},
		{" owner", typev1.Role_ROLE_UNSPECIFIED},
	}
	for _, tt := range tests {
		if got := scope.RoleFromString(tt.in); got != tt.want {
			t.Errorf("RoleFromString(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCallerKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind    scope.Kind
		name    string
		service bool
	}{
		{scope.KindUnknown, "unknown", false},
		{scope.KindUser, "user", false},
		{scope.KindService, "service", true},
	} {
		c := scope.Caller{Kind: tc.kind}
		if c.IsService() != tc.service || tc.kind.String() != tc.name {
			t.Errorf("Kind %d: IsService = %v, String = %q; want %v, %q", tc.kind, c.IsService(), tc.kind.String(), tc.service, tc.name)
		}
	}
}

func TestRequestIDRoundTrip(t *testing.T) {
	t.Parallel()
	if _, ok := scope.RequestIDFrom(context.Background()); ok {
		t.Error("RequestIDFrom on a bare context reports an id")
	}
	if _, ok := scope.RequestIDFrom(scope.WithRequestID(context.Background(), "")); ok {
		t.Error("an empty request id counts as one")
	}
	if id, ok := scope.RequestIDFrom(scope.WithRequestID(context.Background(), "req-1")); !ok || id != "req-1" {
		t.Errorf("RequestIDFrom = %q, %v; want req-1", id, ok)
	}
}
