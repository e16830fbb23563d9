package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
)

// TestSeedMaintenance: the Morgan household has years of maintenance
// history, as issue 9 asks: Maintenance's facts are Assets' rows with the
// same ids (so the sync finds them current), a plan per template of each
// asset's category, tasks done with costs, skipped and open (some overdue),
// repairs with the disposal's costing more than half its price, and filter
// changes that follow the furnace's winter run-hours. Checked in SQL; a
// later re-seed changes none of it.
func TestSeedMaintenance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	now := time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)
	first, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: issuer, Now: now})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	m := first.Maintenance
	t.Logf("maintenance: %+v", m)
	if m.Plans < 75 || m.Done < 1000 || m.Skipped < 30 || m.Open < m.Plans/2 || m.Repairs != 13 || m.SpendMinor < 10_000_00 {
		t.Errorf("summary %+v: want 75+ plans, 1000+ done, 30+ skipped, an open task for most plans, 13 repairs, $10,000+ spent", m)
	}

	owner := dbtest.Connect(t, d.OwnerURL)
	inTenant(t, owner, seed.HouseholdTenantID, uuid.Nil, func(tx pgx.Tx) {
		checks := []struct {
			what string
			sql  string
			want int
		}{
			{"homes without their facts", `SELECT count(*) FROM assets.homes h WHERE NOT EXISTS (SELECT 1 FROM maintenance.home_facts f
				WHERE f.home_id = h.home_id AND f.time_zone = h.time_zone AND f.display_name = h.display_name)`, 0},
			{"assets without their facts", `SELECT count(*) FROM assets.assets a WHERE NOT EXISTS (SELECT 1 FROM maintenance.asset_facts f
				WHERE f.asset_id = a.asset_id AND f.home_id = a.home_id AND f.category_id = a.category_id AND f.status = a.status
				AND f.install_date IS NOT DISTINCT FROM a.install_date AND f.expected_lifespan_months = a.expected_lifespan_months
				AND f.purchase_cost_minor IS NOT DISTINCT FROM a.purchase_cost_minor)`, 0},
			{"readings without their facts", `SELECT count(*) FROM assets.meter_readings r WHERE NOT EXISTS (SELECT 1 FROM maintenance.reading_facts f
				WHERE f.reading_id = r.reading_id AND f.asset_id = r.asset_id AND f.meter = r.meter AND f.value = r.value
				AND f.read_time = r.read_time AND f.reset = r.reset)`, 0},
			{"facts Assets does not have", `SELECT (SELECT count(*) FROM maintenance.asset_facts) - (SELECT count(*) FROM assets.assets)
				+ (SELECT count(*) FROM maintenance.reading_facts) - (SELECT count(*) FROM assets.meter_readings)`, 0},
			{"assets in service whose category has templates but no plans", `SELECT count(*) FROM maintenance.asset_facts a
				WHERE a.status <> 'retired' AND EXISTS (SELECT 1 FROM maintenance.plan_templates t WHERE t.category_id = a.category_id)
				AND NOT EXISTS (SELECT 1 FROM maintenance.plans p WHERE p.asset_id = a.asset_id)`, 0},
			{"plans of a retired asset", `SELECT count(*) FROM maintenance.plans p JOIN maintenance.asset_facts a USING (tenant_id, asset_id)
				WHERE a.status = 'retired'`, 0},
			{"calendar plans without an open task", `SELECT count(*) FROM maintenance.plans p WHERE (p.interval_count IS NOT NULL OR p.season IS NOT NULL)
				AND NOT EXISTS (SELECT 1 FROM maintenance.tasks t WHERE t.plan_id = p.plan_id AND t.state = 'open')`, 0},
			{"overdue tasks (a few)", `SELECT least(count(*), 3) FROM maintenance.tasks WHERE state = 'open' AND due_date < '2026-12-01'`, 3},
			{"completions before their lead time or after today", `SELECT count(*) FROM maintenance.tasks
				WHERE state = 'done' AND kind = 'maintenance' AND (completed_time::date < due_date - lead_days OR completed_time > '2026-12-02')`, 0},
			{"completions with a reading that is not the asset's", `SELECT count(*) FROM maintenance.tasks t WHERE t.reading_id IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM maintenance.reading_facts r WHERE r.reading_id = t.reading_id AND r.asset_id = t.asset_id
				AND r.value = t.meter_value)`, 0},
			{"plans whose last completion is not their latest done task", `SELECT count(*) FROM maintenance.plans p
				WHERE p.last_done_date IS DISTINCT FROM (SELECT max(completed_time)::date FROM maintenance.tasks t WHERE t.plan_id = p.plan_id AND t.state = 'done')`, 0},
			{"costs not in USD", `SELECT count(*) FROM maintenance.tasks WHERE cost_minor IS NOT NULL AND cost_currency <> 'USD'`, 0},
			// The disposal: repairs in the last three years at least half its price new.
			{"the disposal's repairs under half its price", `SELECT count(*) FROM maintenance.asset_facts a
				WHERE a.display_name = 'Garbage disposal' AND 2 * (SELECT sum(cost_minor) FROM maintenance.tasks t WHERE t.asset_id = a.asset_id
				AND t.kind = 'repair' AND t.completed_time > '2023-12-01') < a.purchase_cost_minor`, 0},
		}
		for _, c := range checks {
			var got int
			scan(t, tx, c.sql, nil, &got)
			if got != c.want {
				t.Errorf("%s: %d, want %d", c.what, got, c.want)
			}
		}

		// The furnace's filter is changed by its run-hours: far more often in
		// the heating months than in summer.
		var winter, summer int
		scan(t, tx, `SELECT count(*) FILTER (WHERE extract(month FROM t.completed_time) IN (11, 12, 1, 2, 3)),
				count(*) FILTER (WHERE extract(month FROM t.completed_time) IN (5, 6, 7, 8, 9))
			FROM maintenance.tasks t JOIN maintenance.plans p USING (tenant_id, plan_id)
			WHERE p.template_id = 'furnace-filter' AND t.state = 'done' AND t.meter_value >= t.due_meter - 50`, nil, &winter, &summer)
		if winter < 2*summer+3 {
			t.Errorf("furnace filter changes: %d in the heating months, %d in summer", winter, summer)
		}
	})

	// The first night's insight is queued for steward-maintenance to work
	// when it starts.
	nights := func() (n int) {
		t.Helper()
		if err := owner.QueryRow(ctx, `SELECT count(*) FROM jobs.river_job WHERE kind = 'maintenance_nightly_insight'
			AND queue = 'maintenance' AND args->>'tenant' = $1 AND args->>'night' = '2026-12-01' AND state = 'available'`,
			seed.HouseholdTenantID.String()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := nights(); n != 1 {
		t.Errorf("%d first nights queued, want 1", n)
	}

	before := maintenanceSnapshot(t, owner)
	second, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: issuer, Now: now.AddDate(0, 1, 17)})
	if err != nil {
		t.Fatalf("Seed again: %v", err)
	}
	if second.Maintenance != first.Maintenance {
		t.Errorf("re-seeding changed the summary: %+v, then %+v", first.Maintenance, second.Maintenance)
	}
	if n := nights(); n != 1 {
		t.Errorf("after re-seeding, %d first nights queued, want 1", n)
	}
	for table, fp := range maintenanceSnapshot(t, owner) {
		if before[table] != fp {
			t.Errorf("re-seeding changed %s: %s -> %s", table, before[table], fp)
		}
	}
}

func maintenanceSnapshot(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	out := map[string]string{}
	inTenant(t, conn, seed.HouseholdTenantID, uuid.Nil, func(tx pgx.Tx) {
		for _, table := range []string{"maintenance.home_facts", "maintenance.asset_facts", "maintenance.reading_facts",
			"maintenance.plans", "maintenance.tasks"} {
			var s string
			// sync_time is when the row was written: the fingerprint leaves it out.
			scan(t, tx, `SELECT count(*) || ' ' || md5(coalesce(string_agg((to_jsonb(x) - 'sync_time' - 'create_time' - 'update_time')::text, '|'
				ORDER BY (to_jsonb(x) - 'sync_time' - 'create_time' - 'update_time')::text), '')) FROM `+table+` x`, nil, &s)
			out[table] = s
		}
	})
	return out
}
