-- Tasks (work orders) and the parts their completions used.

-- name: CreateTask :one
-- An ad-hoc task. A concurrent create with the same request_id inserts
-- nothing (no row).
INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, kind, title, description, due_date, lead_days,
  request_id, request_fingerprint)
VALUES (@tenant_id, @task_id, @home_id, sqlc.narg(asset_id), @kind, @title, @description, @due_date, @lead_days,
  sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: TaskCreatedBy :one
SELECT * FROM maintenance.tasks WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetTask :one
SELECT * FROM maintenance.tasks WHERE tenant_id = @tenant_id AND task_id = @task_id AND home_id = @home_id;

-- name: LockTask :one
SELECT * FROM maintenance.tasks WHERE tenant_id = @tenant_id AND task_id = @task_id AND home_id = @home_id FOR UPDATE;

-- name: ListTasks :many
-- Keyset pagination on task_id; every filter is optional (NULL = none).
-- status is the reported one, on the home's local date at the time given.
SELECT t.* FROM maintenance.tasks t
JOIN maintenance.home_facts h ON h.tenant_id = t.tenant_id AND h.home_id = t.home_id
WHERE t.tenant_id = @tenant_id
  AND t.task_id > @after_id
  AND (sqlc.narg(home_id)::uuid IS NULL OR t.home_id = sqlc.narg(home_id))
  AND (sqlc.narg(asset_id)::uuid IS NULL OR t.asset_id = sqlc.narg(asset_id))
  AND (sqlc.narg(plan_id)::uuid IS NULL OR t.plan_id = sqlc.narg(plan_id))
  AND (sqlc.narg(due_from)::date IS NULL OR t.due_date >= sqlc.narg(due_from))
  AND (sqlc.narg(due_to)::date IS NULL OR t.due_date <= sqlc.narg(due_to))
  AND (sqlc.narg(status)::text IS NULL
    OR sqlc.narg(status)::text = maintenance.task_status(t.state, t.due_date, t.lead_days, (timezone(h.time_zone, @now::timestamptz))::date))
ORDER BY t.task_id
LIMIT @page_limit;

-- name: UpdateTask :one
UPDATE maintenance.tasks
SET kind = @kind, title = @title, description = @description, due_date = @due_date, lead_days = @lead_days,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND task_id = @task_id
RETURNING *;

-- name: StartTask :one
UPDATE maintenance.tasks
SET state = 'in_progress', start_time = now(), started_by = @started_by, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND task_id = @task_id
RETURNING *;

-- name: CompleteTask :one
UPDATE maintenance.tasks
SET state = 'done', completed_time = @completed_time, completed_by = @completed_by, notes = @notes,
    cost_minor = sqlc.narg(cost_minor), cost_currency = sqlc.narg(cost_currency),
    meter_value = sqlc.narg(meter_value), reading_id = sqlc.narg(reading_id),
    closed_time = now(), closed_by = @completed_by, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND task_id = @task_id
RETURNING *;

-- name: CloseTask :one
-- Skipped or cancelled, with the reason.
UPDATE maintenance.tasks
SET state = @state, skip_reason = @skip_reason, closed_time = now(), closed_by = @closed_by,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND task_id = @task_id
RETURNING *;

-- name: InsertTaskPart :exec
INSERT INTO maintenance.task_parts (tenant_id, task_id, position, description, part_number, quantity, cost_minor, cost_currency)
VALUES (@tenant_id, @task_id, @position, @description, @part_number, @quantity, sqlc.narg(cost_minor), sqlc.narg(cost_currency));

-- name: ListTaskParts :many
-- The parts of the tasks of one page, in one round trip.
SELECT * FROM maintenance.task_parts WHERE tenant_id = @tenant_id AND task_id = ANY(@task_ids::uuid[])
ORDER BY task_id, position;
