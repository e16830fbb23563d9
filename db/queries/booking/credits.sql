-- name: MakeupCreditToBook :one
SELECT * FROM booking.makeup_credits WHERE tenant_id = @tenant_id AND credit_id = @credit_id AND student_id = @student_id;

-- name: UseMakeupCredit :one
-- Consumes a credit for a session in one statement: the row lock and the
-- re-checked WHERE let exactly one of two concurrent uses through.
UPDATE booking.makeup_credits SET used_session_id = @session_id
WHERE tenant_id = @tenant_id AND credit_id = @credit_id AND student_id = @student_id
  AND used_session_id IS NULL AND expire_time > @now::timestamptz AND expire_time > @session_start::timestamptz
RETURNING credit_id;

-- name: ListMakeupCreditsVisible :many
-- Soonest to expire first (keyset on expire_time, credit_id), as the caller
-- may see them: staff all, a PARENT their family's, a STUDENT their own.
-- The state is computed at now: used, else expired, else available.
SELECT c.*, st.family_id
FROM booking.makeup_credits c
JOIN booking.students st ON st.tenant_id = c.tenant_id AND st.student_id = c.student_id
WHERE c.tenant_id = @tenant_id
  AND (@viewer_all::boolean OR st.family_id = sqlc.narg(viewer_family)::uuid OR st.student_id = sqlc.narg(viewer_student)::uuid)
  AND (sqlc.narg(student_id)::uuid IS NULL OR c.student_id = sqlc.narg(student_id)::uuid)
  AND (sqlc.narg(state)::text IS NULL OR sqlc.narg(state)::text =
       CASE WHEN c.used_session_id IS NOT NULL THEN 'used' WHEN c.expire_time <= @now::timestamptz THEN 'expired' ELSE 'available' END)
  AND (c.expire_time, c.credit_id) > (@after_expire::timestamptz, @after_id::uuid)
ORDER BY c.expire_time, c.credit_id
LIMIT @page_limit;
