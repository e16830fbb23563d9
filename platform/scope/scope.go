// Package scope carries who is calling and for which tenant through a
// request's context. Interceptors set it; everything below reads it through
// the accessors, which report whether it is set so that callers fail closed.
package scope

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	typev1 "steward.dev/gen/go/steward/type/v1"
)

// Caller is the authenticated identity behind a request.
type Caller struct {
	Issuer  string
	Subject string
	// UserID is the Steward account of the identity; uuid.Nil when the
	// identity has none (a service client, or a person not yet invited).
	UserID uuid.UUID
}

// Tenant is the tenant a request acts on and the caller's standing in it.
type Tenant struct {
	TenantID uuid.UUID
	Kind     string // "household" or "school"
	Roles    []typev1.Role
}

// HasAnyRole reports whether the caller holds one of roles in the tenant.
func (t Tenant) HasAnyRole(roles []typev1.Role) bool {
	for _, r := range roles {
		if slices.Contains(t.Roles, r) {
			return true
		}
	}
	return false
}

type callerKey struct{}
type tenantKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the request's caller, if authenticated.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// WithTenant returns ctx carrying t.
func WithTenant(ctx context.Context, t Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// TenantFrom returns the tenant the request is scoped to, if any.
func TenantFrom(ctx context.Context) (Tenant, bool) {
	t, ok := ctx.Value(tenantKey{}).(Tenant)
	return t, ok
}

// RoleFromString maps a stored role name ("owner") to the contract's enum.
func RoleFromString(s string) typev1.Role {
	v, ok := typev1.Role_value["ROLE_"+strings.ToUpper(s)]
	if !ok {
		return typev1.Role_ROLE_UNSPECIFIED
	}
	return typev1.Role(v)
}
