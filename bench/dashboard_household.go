package bench

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/db/dbtest"
)

// The benchmark's household: a tenant of its own (the seeded Morgan
// household's OWNER is its OWNER too, to log in as), two homes in zones five
// hours apart, 500 assets of ten categories, two plans an asset (every 3 and
// every 6 months) with ten years of their occurrences done or skipped, a
// current task of each plan (some overdue, some started), four repairs an
// asset, parts on a tenth of the done work and the insight job's health of
// every asset. Written straight into steward-maintenance's tables as its
// sync, generator and completions would have: the benchmark measures
// reading them. Values come from hashes of the rows' ids, not a random
// source, so every run builds the same shape.
var householdStatements = []string{
	`INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES (@tenant, 'household', 'Benchmark household')`,
	`INSERT INTO accounts.memberships (tenant_id, user_id, roles) VALUES (@tenant, @owner, '{owner}')`,
	`INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone) VALUES
	 (@tenant, @london, 'Bench house', 'Europe/London'), (@tenant, @boston, 'Bench cottage', 'America/New_York')`,
	`INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id, install_date,
	   purchase_cost_minor, purchase_cost_currency, expected_lifespan_months, warranty_expiry_date)
	 SELECT @tenant, gen_random_uuid(), CASE WHEN i % 2 = 0 THEN @london ELSE @boston END::uuid, 'Asset ' || i,
	   (ARRAY['hvac-furnace', 'water-heater', 'appliance-dryer', 'appliance-washer', 'smoke-detector', 'roof', 'gutters',
	          'appliance-refrigerator', 'electrical-panel', 'sump-pump'])[1 + i % 10],
	   current_date - 200 - (i * 37 % 9000), 10000 + i * 100, 'GBP', 60 + (i % 15) * 12, current_date - 1000 + (i * 53 % 2000)
	 FROM generate_series(1, 500) i`,
	`INSERT INTO maintenance.plans (tenant_id, plan_id, home_id, asset_id, display_name, interval_count, interval_unit,
	   anchor, lead_days, start_date)
	 SELECT @tenant, gen_random_uuid(), a.home_id, a.asset_id, 'Service ' || k || ' of ' || a.display_name, 3 * k, 'month',
	   'floating', 7, current_date - 3653
	 FROM maintenance.asset_facts a, generate_series(1, 2) k WHERE a.tenant_id = @tenant`,
	// Ten years of each plan's occurrences: a tenth skipped, the rest done a
	// few days late, a third of those with a cost (one in twenty in USD).
	`INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, plan_id, occurrence, kind, title, state, due_date,
	   lead_days, completed_time, cost_minor, cost_currency)
	 SELECT @tenant, gen_random_uuid(), p.home_id, p.asset_id, p.plan_id, o.day, 'maintenance', p.display_name,
	   CASE WHEN x.h % 10 = 0 THEN 'skipped' ELSE 'done' END, o.day, 7,
	   CASE WHEN x.h % 10 <> 0 THEN o.day + (x.h % 9) + time '10:00' END,
	   CASE WHEN x.h % 10 <> 0 AND x.h % 3 = 0 THEN 1500 + x.h % 40000 END,
	   CASE WHEN x.h % 10 <> 0 AND x.h % 3 = 0 THEN CASE WHEN x.h % 20 = 3 THEN 'USD' ELSE 'GBP' END END
	 FROM maintenance.plans p
	 CROSS JOIN LATERAL (SELECT d::date AS day FROM generate_series(p.start_date, current_date - 1, make_interval(months => p.interval_count)) d) o
	 CROSS JOIN LATERAL (SELECT abs(hashtext(p.plan_id::text || o.day::text)) AS h) x
	 WHERE p.tenant_id = @tenant`,
	// Each plan's current task, due from 60 days ago to 120 ahead; one in ten started.
	`INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, plan_id, occurrence, kind, title, state, due_date,
	   lead_days, start_time)
	 SELECT @tenant, gen_random_uuid(), p.home_id, p.asset_id, p.plan_id, current_date + 4000 + x.h % 1000, 'maintenance', p.display_name,
	   CASE WHEN x.h % 10 = 0 THEN 'in_progress' ELSE 'open' END, current_date - 60 + x.h % 180, 7,
	   CASE WHEN x.h % 10 = 0 THEN now() END
	 FROM maintenance.plans p CROSS JOIN LATERAL (SELECT abs(hashtext(p.plan_id::text)) AS h) x
	 WHERE p.tenant_id = @tenant`,
	`INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, kind, title, state, due_date, lead_days,
	   completed_time, cost_minor, cost_currency)
	 SELECT @tenant, gen_random_uuid(), a.home_id, a.asset_id, 'repair', 'Repair ' || a.display_name, 'done', x.day, 0,
	   x.day + time '15:00', 5000 + x.h % 60000, 'GBP'
	 FROM maintenance.asset_facts a, generate_series(1, 4) j,
	   LATERAL (SELECT current_date - 1 - abs(hashtext(a.asset_id::text || j)) % 3650 AS day, abs(hashtext(j || a.asset_id::text)) AS h) x
	 WHERE a.tenant_id = @tenant`,
	`INSERT INTO maintenance.task_parts (tenant_id, task_id, position, description, quantity, cost_minor, cost_currency)
	 SELECT t.tenant_id, t.task_id, 1, 'Part for ' || t.title, 1, t.cost_minor / 2, t.cost_currency
	 FROM maintenance.tasks t WHERE t.tenant_id = @tenant AND t.state = 'done' AND abs(hashtext(t.task_id::text)) % 10 = 0`,
	`INSERT INTO maintenance.asset_health (tenant_id, asset_id, score, reasons, hint)
	 SELECT a.tenant_id, a.asset_id, 20 + x.h % 81,
	   jsonb_build_array(jsonb_build_object('kind', 'age', 'points', 10 + x.h % 30, 'description', 'Old for its kind'),
	                     jsonb_build_object('kind', 'repairs', 'points', x.h % 20, 'description', 'Repaired often')), 'none'
	 FROM maintenance.asset_facts a CROSS JOIN LATERAL (SELECT abs(hashtext(a.asset_id::text)) AS h) x
	 WHERE a.tenant_id = @tenant`,
}

// buildHousehold writes the household in one transaction as the owner role
// (row-level security binds it too: the scope is the new tenant's, after
// the seeded tenant's to find its OWNER) and
// vacuums and analyses the tables, as autovacuum would have a database
// that had grown so.
func buildHousehold(ctx context.Context, owner *pgxpool.Pool, seeded uuid.UUID) (DashboardHousehold, error) {
	h := DashboardHousehold{TenantID: uuid.New()}
	var ownerID uuid.UUID
	err := dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: seeded}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT user_id FROM accounts.memberships WHERE tenant_id = $1 AND 'owner' = ANY (roles) LIMIT 1", seeded).Scan(&ownerID)
	})
	if err != nil {
		return h, fmt.Errorf("the seeded OWNER: %w", err)
	}
	args := pgx.NamedArgs{"tenant": h.TenantID, "london": uuid.New(), "boston": uuid.New(), "owner": ownerID}
	err = dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: h.TenantID}, func(tx pgx.Tx) error {
		for _, s := range householdStatements {
			if _, err := tx.Exec(ctx, s, args); err != nil {
				return fmt.Errorf("%.80s: %w", s, err)
			}
		}
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM maintenance.home_facts WHERE tenant_id = $1),
		    (SELECT count(*) FROM maintenance.asset_facts WHERE tenant_id = $1), (SELECT count(*) FROM maintenance.plans WHERE tenant_id = $1),
		    count(*), count(*) FILTER (WHERE state IN ('open', 'in_progress')), count(*) FILTER (WHERE state = 'done'),
		    count(*) FILTER (WHERE cost_minor IS NOT NULL), count(*) FILTER (WHERE kind = 'repair'),
		    (SELECT count(*) FROM maintenance.task_parts WHERE tenant_id = $1), min(due_date)::timestamptz, max(due_date)::timestamptz
		  FROM maintenance.tasks WHERE tenant_id = $1`, h.TenantID).Scan(&h.Homes, &h.Assets, &h.Plans, &h.Tasks, &h.OpenTasks,
			&h.Completed, &h.WithCost, &h.Repairs, &h.Parts, &h.From, &h.To)
	})
	if err != nil {
		return h, err
	}
	for _, table := range []string{"asset_facts", "home_facts", "plans", "tasks", "task_parts", "asset_health", "dashboard_versions"} {
		if _, err := owner.Exec(ctx, "VACUUM ANALYZE maintenance."+table); err != nil {
			return h, err
		}
	}
	return h, nil
}

// shown reads what the dashboard answered, for the report.
func (h *DashboardHousehold) shown(body []byte) error {
	var d struct {
		OverdueTasks, DueTasks, ExpiringWarranties, SpendByMonth, RiskiestAssets []json.RawMessage
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return fmt.Errorf("the dashboard's JSON: %w", err)
	}
	h.OverdueShown, h.DueShown, h.WarrantiesShown = len(d.OverdueTasks), len(d.DueTasks), len(d.ExpiringWarranties)
	h.SpendMonths, h.RiskyShown = len(d.SpendByMonth), len(d.RiskiestAssets)
	if h.OverdueShown == 0 || h.DueShown == 0 || h.SpendMonths == 0 || h.RiskyShown == 0 {
		return fmt.Errorf("the dashboard shows too little to measure: %s", body)
	}
	return nil
}
