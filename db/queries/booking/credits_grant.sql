-- name: GrantMakeupCredits :many
-- One credit per student of a cancelled session, usable for 60 days after
-- it was due; granting twice for the same session changes nothing.
INSERT INTO booking.makeup_credits (tenant_id, credit_id, student_id, source_session_id, expire_time)
SELECT a.tenant_id, gen_random_uuid(), a.student_id, a.session_id, lower(a.during) + interval '60 days'
FROM booking.session_attendees a
WHERE a.tenant_id = @tenant_id AND a.session_id = @session_id
ON CONFLICT (tenant_id, source_session_id, student_id) DO NOTHING
RETURNING *;
