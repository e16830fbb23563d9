package invoicing_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
	"steward.dev/services/invoicing/internal/store"
)

// TestStoreQueriesKeepTenantsApartWithoutRLS tests the first wall alone:
// every query of the invoicing store, over a connection row-level security
// does not apply to, with tenant A as its tenant_id and tenant B's ids,
// finds and changes nothing of tenant B.
func TestStoreQueriesKeepTenantsApartWithoutRLS(t *testing.T) {
	t.Parallel()
	dbtest.CheckFirstWall(t, dbtest.New(t), dbtest.FirstWall{
		New: func(tx pgx.Tx) any { return store.New(tx) },
	})
}
