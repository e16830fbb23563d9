package dbtest_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestNewDatabaseIsMigrated(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	conn, err := pgx.Connect(context.Background(), d.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM assets.categories").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("categories = %d, want the seeded catalogue", n)
	}
}

// TestScopes: AsTenant scopes the runtime role and the owner (FORCE RLS binds
// both) to one tenant, the scope ends with the transaction, and only the
// bypass connection sees every tenant.
func TestScopes(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	owner, app, bypass := d.OwnerPool(t), d.AppPool(t), d.BypassRLSPool(t)
	a, b := uuid.New(), uuid.New()
	for _, tenant := range []uuid.UUID{a, b} {
		dbtest.ExecAsTenant(t, owner, tenant, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, 'household', 'T')", tenant)
	}
	count := func(db dbtest.Beginner, tenant uuid.UUID) int {
		t.Helper()
		var n int
		dbtest.QueryRowAsTenant(t, db, tenant, "SELECT count(*) FROM accounts.tenants WHERE tenant_id IN ($1, $2)", []any{a, b}, &n)
		return n
	}
	if got := count(app, a); got != 1 {
		t.Errorf("runtime role as tenant A sees %d tenants, want 1", got)
	}
	if got := count(owner, b); got != 1 {
		t.Errorf("owner as tenant B sees %d tenants, want 1 (FORCE RLS)", got)
	}
	if got := count(bypass, a); got != 2 {
		t.Errorf("bypass connection sees %d tenants, want both", got)
	}
	var after string
	if err := app.QueryRow(ctx, "SELECT coalesce(current_setting('app.tenant_id', true), '')").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != "" {
		t.Errorf("app.tenant_id outside AsTenant = %q, want it unset", after)
	}
}
