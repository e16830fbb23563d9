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

// Members resolves a user's membership of a tenant, caching answers briefly:
// a revoked membership stops working within TTL.
type Members struct {
	db  *tenantdb.DB
	ttl time.Duration
	now func() time.Time

	mu    sync.RWMutex
	cache map[memberKey]memberEntry
}

type memberKey struct{ user, tenant uuid.UUID }

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
	key := memberKey{userID, tenantID}
	now := m.now()
	m.mu.RLock()
	e, ok := m.cache[key]
	m.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.tenant, e.member, nil
	}
	row, err := accountsstore.New(m.db.AsUser(userID)).GetMembership(ctx, accountsstore.GetMembershipParams{TenantID: tenantID, UserID: userID})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		e = memberEntry{member: false}
	case err != nil:
		return scope.Tenant{}, false, err
	default:
		roles := make([]typev1.Role, 0, len(row.Roles))
		for _, r := range row.Roles {
			roles = append(roles, scope.RoleFromString(r))
		}
		e = memberEntry{member: true, tenant: scope.Tenant{TenantID: tenantID, Kind: row.Kind, Roles: roles}}
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
