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
