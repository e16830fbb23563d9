-- The reminder job's reads (services/maintenance/internal/reminders). Each
-- home's "today" is computed in its time zone by the job, so a query takes
-- the home and its dates.

-- name: ListReminderHomes :many
SELECT home_id, display_name, time_zone FROM maintenance.home_facts
WHERE tenant_id = @tenant_id AND NOT deleted
ORDER BY home_id;

-- name: ListExpiringWarranties :many
-- The home's assets in service whose warranty ends from today to the end
-- of the lead time, both days included.
SELECT asset_id, display_name, warranty_expiry_date::date AS warranty_expiry_date FROM maintenance.asset_facts
WHERE tenant_id = @tenant_id AND home_id = @home_id AND NOT deleted AND status <> 'retired'
  AND warranty_expiry_date BETWEEN @today::date AND @until::date
ORDER BY warranty_expiry_date, asset_id;

-- name: ListTasksToRemind :many
-- The home's open tasks that are DUE (in their lead time) or OVERDUE on the
-- home's today: due_date - lead_days <= today.
SELECT t.task_id, t.asset_id, t.occurrence, t.title, t.description, t.due_date, t.lead_days,
       coalesce(a.display_name, '')::text AS asset_name
FROM maintenance.tasks t
LEFT JOIN maintenance.asset_facts a ON a.tenant_id = t.tenant_id AND a.asset_id = t.asset_id
WHERE t.tenant_id = @tenant_id AND t.home_id = @home_id AND t.state = 'open'
  AND t.due_date - t.lead_days <= @today::date
ORDER BY t.due_date, t.task_id;
