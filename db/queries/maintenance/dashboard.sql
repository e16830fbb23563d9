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
-- completion's total; its parts itemise it. One range scan of the done
-- tasks' index per home and month, never the years before (OFFSET 0 keeps
-- the LATERAL subquery from being flattened into a join, which the planner
-- would run as a scan of every done task of the tenant), summed per asset
-- before the assets' categories are joined once.
SELECT s.month::text AS month, coalesce(a.category_id, '')::text AS category_id, s.currency::text AS currency,
       sum(s.total_minor)::bigint AS total_minor, sum(s.task_count)::integer AS task_count
FROM (
  SELECT m.month, t.asset_id, t.cost_currency AS currency, sum(t.cost_minor) AS total_minor, count(*) AS task_count
  FROM (SELECT unnest(@home_ids::uuid[]) AS home_id, unnest(@months::text[]) AS month, unnest(@starts::timestamptz[]) AS start_time,
          unnest(@ends::timestamptz[]) AS end_time) AS m
  CROSS JOIN LATERAL (
    SELECT d.asset_id, d.cost_minor, d.cost_currency FROM maintenance.tasks d
    WHERE d.tenant_id = @tenant_id AND d.home_id = m.home_id AND d.state = 'done' AND d.cost_minor IS NOT NULL
      AND d.completed_time >= m.start_time AND d.completed_time < m.end_time
    OFFSET 0
  ) t
  GROUP BY 1, 2, 3
) s
LEFT JOIN maintenance.asset_facts a ON a.tenant_id = @tenant_id AND a.asset_id = s.asset_id
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
-- The assets in service with the lowest health below 100, as the insight
-- job last scored them (maintenance.asset_health), with the reasons that
-- cost points, the costliest first.
SELECT a.asset_id, a.home_id, a.display_name, h.score,
       ARRAY(SELECT e.r ->> 'description' FROM jsonb_array_elements(h.reasons) WITH ORDINALITY AS e (r, i)
             WHERE (e.r ->> 'points')::integer > 0 ORDER BY (e.r ->> 'points')::integer DESC, e.i)::text[] AS reasons
FROM maintenance.asset_health h
JOIN maintenance.asset_facts a ON a.tenant_id = h.tenant_id AND a.asset_id = h.asset_id
WHERE h.tenant_id = @tenant_id AND a.home_id = ANY(@home_ids::uuid[]) AND NOT a.deleted AND a.status <> 'retired' AND h.score < 100
ORDER BY h.score, h.asset_id
LIMIT @list_limit::integer;
