-- The reads a reschedule or cancellation of a one-to-one session needs
-- beside the booking's: the session's own teacher's availability (the
-- class's teacher may have changed since) and the credit a make-up used.

-- name: TeacherAvailabilityRules :one
-- One teacher's blocks and exceptions, as JSON in BookableRules' shape; no
-- row for a teacher the school does not have.
SELECT coalesce((SELECT json_agg(json_build_object('weekday', ab.weekday, 'start', ab.start_time, 'end', ab.end_time, 'room', ab.room_id) ORDER BY ab.block_number)
                 FROM booking.availability_blocks ab WHERE ab.tenant_id = t.tenant_id AND ab.teacher_id = t.teacher_id), '[]')::text AS blocks,
       coalesce((SELECT json_agg(json_build_object('date', ae.on_date, 'start', ae.start_time, 'end', ae.end_time))
                 FROM booking.availability_exceptions ae WHERE ae.tenant_id = t.tenant_id AND ae.teacher_id = t.teacher_id), '[]')::text AS exceptions
FROM booking.teachers t
WHERE t.tenant_id = @tenant_id AND t.teacher_id = @teacher_id;

-- name: CreditOfMakeupSession :one
SELECT * FROM booking.makeup_credits WHERE tenant_id = @tenant_id AND used_session_id = @session_id::uuid;

-- name: ReturnMakeupCredit :execrows
-- A cancelled make-up gives back the credit it used, with its own expiry:
-- cancelling never mints a new one.
UPDATE booking.makeup_credits SET used_session_id = NULL
WHERE tenant_id = @tenant_id AND used_session_id = @session_id::uuid;
