-- The sessions a class's schedule makes: one group session or placeholder
-- per teaching week (not on a break day), and their attendees.

-- name: InsertClassSessions :many
-- The class's sessions for the weeks given, at its teacher and room.
INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during)
SELECT c.tenant_id, gen_random_uuid(), (@kinds::text[])[i], c.term_id, c.class_id, (@week_numbers::integer[])[i],
       c.teacher_id, c.room_id, tstzrange((@start_times::timestamptz[])[i], (@end_times::timestamptz[])[i], '[)')
FROM booking.classes c, generate_series(1, cardinality(@week_numbers::integer[])) AS i
WHERE c.tenant_id = @tenant_id AND c.class_id = @class_id
RETURNING session_id, week_number;

-- name: ClassWeekSessions :many
-- The class's group sessions and placeholders.
SELECT session_id, kind, state, week_number, lower(during)::timestamptz AS start_time
FROM booking.sessions
WHERE tenant_id = @tenant_id AND class_id = @class_id AND kind IN ('group', 'placeholder')
ORDER BY week_number;

-- name: RetimeClassSession :exec
-- A session of the class moved by a change of its schedule; the trigger
-- moves its attendees' ranges with it.
UPDATE booking.sessions
SET during = tstzrange(@start_time::timestamptz, @end_time::timestamptz, '[)'), teacher_id = @teacher_id, room_id = @room_id,
    sequence = sequence + 1, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND session_id = @session_id;

-- name: DeleteClassSession :execrows
-- A session of the class whose week lost its day, unless something records
-- it (an audit event, a make-up credit, attendance, a booking): history is
-- never deleted, the caller cancels such a session instead.
DELETE FROM booking.sessions s
WHERE s.tenant_id = @tenant_id AND s.session_id = @session_id AND s.booking_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM booking.session_events e WHERE e.tenant_id = s.tenant_id AND e.session_id = s.session_id)
  AND NOT EXISTS (SELECT 1 FROM booking.makeup_credits m WHERE m.tenant_id = s.tenant_id AND m.source_session_id = s.session_id)
  AND NOT EXISTS (SELECT 1 FROM booking.makeup_credits m WHERE m.tenant_id = s.tenant_id AND m.used_session_id = s.session_id)
  AND NOT EXISTS (SELECT 1 FROM booking.session_attendees a
                  WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id AND a.attendance IS NOT NULL);

-- name: CancelMovedClassSession :execrows
-- A scheduled session with history whose week lost its day: cancelled, so
-- calendars drop it (sequence + 1) and the trigger unblocks its attendees.
UPDATE booking.sessions
SET state = 'cancelled', sequence = sequence + 1, cancel_reason = @cancel_reason, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND session_id = @session_id AND state = 'scheduled';

-- name: ReinstateMovedClassSession :execrows
-- A session CancelMovedClassSession cancelled whose week has its day again
-- (RetimeClassSession then moves it and bumps its sequence); a session
-- cancelled for any other reason stays cancelled.
UPDATE booking.sessions
SET state = 'scheduled', cancel_reason = ''
WHERE tenant_id = @tenant_id AND session_id = @session_id AND state = 'cancelled' AND cancel_reason = @cancel_reason;

-- name: SetWeekSessionKind :many
-- Turns the class's not yet started group session of a week into a
-- placeholder or back; the trigger keeps the attendees' blocking in step.
UPDATE booking.sessions
SET kind = @kind, sequence = sequence + 1, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND class_id = @class_id AND week_number = @week_number
  AND kind IN ('group', 'placeholder') AND kind <> @kind AND lower(during) > now()
RETURNING session_id;

-- name: CancelWeekIndividualSessions :many
-- The class's individual sessions of a week that became a group week.
UPDATE booking.sessions
SET state = 'cancelled', sequence = sequence + 1, cancel_reason = @cancel_reason, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND class_id = @class_id AND week_number = @week_number
  AND kind = 'individual' AND state = 'scheduled' AND lower(during) > now()
RETURNING session_id;

-- name: RecordPatternCancellation :exec
INSERT INTO booking.session_events (tenant_id, event_id, session_id, action, actor_user_id, reason)
VALUES (@tenant_id, @event_id, @session_id, 'cancelled', @actor_user_id, @reason);

-- name: AddStudentToClassSessions :exec
-- An enrolled student attends the class's group sessions and placeholders
-- that have not started; each row copies its session's range and blocking.
INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
SELECT s.tenant_id, s.session_id, @student_id, s.during, (s.state = 'scheduled' AND s.kind <> 'placeholder')
FROM booking.sessions s
WHERE s.tenant_id = @tenant_id AND s.class_id = @class_id AND s.kind IN ('group', 'placeholder')
  AND s.state = 'scheduled' AND lower(s.during) > now()
ON CONFLICT (tenant_id, session_id, student_id) DO NOTHING;

-- name: AddEnrolledToClassSessions :exec
-- Every enrolled student of the class at its sessions that have not
-- started (after sessions were added to it).
INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
SELECT s.tenant_id, s.session_id, e.student_id, s.during, (s.state = 'scheduled' AND s.kind <> 'placeholder')
FROM booking.sessions s
JOIN booking.enrolments e ON e.tenant_id = s.tenant_id AND e.class_id = s.class_id AND e.state = 'enrolled'
WHERE s.tenant_id = @tenant_id AND s.class_id = @class_id AND s.kind IN ('group', 'placeholder')
  AND s.state = 'scheduled' AND lower(s.during) > now()
ON CONFLICT (tenant_id, session_id, student_id) DO NOTHING;

-- name: RemoveStudentFromClassSessions :exec
-- A withdrawn student leaves the class's group sessions and placeholders
-- that have not started; past ones keep their attendance.
DELETE FROM booking.session_attendees a
USING booking.sessions s
WHERE a.tenant_id = @tenant_id AND a.student_id = @student_id
  AND s.tenant_id = a.tenant_id AND s.session_id = a.session_id
  AND s.class_id = @class_id AND s.kind IN ('group', 'placeholder') AND lower(s.during) > now();

-- name: ClassSlotClash :one
-- The blocking session, of another class, that a class's group sessions at
-- these times would overlap for its teacher or room: what a refusal names.
SELECT s.session_id, s.kind, lower(s.during)::timestamptz AS start_time, s.teacher_id = @teacher_id AS same_teacher,
       coalesce(c.display_name, '')::text AS class_name
FROM booking.sessions s
LEFT JOIN booking.classes c ON c.tenant_id = s.tenant_id AND c.class_id = s.class_id
WHERE s.tenant_id = @tenant_id AND s.class_id <> @class_id AND s.state = 'scheduled' AND s.kind <> 'placeholder'
  AND (s.teacher_id = @teacher_id OR s.room_id = @room_id)
  AND EXISTS (SELECT 1 FROM generate_series(1, cardinality(@start_times::timestamptz[])) AS i
              WHERE s.during && tstzrange((@start_times::timestamptz[])[i], (@end_times::timestamptz[])[i], '[)'))
ORDER BY lower(s.during)
LIMIT 1;

-- name: EnrolmentClash :one
-- The blocking session of another class that the class's blocking
-- sessions overlap for the student: what a refused enrolment names.
SELECT s.session_id, s.kind, lower(s.during)::timestamptz AS start_time, coalesce(c.display_name, '')::text AS class_name
FROM booking.session_attendees a
JOIN booking.sessions s ON s.tenant_id = a.tenant_id AND s.session_id = a.session_id
LEFT JOIN booking.classes c ON c.tenant_id = s.tenant_id AND c.class_id = s.class_id
WHERE a.tenant_id = @tenant_id AND a.student_id = @student_id AND a.blocking AND s.class_id <> @class_id
  AND EXISTS (SELECT 1 FROM booking.sessions m
              WHERE m.tenant_id = a.tenant_id AND m.class_id = @class_id AND m.kind = 'group' AND m.state = 'scheduled'
                AND lower(m.during) > now() AND m.during && a.during)
ORDER BY lower(s.during)
LIMIT 1;
