package accountsstore_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
	"steward.dev/platform/accountsstore"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestStoreQueriesKeepTenantsApartWithoutRLS tests the first wall alone:
// every query of the accounts store, over a connection row-level security
// does not apply to, with tenant A as its tenant_id and tenant B's ids, finds
// and changes nothing of tenant B.
func TestStoreQueriesKeepTenantsApartWithoutRLS(t *testing.T) {
	t.Parallel()
	dbtest.CheckFirstWall(t, dbtest.New(t), dbtest.FirstWall{
		New: func(tx pgx.Tx) any { return accountsstore.New(tx) },
		NotTenantScoped: map[string]string{
			"ListTenantsForUser":   "the caller's own memberships, keyed by user_id before a tenant is in scope",
			"GetTenantByID":        "its one parameter is the tenant id itself (sqlc passes a lone parameter bare), so it names no other tenant's row",
			"LockTenant":           "its one parameter is the tenant id itself (sqlc passes a lone parameter bare), so it names no other tenant's row",
			"CountManagers":        "its one parameter is the tenant id itself (sqlc passes a lone parameter bare), so it names no other tenant's row",
			"GetTenantByRequestID": "a sign-up's retry: the caller's own memberships, keyed by user_id before the tenant is known",
		},
	})
}
