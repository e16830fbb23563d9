-- What the insight computation reads (an asset, its active plans, its
-- readings and work) and writes (its predictions and health), and what
-- GetAssetInsight reads back.

-- name: GetInsightAsset :one
SELECT a.asset_id, a.home_id, a.install_date, a.purchase_date, a.purchase_cost_minor, a.purchase_cost_currency,
       a.expected_lifespan_months, a.status, h.time_zone
FROM maintenance.asset_facts a
JOIN maintenance.home_facts h ON h.tenant_id = a.tenant_id AND h.home_id = a.home_id
WHERE a.tenant_id = $1 AND a.home_id = $2 AND a.asset_id = $3 AND NOT a.deleted;

-- LockInsightAsset locks the asset's facts row for one recompute at a time:
-- two computing at once would each delete the predictions and insert them
-- again, and the second insert would meet the first's rows.
-- name: LockInsightAsset :one
SELECT a.asset_id FROM maintenance.asset_facts a
WHERE a.tenant_id = $1 AND a.home_id = $2 AND a.asset_id = $3 AND NOT a.deleted
FOR NO KEY UPDATE;

-- ListInsightPlans: an asset's active plans, each with the due date of its
-- open task (the calendar trigger's next date as the generator set it).
-- Their rows are key-share locked: a plan deleted while the recompute runs
-- waits for it (or, deleted first, is not listed), so no prediction is
-- written for a plan that is gone (plan_predictions_tenant_id_plan_id_fkey).
-- name: ListInsightPlans :many
SELECT p.plan_id, p.display_name, p.interval_count, p.interval_unit, p.meter, p.meter_unit, p.meter_interval,
       p.start_date, p.last_done_date, p.last_done_meter,
       (SELECT t.due_date FROM maintenance.tasks t
        WHERE t.tenant_id = p.tenant_id AND t.plan_id = p.plan_id AND t.state IN ('open', 'in_progress')
        ORDER BY t.due_date LIMIT 1)::date AS open_due_date
FROM maintenance.plans p
WHERE p.tenant_id = $1 AND p.asset_id = $2 AND p.state = 'active'
ORDER BY p.plan_id
FOR KEY SHARE OF p;

-- name: ListInsightReadings :many
SELECT meter, unit, value, read_time, reset FROM maintenance.reading_facts
WHERE tenant_id = $1 AND asset_id = $2
ORDER BY meter, read_time;

-- ListInsightWork: the asset's tasks that bear on its health: open ones,
-- and those closed in the last three years (repairs) or one (skips).
-- name: ListInsightWork :many
SELECT title, kind, state, due_date, completed_time, closed_time, cost_minor, cost_currency
FROM maintenance.tasks
WHERE tenant_id = $1 AND asset_id = $2
  AND (state IN ('open', 'in_progress') OR coalesce(completed_time, closed_time, update_time) >= sqlc.arg(since)::timestamptz);

-- name: DeletePlanPredictions :exec
DELETE FROM maintenance.plan_predictions WHERE tenant_id = $1 AND asset_id = $2;

-- compute_time is the database's clock, as plans' and tasks' update_time
-- are, so that InsightIsFresh compares like with like.
-- name: InsertPlanPrediction :exec
INSERT INTO maintenance.plan_predictions (tenant_id, plan_id, asset_id, method, trigger, predicted_date,
  earliest_date, latest_date, weekly_usage, explanation, compute_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now());

-- InsertAssetHealth inserts the asset's health or replaces it.
-- name: InsertAssetHealth :exec
INSERT INTO maintenance.asset_health (tenant_id, asset_id, score, reasons, hint, hint_description,
  repair_spend_minor, repair_spend_currency, repair_spend_percent, compute_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
ON CONFLICT (tenant_id, asset_id) DO UPDATE
SET score = EXCLUDED.score, reasons = EXCLUDED.reasons, hint = EXCLUDED.hint, hint_description = EXCLUDED.hint_description,
    repair_spend_minor = EXCLUDED.repair_spend_minor, repair_spend_currency = EXCLUDED.repair_spend_currency,
    repair_spend_percent = EXCLUDED.repair_spend_percent, compute_time = EXCLUDED.compute_time;

-- name: GetAssetHealth :one
SELECT score, reasons, hint, hint_description, repair_spend_minor, repair_spend_currency, repair_spend_percent, compute_time
FROM maintenance.asset_health
WHERE tenant_id = $1 AND asset_id = $2;

-- ListPlanPredictions: the asset's predictions for its active plans, soonest
-- first (undated last).
-- name: ListPlanPredictions :many
SELECT pp.plan_id, p.display_name, pp.method, pp.trigger, pp.predicted_date, pp.earliest_date, pp.latest_date,
       pp.weekly_usage, pp.explanation
FROM maintenance.plan_predictions pp
JOIN maintenance.plans p ON p.tenant_id = pp.tenant_id AND p.plan_id = pp.plan_id
WHERE pp.tenant_id = $1 AND pp.asset_id = $2 AND p.state = 'active'
ORDER BY pp.predicted_date NULLS LAST, pp.plan_id;

-- ListInsightAssets: the tenant's assets the nightly recompute visits, in
-- pages after an asset id.
-- name: ListInsightAssets :many
SELECT home_id, asset_id FROM maintenance.asset_facts
WHERE tenant_id = $1 AND NOT deleted AND status <> 'retired' AND asset_id > $2
ORDER BY asset_id
LIMIT $3;

-- GetTenantTimeZone: the zone of the tenant's first home, which its
-- nightly recompute keeps the night of.
-- name: GetTenantTimeZone :one
SELECT time_zone FROM maintenance.home_facts
WHERE tenant_id = $1 AND NOT deleted
ORDER BY home_id
LIMIT 1;

-- DeleteRetiredAssetHealth drops the health of assets retired or deleted
-- since it was computed: they are out of use, not at risk.
-- name: DeleteRetiredAssetHealth :exec
DELETE FROM maintenance.asset_health h
WHERE h.tenant_id = $1 AND EXISTS (SELECT 1 FROM maintenance.asset_facts a
  WHERE a.tenant_id = h.tenant_id AND a.asset_id = h.asset_id AND (a.deleted OR a.status = 'retired'));

-- DeleteRetiredPlanPredictions drops the predictions of those assets' plans.
-- name: DeleteRetiredPlanPredictions :exec
DELETE FROM maintenance.plan_predictions pp
WHERE pp.tenant_id = $1 AND EXISTS (SELECT 1 FROM maintenance.asset_facts a
  WHERE a.tenant_id = pp.tenant_id AND a.asset_id = pp.asset_id AND (a.deleted OR a.status = 'retired'));

-- InsightIsFresh says whether the asset's stored insight is newer than
-- everything it was computed from: no plan or task written, no reading
-- taken and no fact of the asset synced since (false when there is none).
-- name: InsightIsFresh :one
WITH h AS (SELECT compute_time FROM maintenance.asset_health WHERE tenant_id = $1 AND asset_id = $2)
SELECT (EXISTS (SELECT 1 FROM h)
  AND NOT EXISTS (SELECT 1 FROM maintenance.plans p, h WHERE p.tenant_id = $1 AND p.asset_id = $2 AND p.update_time > h.compute_time)
  AND NOT EXISTS (SELECT 1 FROM maintenance.tasks t, h WHERE t.tenant_id = $1 AND t.asset_id = $2 AND t.update_time > h.compute_time)
  AND NOT EXISTS (SELECT 1 FROM maintenance.reading_facts r, h WHERE r.tenant_id = $1 AND r.asset_id = $2 AND r.read_time > h.compute_time)
  AND NOT EXISTS (SELECT 1 FROM maintenance.asset_facts a, h WHERE a.tenant_id = $1 AND a.asset_id = $2 AND a.sync_time > h.compute_time))::bool AS fresh;
