-- name: GetReminderPreferences :one
-- No row yet means every reminder (server: defaultPreferences).
SELECT * FROM maintenance.reminder_preferences
WHERE tenant_id = @tenant_id AND user_id = @user_id;

-- name: LockReminderPreferences :one
-- The preferences an update changes, locked; the first update writes the
-- row with the defaults, at revision 1 as GetReminderPreferences' defaults say.
INSERT INTO maintenance.reminder_preferences (tenant_id, user_id, revision) VALUES (@tenant_id, @user_id, 1)
ON CONFLICT ON CONSTRAINT reminder_preferences_pkey DO UPDATE SET revision = reminder_preferences.revision
RETURNING *;

-- name: UpdateReminderPreferences :one
UPDATE maintenance.reminder_preferences
SET due_tasks = @due_tasks, overdue_tasks = @overdue_tasks, expiring_warranties = @expiring_warranties,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND user_id = @user_id
RETURNING *;

-- name: ListReminderPreferences :many
-- Every member's choice that is not the default, for the reminder job.
SELECT * FROM maintenance.reminder_preferences
WHERE tenant_id = @tenant_id;
