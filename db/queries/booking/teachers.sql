-- name: GetTeacher :one
SELECT * FROM booking.teachers WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id;

-- name: ListTeachers :many
-- Keyset pagination on teacher_id; instrument is optional (NULL = any).
SELECT * FROM booking.teachers
WHERE tenant_id = @tenant_id AND teacher_id > @after_id
  AND (sqlc.narg(instrument_id)::uuid IS NULL OR sqlc.narg(instrument_id)::uuid = ANY (instrument_ids))
ORDER BY teacher_id
LIMIT @page_limit;

-- name: CreateTeacher :one
INSERT INTO booking.teachers (tenant_id, teacher_id, user_id, display_name, instrument_ids, calendar_color,
                              request_id, request_fingerprint)
VALUES (@tenant_id, @teacher_id, @user_id, @display_name, @instrument_ids, @calendar_color,
        sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: TeacherCreatedBy :one
SELECT * FROM booking.teachers WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: DeleteTeacher :exec
DELETE FROM booking.teachers WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id;

-- name: LockTeacher :one
SELECT * FROM booking.teachers WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id FOR UPDATE;

-- name: UpdateTeacher :one
UPDATE booking.teachers
SET display_name = @display_name, instrument_ids = @instrument_ids, calendar_color = @calendar_color,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id
RETURNING *;

-- name: TeacherOfUser :one
-- The teacher the caller is, if any: a TEACHER manages their own
-- availability, attendance and feed.
SELECT * FROM booking.teachers WHERE tenant_id = @tenant_id AND user_id = @user_id;
