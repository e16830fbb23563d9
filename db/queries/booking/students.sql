-- Who sees a student: with viewer_all (ADMIN, and TEACHER for reads) every
-- student of the tenant; otherwise the students of viewer_family (a
-- PARENT's family) and viewer_student itself (a STUDENT's own record).

-- name: GetStudent :one
SELECT * FROM booking.students
WHERE tenant_id = @tenant_id AND family_id = @family_id AND student_id = @student_id
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family) OR student_id = sqlc.narg(viewer_student));

-- name: ListStudents :many
-- Of one family, or of every family (any_family); instrument and level are
-- optional filters (NULL = any).
SELECT * FROM booking.students
WHERE tenant_id = @tenant_id AND student_id > @after_id
  AND (@any_family::boolean OR family_id = @family_id)
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family) OR student_id = sqlc.narg(viewer_student))
  AND (sqlc.narg(instrument_id)::uuid IS NULL OR sqlc.narg(instrument_id)::uuid = ANY (instrument_ids))
  AND (sqlc.narg(level)::text IS NULL OR level = sqlc.narg(level))
  AND (sqlc.narg(level_not)::text IS NULL OR level <> sqlc.narg(level_not))
ORDER BY student_id
LIMIT @page_limit;

-- name: StudentsParentVisible :one
-- Whether the caller may list the family's students: an empty page of a
-- family they may not see is NOT_FOUND.
SELECT EXISTS (
  SELECT 1 FROM booking.families f
  WHERE f.tenant_id = @tenant_id AND f.family_id = @family_id
    AND (@viewer_all::boolean OR f.family_id = sqlc.narg(viewer_family)
         OR EXISTS (SELECT 1 FROM booking.students s
                    WHERE s.tenant_id = f.tenant_id AND s.family_id = f.family_id AND s.student_id = sqlc.narg(viewer_student)))
);

-- name: CreateStudent :one
INSERT INTO booking.students (tenant_id, family_id, student_id, given_name, family_name, birth_year,
                              instrument_ids, level, request_id, request_fingerprint)
VALUES (@tenant_id, @family_id, @student_id, @given_name, @family_name, sqlc.narg(birth_year),
        @instrument_ids, @level, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: StudentCreatedBy :one
-- By tenant alone, as the unique key is: a request_id reused under another
-- family is then REQUEST_ID_REUSED (its fingerprint names the other parent).
SELECT * FROM booking.students WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: DeleteStudent :exec
DELETE FROM booking.students WHERE tenant_id = @tenant_id AND student_id = @student_id;

-- name: LockStudent :one
SELECT * FROM booking.students
WHERE tenant_id = @tenant_id AND family_id = @family_id AND student_id = @student_id
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family))
FOR UPDATE;

-- name: UpdateStudent :one
UPDATE booking.students
SET given_name = @given_name, family_name = @family_name, birth_year = sqlc.narg(birth_year),
    instrument_ids = @instrument_ids, level = @level, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND student_id = @student_id
RETURNING *;
