-- The reads a reschedule or cancellation of a one-to-one session needs
-- beside the booking's: the session's own teacher's availability (the
-- class's teacher may have changed since) and the credit a make-up used.

-- name: TeacherAvailabilityRules :one
-- One teacher's blocks (as arrays) and exceptions (as JSON), in
-- BookableRules' shape; no row for a teacher the school does not have.
SELECT bl.weekdays::integer[] AS block_weekdays, bl.starts::time[] AS block_starts, bl.ends::time[] AS block_ends, bl.rooms::uuid[] AS block_rooms,
       coalesce((SELECT json_agg(json_build_object('date', ae.on_date, 'start', ae.start_time, 'end', ae.end_time))
                 FROM booking.availability_exceptions ae WHERE ae.tenant_id = t.tenant_id AND ae.teacher_id = t.teacher_id), '[]')::text AS exceptions
FROM booking.teachers t
CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(ab.weekday::integer ORDER BY ab.block_number), '{}') AS weekdays,
         coalesce(array_agg(ab.start_time ORDER BY ab.block_number), '{}') AS starts,
         coalesce(array_agg(ab.end_time ORDER BY ab.block_number), '{}') AS ends,
         coalesce(array_agg(ab.room_id ORDER BY ab.block_number), '{}') AS rooms
  FROM booking.availability_blocks ab WHERE ab.tenant_id = t.tenant_id AND ab.teacher_id = t.teacher_id) bl
WHERE t.tenant_id = @tenant_id AND t.teacher_id = @teacher_id;

-- name: CreditOfMakeupSession :one
SELECT * FROM booking.makeup_credits WHERE tenant_id = @tenant_id AND used_session_id = @session_id::uuid;

-- name: ReturnMakeupCredit :execrows
-- A cancelled make-up gives back the credit it used, with its own expiry:
-- cancelling never mints a new one.
UPDATE booking.makeup_credits SET used_session_id = NULL
WHERE tenant_id = @tenant_id AND used_session_id = @session_id::uuid;
