-- Sessions as the caller may see them: staff all of them; a PARENT those
-- with an attendee of their family (or a placeholder of a class one of them
-- is enrolled in), a STUDENT their own. Anyone else's is no row: NOT_FOUND.

-- name: GetSessionVisible :one
SELECT s.*, c.display_name AS class_name
FROM booking.sessions s
JOIN booking.classes c ON c.tenant_id = s.tenant_id AND c.class_id = s.class_id
WHERE s.tenant_id = @tenant_id AND s.session_id = @session_id
  AND (@viewer_all::boolean
       OR EXISTS (SELECT 1 FROM booking.session_attendees a
                  JOIN booking.students st ON st.tenant_id = a.tenant_id AND st.student_id = a.student_id
                  WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id
                    AND (st.family_id = sqlc.narg(viewer_family)::uuid OR st.student_id = sqlc.narg(viewer_student)::uuid))
       OR (s.kind = 'placeholder' AND EXISTS (
             SELECT 1 FROM booking.enrolments e
             JOIN booking.students st ON st.tenant_id = e.tenant_id AND st.student_id = e.student_id
             WHERE e.tenant_id = s.tenant_id AND e.class_id = s.class_id AND e.state = 'enrolled'
               AND (st.family_id = sqlc.narg(viewer_family)::uuid OR st.student_id = sqlc.narg(viewer_student)::uuid))));

-- name: LockSessionToChange :one
-- The session a reschedule, cancellation or attendance mark changes,
-- locked: staff reach every one, a PARENT only those of their family's
-- attendees; anyone else finds no row.
SELECT s.*, c.display_name AS class_name
FROM booking.sessions s
JOIN booking.classes c ON c.tenant_id = s.tenant_id AND c.class_id = s.class_id
WHERE s.tenant_id = @tenant_id AND s.session_id = @session_id
  AND (@viewer_all::boolean
       OR EXISTS (SELECT 1 FROM booking.session_attendees a
                  JOIN booking.students st ON st.tenant_id = a.tenant_id AND st.student_id = a.student_id
                  WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id AND st.family_id = sqlc.narg(viewer_family)::uuid))
FOR UPDATE OF s;

-- name: SessionAttendeesVisible :many
-- The attendees of sessions a caller may see: every one for staff, only
-- their family's (or themselves) for a PARENT (or STUDENT).
SELECT a.session_id, a.student_id, a.attendance, st.family_id, st.given_name, st.family_name
FROM booking.session_attendees a
JOIN booking.students st ON st.tenant_id = a.tenant_id AND st.student_id = a.student_id
WHERE a.tenant_id = @tenant_id AND a.session_id = ANY (@session_ids::uuid[])
  AND (@viewer_all::boolean OR st.family_id = sqlc.narg(viewer_family)::uuid OR st.student_id = sqlc.narg(viewer_student)::uuid)
ORDER BY a.session_id, st.given_name, a.student_id;

-- name: MoveSession :one
-- One UPDATE of during: the attendees follow (sessions_sync_attendees), and
-- an overlap fails the whole statement (23P01), leaving the session as it was.
UPDATE booking.sessions
SET during = tstzrange(@start_time::timestamptz, @end_time::timestamptz), room_id = @room_id,
    week_number = sqlc.narg(week_number), sequence = sequence + 1, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND session_id = @session_id
RETURNING session_id;

-- name: CancelSessionRow :one
UPDATE booking.sessions
SET state = 'cancelled', cancel_reason = @cancel_reason, sequence = sequence + 1, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND session_id = @session_id
RETURNING session_id;

-- name: MarkAttendee :one
UPDATE booking.session_attendees
SET attendance = @attendance, attendance_by = @attendance_by, attendance_time = @attendance_time::timestamptz
WHERE tenant_id = @tenant_id AND session_id = @session_id AND student_id = @student_id
RETURNING student_id;

-- name: BumpSessionRevision :exec
UPDATE booking.sessions SET revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND session_id = @session_id;
