-- name: MakeupCreditToBook :one
SELECT * FROM booking.makeup_credits WHERE tenant_id = @tenant_id AND credit_id = @credit_id AND student_id = @student_id;

-- name: UseMakeupCredit :one
-- Consumes a credit for a session in one statement: the row lock and the
-- re-checked WHERE let exactly one of two concurrent uses through.
UPDATE booking.makeup_credits SET used_session_id = @session_id
WHERE tenant_id = @tenant_id AND credit_id = @credit_id AND student_id = @student_id
  AND used_session_id IS NULL AND expire_time > @now::timestamptz AND expire_time > @session_start::timestamptz
RETURNING credit_id;
