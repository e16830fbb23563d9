package access

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/accountsstore"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

// Members resolves a caller's standing in a tenant, caching answers briefly:
// a revoked membership stops working within TTL. A user's standing is their
// membership; a service principal's is the tenant's existence, with no roles.
type Members struct {
	db  *tenantdb.DB
	ttl time.Duration
	now func() time.Time

	mu    sync.RWMutex
	cache map[memberKey]memberEntry
}

// memberKey keys the cache; service answers never collide with a user's
// because the principal kind is part of the key.
type memberKey struct {
	kind         scope.Kind
	user, tenant uuid.UUID
}

type memberEntry struct {
	tenant  scope.Tenant
	member  bool
	expires time.Time
}

// NewMembers returns a resolver reading accounts through db.
func NewMembers(db *tenantdb.DB, ttl time.Duration) *Members {
	return &Members{db: db, ttl: ttl, now: time.Now, cache: map[memberKey]memberEntry{}}
}

// Resolve returns the caller's standing in tenantID, and false if the caller
// is not a member.
func (m *Members) Resolve(ctx context.Context, userID, tenantID uuid.UUID) (scope.Tenant, bool, error) {
	if userID == uuid.Nil {
		return scope.Tenant{}, false, nil
	}
	return m.cached(memberKey{scope.KindUser, userID, tenantID}, func() (memberEntry, error) {
		row, err := accountsstore.New(m.db.AsUser(userID)).GetMembership(ctx, accountsstore.GetMembershipParams{TenantID: tenantID, UserID: userID})
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return memberEntry{member: false}, nil
		case err != nil:
			return memberEntry{}, err
		}
		roles := make([]typev1.Role, 0, len(row.Roles))
		for _, r := range row.Roles {
			roles = append(roles, scope.RoleFromString(r))
		}
		return memberEntry{member: true, tenant: scope.Tenant{
			TenantID: tenantID, Kind: row.Kind, Roles: roles,
			FamilyID: row.FamilyID.UUID, StudentID: row.StudentID.UUID, // uuid.Nil when NULL
		}}, nil
	})
}

// ResolveService returns a service principal's standing in the tenant it
// names: the tenant's kind and no roles, and false if no such tenant exists.
// What a service may do comes from the permissions granted to services, never
// from roles.
func (m *Members) ResolveService(ctx context.Context, tenantID uuid.UUID) (scope.Tenant, bool, error) {
	return m.cached(memberKey{kind: scope.KindService, tenant: tenantID}, func() (memberEntry, error) {
		// The tenant in scope is what lets RLS show the row: a service has
		// no memberships to reach it through.
		scoped := scope.WithTenant(ctx, scope.Tenant{TenantID: tenantID})
		row, err := accountsstore.New(m.db.Scoped(scoped)).GetTenantByID(ctx, tenantID)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return memberEntry{member: false}, nil
		case err != nil:
			return memberEntry{}, err
		}
		return memberEntry{member: true, tenant: scope.Tenant{TenantID: tenantID, Kind: row.Kind, Roles: []typev1.Role{}}}, nil
	})
}

// cached answers key from the cache while fresh, else from load; errors are
// not cached.
func (m *Members) cached(key memberKey, load func() (memberEntry, error)) (scope.Tenant, bool, error) {
	now := m.now()
	m.mu.RLock()
	e, ok := m.cache[key]
	m.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.tenant, e.member, nil
	}
	e, err := load()
	if err != nil {
		return scope.Tenant{}, false, err
	}
	e.expires = now.Add(m.ttl)
	m.mu.Lock()
	if len(m.cache) > 100000 {
		clear(m.cache)
	}
	m.cache[key] = e
	m.mu.Unlock()
	return e.tenant, e.member, nil
}

// UserLookup finds Steward accounts by token identity, for authn.
func UserLookup(db *tenantdb.DB) func(ctx context.Context, issuer, subject string) (uuid.UUID, error) {
	q := accountsstore.New(db.Unscoped())
	return func(ctx context.Context, issuer, subject string) (uuid.UUID, error) {
		id, err := q.UnscopedLookupUser(ctx, accountsstore.UnscopedLookupUserParams{Issuer: issuer, Subject: subject})
		if errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, nil
		}
		return id, err
	}
}
