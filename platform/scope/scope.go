// Package scope carries who is calling and for which tenant through a
// request's context. Interceptors set it; everything below reads it through
// the accessors, which report whether it is set so that callers fail closed.
//
// Role and permission checks happen before a handler runs (platform/access,
// platform/grpcserver). Relationship rules finer than a role are the
// service's: a PARENT acts only for their own family, a STUDENT only for
// themselves. A handler enforcing one reads the caller's account from
// CallerFrom (Caller.UserID, set only for KindUser) and the caller's roles in
// the tenant from TenantFrom (Tenant.Roles, Tenant.HasRole), looks the
// relationship up in its own tables, and answers NOT_FOUND for the wrong
// family, exactly as for another tenant. A service principal has no account
// and no roles, so such a rule never matches it by accident.
package scope

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	typev1 "steward.dev/gen/go/steward/type/v1"
)

// Kind says what sort of principal a caller is.
type Kind int

const (
	// KindUnknown is the zero Kind; nothing grants it anything.
	KindUnknown Kind = iota
	// KindUser is a person, known to Steward by issuer and subject.
	KindUser
	// KindService is a service acting with its own client-credentials
	// identity (a background job). It is never looked up as a user, whatever
	// its subject, holds no roles, and acts for the one tenant it names in
	// the x-steward-tenant metadata.
	KindService
)

func (k Kind) String() string {
	switch k {
	case KindUser:
		return "user"
	case KindService:
		return "service"
	}
	return "unknown"
}

// Caller is the authenticated identity behind a request.
type Caller struct {
	Kind    Kind
	Issuer  string
	Subject string
	// ClientID is the OAuth client the token was issued to (client_id or
	// azp); for a service principal it is the service's identity.
	ClientID string
	// UserID is the Steward account of a user; uuid.Nil for a service, or a
	// person not yet invited.
	UserID uuid.UUID
}

// IsService reports whether the caller is a service principal.
func (c Caller) IsService() bool { return c.Kind == KindService }

// Tenant is the tenant a request acts on and the caller's standing in it.
type Tenant struct {
	TenantID uuid.UUID
	Kind     string // "household" or "school"
	Roles    []typev1.Role
	// FamilyID is the directory family the member acts for (a PARENT), and
	// StudentID the directory student the member is (a STUDENT): opaque ids
	// kept on the membership, uuid.Nil when unset. The service owning the
	// relationship answers NOT_FOUND for any other family or student.
	FamilyID  uuid.UUID
	StudentID uuid.UUID
}

// HasRole reports whether the caller holds role in the tenant.
func (t Tenant) HasRole(role typev1.Role) bool { return slices.Contains(t.Roles, role) }

type callerKey struct{}
type tenantKey struct{}
type requestIDKey struct{}

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

// WithRequestID returns ctx carrying the request's id (x-request-id), which
// calls made while serving the request pass on.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the id of the request being served, if any.
func RequestIDFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(requestIDKey{}).(string)
	return id, ok && id != ""
}

// RoleFromString maps a stored role name ("owner") to the contract's enum.
func RoleFromString(s string) typev1.Role {
	v, ok := typev1.Role_value["ROLE_"+strings.ToUpper(s)]
	if !ok {
		return typev1.Role_ROLE_UNSPECIFIED
	}
	return typev1.Role(v)
}
