-- name: GetSettings :one
-- No row yet means the defaults (server: defaultSettings).
SELECT * FROM booking.settings WHERE tenant_id = @tenant_id;

-- name: LockSettings :one
-- The settings an update changes, locked; the first update writes the row
-- with the defaults, at revision 1 as GetSettings' defaults say.
INSERT INTO booking.settings (tenant_id, revision) VALUES (@tenant_id, 1)
ON CONFLICT (tenant_id) DO UPDATE SET revision = settings.revision
RETURNING *;

-- name: UpdateSettings :one
UPDATE booking.settings
SET time_zone = @time_zone, currency_code = @currency_code, reschedule_notice_hours = @reschedule_notice_hours,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id
RETURNING *;
