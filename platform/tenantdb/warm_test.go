package tenantdb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/platform/tenantdb"
)

// TestWarmRunsOnEachNewConnection: what a service registers with Warm runs
// once on every connection the pool opens, before it serves, scoped to a
// tenant that does not exist (a new one each time), on generic plans, in a
// transaction that is rolled back — its statement stays prepared on the
// connection, its write is gone — and a warm-up that fails fails the
// connection.
func TestWarmRunsOnEachNewConnection(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w := &tenantdb.Warmers{}
	p := f.pool(t, func(c *pgxpool.Config) { c.MaxConns = 2; c.AfterConnect = w.AfterConnect })
	d := tenantdb.NewWarmed(p, w)
	const insert = "INSERT INTO assets.homes (tenant_id, home_id, display_name, time_zone) VALUES ($1, gen_random_uuid(), 'warm', 'UTC')"
	var tenants []uuid.UUID
	fail := false
	d.Warm(func(ctx context.Context, q tenantdb.DBTX, tenant uuid.UUID) error {
		if fail {
			return errors.New("stale warm-up")
		}
		tenants = append(tenants, tenant)
		var scoped, mode string
		if err := q.QueryRow(ctx, "SELECT current_setting('app.tenant_id'), current_setting('plan_cache_mode')").Scan(&scoped, &mode); err != nil {
			return err
		}
		if scoped != tenant.String() || mode != "force_generic_plan" {
			t.Errorf("warm-up scoped to %q with plan_cache_mode %q, want %s and force_generic_plan", scoped, mode, tenant)
		}
		// Fails on the tenant's foreign key, as a warm-up write does.
		if _, err := q.Exec(ctx, insert, tenant); err == nil {
			t.Error("a home was written for a tenant that does not exist")
		}
		return nil
	})
	ctx := f.ctxA
	c1, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tenants) != 2 || tenants[0] == tenants[1] || tenants[0] == f.a || tenants[0] == f.b {
		t.Errorf("warm-ups ran for tenants %v, want two new ones", tenants)
	}
	// The insert stays prepared (named by its SQL) though its runs fail:
	// pgx's own cache would have deallocated it. So do the scope
	// statements, whatever the batch they came in.
	var scopes int
	if err := c1.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT set_config(''app.tenant_id''%' AND name NOT LIKE 'stmtcache%'").Scan(&scopes); err != nil {
		t.Fatal(err)
	}
	if scopes != 2 {
		t.Errorf("%d scope statements kept prepared, want 2", scopes)
	}
	for range 2 {
		var prepared int
		if err := c1.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1 AND name NOT LIKE 'stmtcache%'", insert).Scan(&prepared); err != nil {
			t.Fatal(err)
		}
		if prepared != 1 {
			t.Errorf("%d prepared statements of the warm-up's insert on the connection, want 1", prepared)
		}
		if _, err := c1.Exec(ctx, insert, uuid.New()); err == nil {
			t.Fatal("a home was written outside the scope")
		}
	}
	c1.Release()
	c2.Release()
	// Both connections serve (no transaction left open), and nothing the
	// warm-up wrote is left.
	var homes int
	if err := d.Scoped(ctx).QueryRow(ctx, "SELECT count(*) FROM assets.homes").Scan(&homes); err != nil {
		t.Fatal(err)
	}
	if homes != homesA {
		t.Errorf("tenant a sees %d homes, want %d", homes, homesA)
	}
	p.Reset()
	fail = true
	if c, err := p.Acquire(ctx); err == nil {
		c.Release()
		t.Error("a connection whose warm-up failed was handed out")
	}
}
