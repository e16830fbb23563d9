package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestRuntimeRoleCannotBypassRLS: the services' role is an ordinary role.
func TestRuntimeRoleCannotBypassRLS(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	conn := dbtest.Connect(t, d.AppURL)
	var super, bypass, createRole, createDB bool
	err := conn.QueryRow(context.Background(),
		"SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user").Scan(&super, &bypass, &createRole, &createDB)
	if err != nil {
		t.Fatal(err)
	}
	if super || bypass || createRole || createDB {
		t.Fatalf("runtime role: superuser=%v bypassrls=%v createrole=%v createdb=%v, want all false", super, bypass, createRole, createDB)
	}
}

// TestRuntimeRoleIsDMLOnly: the services' role may create nothing and owns
// nothing, so it cannot define objects that change what others run.
func TestRuntimeRoleIsDMLOnly(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	conn := dbtest.Connect(t, d.AppURL)
	ctx := context.Background()
	var creatable []string
	err := conn.QueryRow(ctx, `SELECT coalesce(array_agg(nspname::text), '{}') FROM pg_namespace
		WHERE has_schema_privilege(current_user, oid, 'CREATE')`).Scan(&creatable)
	if err != nil {
		t.Fatal(err)
	}
	if len(creatable) > 0 {
		t.Errorf("runtime role may create objects in schemas %v", creatable)
	}
	var owned int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)").Scan(&owned); err != nil {
		t.Fatal(err)
	}
	if owned > 0 {
		t.Errorf("runtime role owns %d relations", owned)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE assets.sneaky (id int)"); err == nil {
		t.Error("runtime role created a table in the assets schema")
	}
}

// TestEveryTenantTableIsWalled: each table with a tenant_id column has RLS
// enabled and forced, a policy, and tenant_id leading its primary key.
func TestEveryTenantTableIsWalled(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	conn := dbtest.Connect(t, d.OwnerURL)
	rows, err := conn.Query(context.Background(), `
		SELECT c.oid::regclass::text, c.relrowsecurity, c.relforcerowsecurity,
		       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
		       coalesce((SELECT a.attname = 'tenant_id' FROM pg_index i
		                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
		                 WHERE i.indrelid = c.oid AND i.indisprimary), false)
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var table string
		var enabled, forced, leads bool
		var policies int
		if err := rows.Scan(&table, &enabled, &forced, &policies, &leads); err != nil {
			t.Fatal(err)
		}
		n++
		if !enabled || !forced || policies == 0 || !leads {
			t.Errorf("%s: rls=%v forced=%v policies=%d tenant_id leads pk=%v", table, enabled, forced, policies, leads)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 7 {
		t.Fatalf("found %d tenant tables; the query is broken", n)
	}
}

// TestUnfilteredQueryReturnsOnlyScopedTenant runs queries with no tenant_id
// filter at all, as the runtime role: RLS alone keeps other tenants out.
func TestUnfilteredQueryReturnsOnlyScopedTenant(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	sum, err := seed.Seed(context.Background(), d.OwnerURL, seed.Options{Issuer: "http://issuer.test"})
	if err != nil {
		t.Fatal(err)
	}
	conn := dbtest.Connect(t, d.AppURL)
	ctx := context.Background()
	count := func(tenant uuid.UUID, table string) (total, foreign int) {
		t.Helper()
		dbtest.QueryRowAsTenant(t, conn, tenant, "SELECT count(*), count(*) FILTER (WHERE tenant_id <> $1) FROM "+table,
			[]any{tenant}, &total, &foreign)
		return total, foreign
	}
	for _, table := range []string{"assets.homes", "assets.locations", "assets.assets", "assets.meter_readings", "accounts.memberships", "accounts.tenants"} {
		total, foreign := count(sum.HouseholdTenantID, table)
		if foreign != 0 || total == 0 {
			t.Errorf("%s scoped to the household: %d rows, %d of another tenant", table, total, foreign)
		}
		if total, _ := count(sum.SchoolTenantID, table); table == "assets.assets" && total != 0 {
			t.Errorf("%s scoped to the school: %d rows, want 0", table, total)
		}
		if total, _ := count(uuid.Nil, table); total != 0 {
			t.Errorf("%s with no scope: %d rows, want 0", table, total)
		}
	}
	// Writing a row for another tenant fails the policy's WITH CHECK.
	err = dbtest.InScope(ctx, conn, dbtest.Scope{TenantID: sum.SchoolTenantID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO assets.homes (tenant_id, home_id, display_name, time_zone) VALUES ($1, gen_random_uuid(), 'Sneaky', 'UTC')", sum.HouseholdTenantID)
		return err
	})
	if err == nil {
		t.Fatal("inserted a row into another tenant")
	}
}

// TestDirectoryTablesReturnOnlyScopedTenant: the school directory's tables
// (schema booking), read with no tenant_id filter as the runtime role, show
// the school its own rows, the household none, no scope nothing; and a row
// written for another tenant fails the policy.
func TestDirectoryTablesReturnOnlyScopedTenant(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	sum, err := seed.Seed(context.Background(), d.OwnerURL, seed.Options{Issuer: "http://issuer.test"})
	if err != nil {
		t.Fatal(err)
	}
	conn := dbtest.Connect(t, d.AppURL)
	ctx := context.Background()
	for _, table := range []string{"booking.settings", "booking.rooms", "booking.instruments", "booking.teachers", "booking.families", "booking.students"} {
		var total, foreign int
		dbtest.QueryRowAsTenant(t, conn, sum.SchoolTenantID, "SELECT count(*), count(*) FILTER (WHERE tenant_id <> $1) FROM "+table,
			[]any{sum.SchoolTenantID}, &total, &foreign)
		if total == 0 || foreign != 0 {
			t.Errorf("%s scoped to the school: %d rows, %d of another tenant", table, total, foreign)
		}
		for _, other := range []uuid.UUID{sum.HouseholdTenantID, uuid.Nil} {
			dbtest.QueryRowAsTenant(t, conn, other, "SELECT count(*), 0 FROM "+table, nil, &total, &foreign)
			if total != 0 {
				t.Errorf("%s scoped to %s: %d rows, want 0", table, other, total)
			}
		}
	}
	err = dbtest.InScope(ctx, conn, dbtest.Scope{TenantID: sum.HouseholdTenantID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO booking.families (tenant_id, family_id, display_name) VALUES ($1, gen_random_uuid(), 'Sneaky')", sum.SchoolTenantID)
		return err
	})
	if err == nil {
		t.Fatal("inserted a family into another tenant")
	}
}
