-- Plan templates (the shared catalogue) and plans.

-- name: UnscopedListPlanTemplates :many
-- The catalogue is every tenant's: keyset pagination on template_id, an
-- optional category.
SELECT * FROM maintenance.plan_templates
WHERE template_id > @after_id
  AND (sqlc.narg(category_id)::text IS NULL OR category_id = sqlc.narg(category_id))
ORDER BY template_id
LIMIT @page_limit;

-- name: UnscopedPlanTemplatesOfCategory :many
SELECT * FROM maintenance.plan_templates WHERE category_id = @category_id ORDER BY template_id;

-- name: GetAssetFact :one
SELECT * FROM maintenance.asset_facts WHERE tenant_id = @tenant_id AND asset_id = @asset_id;

-- name: LockAssetFact :one
-- Serialises the plans created for one asset against its retirement.
SELECT * FROM maintenance.asset_facts WHERE tenant_id = @tenant_id AND asset_id = @asset_id FOR SHARE;

-- name: GetHomeFact :one
SELECT * FROM maintenance.home_facts WHERE tenant_id = @tenant_id AND home_id = @home_id;

-- name: CreatePlan :one
-- A concurrent create with the same request_id inserts nothing (no row).
INSERT INTO maintenance.plans (tenant_id, plan_id, home_id, asset_id, template_id, display_name, description,
  interval_count, interval_unit, meter, meter_unit, meter_interval, anchor, season, lead_days, start_date,
  last_done_date, last_done_meter, request_id, request_fingerprint)
VALUES (@tenant_id, @plan_id, @home_id, @asset_id, sqlc.narg(template_id), @display_name, @description,
  sqlc.narg(interval_count), sqlc.narg(interval_unit), sqlc.narg(meter), sqlc.narg(meter_unit), sqlc.narg(meter_interval),
  @anchor, sqlc.narg(season), @lead_days, @start_date, sqlc.narg(last_done_date), sqlc.narg(last_done_meter),
  sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: CreateTemplatePlan :execrows
-- A template's plan for an asset; nothing when the asset has it already.
INSERT INTO maintenance.plans (tenant_id, plan_id, home_id, asset_id, template_id, display_name, description,
  interval_count, interval_unit, meter, meter_unit, meter_interval, anchor, season, lead_days, start_date)
VALUES (@tenant_id, @plan_id, @home_id, @asset_id, @template_id, @display_name, @description,
  sqlc.narg(interval_count), sqlc.narg(interval_unit), sqlc.narg(meter), sqlc.narg(meter_unit), sqlc.narg(meter_interval),
  @anchor, sqlc.narg(season), @lead_days, @start_date)
ON CONFLICT (tenant_id, asset_id, template_id) DO NOTHING;

-- name: PlanCreatedBy :one
SELECT * FROM maintenance.plans WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetPlan :one
SELECT * FROM maintenance.plans
WHERE tenant_id = @tenant_id AND plan_id = @plan_id AND asset_id = @asset_id AND home_id = @home_id;

-- name: LockPlan :one
SELECT * FROM maintenance.plans
WHERE tenant_id = @tenant_id AND plan_id = @plan_id AND asset_id = @asset_id AND home_id = @home_id
FOR UPDATE;

-- name: LockPlanByID :one
SELECT * FROM maintenance.plans WHERE tenant_id = @tenant_id AND plan_id = @plan_id FOR UPDATE;

-- name: ListPlans :many
-- Keyset pagination on plan_id; NULL home or asset is every one ("-").
SELECT * FROM maintenance.plans
WHERE tenant_id = @tenant_id
  AND plan_id > @after_id
  AND (sqlc.narg(home_id)::uuid IS NULL OR home_id = sqlc.narg(home_id))
  AND (sqlc.narg(asset_id)::uuid IS NULL OR asset_id = sqlc.narg(asset_id))
  AND (sqlc.narg(state)::text IS NULL OR state = sqlc.narg(state))
ORDER BY plan_id
LIMIT @page_limit;

-- name: TemplatePlansOfAsset :many
SELECT * FROM maintenance.plans
WHERE tenant_id = @tenant_id AND asset_id = @asset_id AND template_id IS NOT NULL
ORDER BY plan_id;

-- name: UpdatePlan :one
UPDATE maintenance.plans
SET display_name = @display_name, description = @description, interval_count = sqlc.narg(interval_count),
    interval_unit = sqlc.narg(interval_unit), meter = sqlc.narg(meter), meter_unit = sqlc.narg(meter_unit),
    meter_interval = sqlc.narg(meter_interval), anchor = @anchor, season = sqlc.narg(season), lead_days = @lead_days,
    start_date = @start_date, state = @state, last_done_date = sqlc.narg(last_done_date),
    last_done_meter = sqlc.narg(last_done_meter), revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND plan_id = @plan_id
RETURNING *;

-- name: SetPlanLastDone :exec
-- A completion: where a floating plan counts on from. A completion dated
-- before the last one (work recorded late) moves nothing back.
UPDATE maintenance.plans
SET last_done_meter = CASE WHEN last_done_date IS NULL OR @last_done_date::date >= last_done_date
                      THEN COALESCE(sqlc.narg(last_done_meter), last_done_meter) ELSE last_done_meter END,
    last_done_date = GREATEST(last_done_date, @last_done_date::date),
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND plan_id = @plan_id;

-- name: DeletePlan :exec
DELETE FROM maintenance.plans WHERE tenant_id = @tenant_id AND plan_id = @plan_id;

-- name: DeleteOpenTasksOfPlan :exec
-- A plan's open task goes with it; its closed ones stay as history.
DELETE FROM maintenance.tasks WHERE tenant_id = @tenant_id AND plan_id = @plan_id AND state = 'open';

-- name: PlansToGenerate :many
-- Active plans of live assets with no open task, with what their next
-- occurrence counts from: the latest task, the latest reading of the plan's
-- meter, the earliest reading of the year before it (for an average rate)
-- and the last reading before the plan began. plan_id and asset_id narrow
-- it to one plan or one asset's.
SELECT p.plan_id, p.home_id, p.asset_id, p.display_name, p.description, p.interval_count, p.interval_unit,
  p.meter, p.meter_interval, p.anchor, p.season, p.lead_days, p.start_date, p.last_done_date, p.last_done_meter,
  h.time_zone, h.hemisphere,
  lt.occurrence AS last_occurrence, lt.due_date AS last_due, lt.due_meter AS last_due_meter,
  COALESCE(lt.state, '')::text AS last_state,
  (lr.value IS NOT NULL)::boolean AS has_latest, COALESCE(lr.value, 0)::float8 AS latest_value,
  COALESCE(lr.read_time, 'epoch')::timestamptz AS latest_time,
  (er.value IS NOT NULL)::boolean AS has_early, COALESCE(er.value, 0)::float8 AS early_value,
  COALESCE(er.read_time, 'epoch')::timestamptz AS early_time,
  COALESCE(sr.value, 0)::float8 AS start_value
FROM maintenance.plans p
JOIN maintenance.asset_facts a ON a.tenant_id = p.tenant_id AND a.asset_id = p.asset_id
JOIN maintenance.home_facts h ON h.tenant_id = a.tenant_id AND h.home_id = a.home_id
LEFT JOIN LATERAL (
  SELECT t.occurrence, t.due_date, t.due_meter, t.state FROM maintenance.tasks t
  WHERE t.tenant_id = p.tenant_id AND t.plan_id = p.plan_id ORDER BY t.occurrence DESC LIMIT 1
) lt ON true
LEFT JOIN LATERAL (
  SELECT r.value, r.read_time FROM maintenance.reading_facts r
  WHERE r.tenant_id = p.tenant_id AND r.asset_id = p.asset_id AND r.meter = p.meter ORDER BY r.read_time DESC LIMIT 1
) lr ON true
LEFT JOIN LATERAL (
  SELECT r.value, r.read_time FROM maintenance.reading_facts r
  WHERE r.tenant_id = p.tenant_id AND r.asset_id = p.asset_id AND r.meter = p.meter
    AND r.read_time >= lr.read_time - interval '365 days' AND NOT r.reset
  ORDER BY r.read_time LIMIT 1
) er ON true
LEFT JOIN LATERAL (
  SELECT r.value FROM maintenance.reading_facts r
  WHERE r.tenant_id = p.tenant_id AND r.asset_id = p.asset_id AND r.meter = p.meter
    AND r.read_time < p.start_date + 1 ORDER BY r.read_time DESC LIMIT 1
) sr ON true
WHERE p.tenant_id = @tenant_id
  AND (sqlc.narg(plan_id)::uuid IS NULL OR p.plan_id = sqlc.narg(plan_id))
  AND (sqlc.narg(asset_id)::uuid IS NULL OR p.asset_id = sqlc.narg(asset_id))
  AND p.state = 'active' AND NOT a.deleted AND a.status <> 'retired' AND NOT h.deleted
  AND NOT EXISTS (
    SELECT 1 FROM maintenance.tasks o
    WHERE o.tenant_id = p.tenant_id AND o.plan_id = p.plan_id AND o.state IN ('open', 'in_progress'))
ORDER BY p.plan_id;

-- name: InsertGeneratedTask :execrows
-- One plan occurrence's task. Nothing when the occurrence has its task or
-- the plan an open one (tasks_tenant_id_plan_id_occurrence_key,
-- tasks_one_open_per_plan_idx): the generator is idempotent by these keys.
INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, plan_id, occurrence, kind, title, description,
  due_date, lead_days, due_meter)
VALUES (@tenant_id, @task_id, @home_id, @asset_id, @plan_id, @occurrence, 'maintenance', @title, @description,
  @due_date, @lead_days, sqlc.narg(due_meter))
ON CONFLICT DO NOTHING;

-- name: HasActivePlans :one
-- Whether the tenant's daily generation has anything to do.
SELECT EXISTS (SELECT 1 FROM maintenance.plans WHERE tenant_id = @tenant_id AND state = 'active');
