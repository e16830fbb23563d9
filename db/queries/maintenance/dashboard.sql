-- The household dashboard (DashboardService.GetDashboard). Every statement
-- takes the homes it covers with each home's local date ("today"), computed
-- by the server in the home's time zone, as parallel arrays: statuses and
-- windows are per home, and a tenant's homes may lie in different zones.
-- (Several unnest calls in one select list zip their arrays.)

-- name: GetDashboardVersion :one
-- The cache's one cheap question: has anything the dashboard reads changed?
SELECT coalesce((SELECT version FROM maintenance.dashboard_versions WHERE tenant_id = @tenant_id), 0)::bigint AS version;

-- name: ListDashboardHomes :many
SELECT home_id, display_name, time_zone FROM maintenance.home_facts
WHERE tenant_id = @tenant_id AND NOT deleted AND (sqlc.narg(home_id)::uuid IS NULL OR home_id = sqlc.narg(home_id))
ORDER BY home_id;

-- name: DashboardTaskCounts :one
-- Open work: OVERDUE as maintenance.task_status derives it (an open task
-- past its due date); the windows count open and in-progress tasks due from
-- today to today + 7 (30). No open work is no row (grouped by tenant).
SELECT t.tenant_id, count(*) FILTER (WHERE maintenance.task_status(t.state, t.due_date, t.lead_days, d.today) = 'overdue')::integer AS overdue,
       count(*) FILTER (WHERE t.due_date BETWEEN d.today AND d.today + 7)::integer AS due_7,
       count(*) FILTER (WHERE t.due_date BETWEEN d.today AND d.today + 30)::integer AS due_30,
       count(*) FILTER (WHERE t.state = 'in_progress')::integer AS in_progress
FROM maintenance.tasks t
JOIN (SELECT unnest(@home_ids::uuid[]) AS home_id, unnest(@todays::date[]) AS today) AS d ON d.home_id = t.home_id
WHERE t.tenant_id = @tenant_id AND t.state IN ('open', 'in_progress')
GROUP BY t.tenant_id;

-- name: DashboardTaskLists :many
-- The first list_limit overdue tasks and the first list_limit due within
-- 30 days, each by due date.
SELECT l.overdue::boolean AS overdue, l.task_id, l.home_id, l.asset_id, coalesce(a.display_name, '')::text AS asset_display_name,
       l.title, l.state, l.due_date, l.days_until_due
FROM (
  SELECT maintenance.task_status(t.state, t.due_date, t.lead_days, d.today) = 'overdue' AS overdue, t.task_id, t.home_id, t.asset_id, t.title, t.state,
         t.due_date, (t.due_date - d.today)::integer AS days_until_due,
         row_number() OVER (PARTITION BY maintenance.task_status(t.state, t.due_date, t.lead_days, d.today) = 'overdue'
                            ORDER BY t.due_date, t.task_id) AS n
  FROM maintenance.tasks t
  JOIN (SELECT unnest(@home_ids::uuid[]) AS home_id, unnest(@todays::date[]) AS today) AS d ON d.home_id = t.home_id
  WHERE t.tenant_id = @tenant_id AND t.state IN ('open', 'in_progress') AND t.due_date <= d.today + 30
    AND (t.state = 'open' OR t.due_date >= d.today)
) l
LEFT JOIN maintenance.asset_facts a ON a.tenant_id = @tenant_id AND a.asset_id = l.asset_id
WHERE l.n <= @list_limit::integer
ORDER BY l.overdue DESC, l.due_date, l.task_id;

-- name: DashboardSpend :many
-- Completed tasks' costs per month (each home's months, as the server cut
-- them in its zone), asset category and currency. A task's cost is the
-- completion's total; its parts itemise it.
SELECT m.month::text AS month, coalesce(a.category_id, '')::text AS category_id, t.cost_currency::text AS currency,
       sum(t.cost_minor)::bigint AS total_minor, count(*)::integer AS task_count
FROM (SELECT unnest(@home_ids::uuid[]) AS home_id, unnest(@months::text[]) AS month, unnest(@starts::timestamptz[]) AS start_time,
        unnest(@ends::timestamptz[]) AS end_time) AS m
JOIN maintenance.tasks t ON t.home_id = m.home_id AND t.completed_time >= m.start_time AND t.completed_time < m.end_time
LEFT JOIN maintenance.asset_facts a ON a.tenant_id = t.tenant_id AND a.asset_id = t.asset_id
WHERE t.tenant_id = @tenant_id AND t.state = 'done' AND t.cost_minor IS NOT NULL AND t.cost_currency IS NOT NULL
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;

-- name: DashboardWarranties :many
-- Assets in service whose warranty ends from today to today + 90, and how
-- many there are in all (before the limit).
SELECT a.asset_id, a.home_id, a.display_name, a.warranty_expiry_date::date AS warranty_expiry_date,
       (a.warranty_expiry_date - d.today)::integer AS days_left, (count(*) OVER ())::integer AS total
FROM maintenance.asset_facts a
JOIN (SELECT unnest(@home_ids::uuid[]) AS home_id, unnest(@todays::date[]) AS today) AS d ON d.home_id = a.home_id
WHERE a.tenant_id = @tenant_id AND NOT a.deleted AND a.status <> 'retired'
  AND a.warranty_expiry_date BETWEEN d.today AND d.today + 90
ORDER BY a.warranty_expiry_date, a.asset_id
LIMIT @list_limit::integer;

-- name: DashboardRiskiestAssets :many
-- The assets in service with the lowest health, computed here from what
-- lowers it until the insight job's maintenance.asset_health rows exist
-- (see DESIGN-9.md, contracts): age against expected lifespan (0 below
-- half of it, rising to 60 at 125%), 10 a task overdue (at most 30), 10 a
-- repair completed since repairs_since (at most 30).
WITH d AS (
  SELECT * FROM (SELECT unnest(@home_ids::uuid[]) AS home_id, unnest(@todays::date[]) AS today) AS d
), overdue AS (
  SELECT t.asset_id, count(*) AS n
  FROM maintenance.tasks t JOIN d ON d.home_id = t.home_id
  WHERE t.tenant_id = @tenant_id AND t.state = 'open' AND maintenance.task_status(t.state, t.due_date, t.lead_days, d.today) = 'overdue'
    AND t.asset_id IS NOT NULL
  GROUP BY t.asset_id
), repairs AS (
  SELECT t.asset_id, count(*) AS n
  FROM maintenance.tasks t JOIN d ON d.home_id = t.home_id
  WHERE t.tenant_id = @tenant_id AND t.state = 'done' AND t.kind = 'repair' AND t.completed_time >= @repairs_since::timestamptz
    AND t.asset_id IS NOT NULL
  GROUP BY t.asset_id
), scored AS (
  SELECT a.asset_id, a.home_id, a.display_name, a.expected_lifespan_months,
         (d.today - coalesce(a.install_date, a.purchase_date))::integer AS age_days,
         coalesce(o.n, 0)::integer AS overdue_tasks, coalesce(r.n, 0)::integer AS repairs
  FROM maintenance.asset_facts a
  JOIN d ON d.home_id = a.home_id
  LEFT JOIN overdue o ON o.asset_id = a.asset_id
  LEFT JOIN repairs r ON r.asset_id = a.asset_id
  WHERE a.tenant_id = @tenant_id AND NOT a.deleted AND a.status <> 'retired'
), penalised AS (
  SELECT scored.*,
         CASE WHEN expected_lifespan_months > 0 AND age_days IS NOT NULL
           THEN least(60, greatest(0, (age_days * 100 / (expected_lifespan_months * 30.4375) - 50) * 0.8))::integer
           ELSE 0 END AS life_penalty
  FROM scored
)
SELECT asset_id, home_id, display_name, expected_lifespan_months, coalesce(age_days, 0)::integer AS age_days, overdue_tasks, repairs, life_penalty,
       greatest(0, 100 - life_penalty - least(30, 10 * overdue_tasks) - least(30, 10 * repairs))::integer AS health_score
FROM penalised
WHERE life_penalty > 0 OR overdue_tasks > 0 OR repairs > 0
ORDER BY health_score, asset_id
LIMIT @list_limit::integer;
