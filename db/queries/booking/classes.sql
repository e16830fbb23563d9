-- A class is read with its waitlist's length.

-- name: GetClass :one
SELECT sqlc.embed(c),
  (SELECT count(*) FROM booking.enrolments e
   WHERE e.tenant_id = c.tenant_id AND e.class_id = c.class_id AND e.state = 'waitlisted')::integer AS waitlist_count
FROM booking.classes c
WHERE c.tenant_id = @tenant_id AND c.class_id = @class_id;

-- name: ListClasses :many
-- Keyset pagination on class_id; term, teacher and room are optional (NULL = any).
SELECT sqlc.embed(c),
  (SELECT count(*) FROM booking.enrolments e
   WHERE e.tenant_id = c.tenant_id AND e.class_id = c.class_id AND e.state = 'waitlisted')::integer AS waitlist_count
FROM booking.classes c
WHERE c.tenant_id = @tenant_id AND c.class_id > @after_id
  AND (sqlc.narg(term_id)::uuid IS NULL OR c.term_id = sqlc.narg(term_id)::uuid)
  AND (sqlc.narg(teacher_id)::uuid IS NULL OR c.teacher_id = sqlc.narg(teacher_id)::uuid)
  AND (sqlc.narg(room_id)::uuid IS NULL OR c.room_id = sqlc.narg(room_id)::uuid)
ORDER BY c.class_id
LIMIT @page_limit;

-- name: CreateClass :one
INSERT INTO booking.classes (tenant_id, class_id, term_id, display_name, instrument_id, teacher_id, room_id, weekday,
                             start_time, group_minutes, individual_minutes, capacity, request_id, request_fingerprint)
VALUES (@tenant_id, @class_id, @term_id, @display_name, @instrument_id, @teacher_id, @room_id, @weekday,
        @start_time, @group_minutes, @individual_minutes, @capacity, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: ClassCreatedBy :one
SELECT * FROM booking.classes WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: LockClass :one
-- Also what serialises the promotions of a class's waitlist.
SELECT * FROM booking.classes WHERE tenant_id = @tenant_id AND class_id = @class_id FOR UPDATE;

-- name: UpdateClass :one
UPDATE booking.classes
SET display_name = @display_name, instrument_id = @instrument_id, teacher_id = @teacher_id, room_id = @room_id,
    weekday = @weekday, start_time = @start_time, group_minutes = @group_minutes,
    individual_minutes = @individual_minutes, capacity = @capacity, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND class_id = @class_id
RETURNING *;

-- name: ClassInUse :one
-- A class cannot go while students hold a place or wait for one, while
-- bookings were made in it, or while its sessions have a history (make-up
-- credits from them, audit events).
SELECT (EXISTS (SELECT 1 FROM booking.enrolments e WHERE e.tenant_id = @tenant_id AND e.class_id = @class_id AND e.state <> 'withdrawn')
    OR EXISTS (SELECT 1 FROM booking.bookings b WHERE b.tenant_id = @tenant_id AND b.class_id = @class_id)
    OR EXISTS (SELECT 1 FROM booking.makeup_credits m JOIN booking.sessions s ON s.tenant_id = m.tenant_id AND s.session_id = m.source_session_id
               WHERE m.tenant_id = @tenant_id AND s.class_id = @class_id)
    OR EXISTS (SELECT 1 FROM booking.session_events v JOIN booking.sessions s ON s.tenant_id = v.tenant_id AND s.session_id = v.session_id
               WHERE v.tenant_id = @tenant_id AND s.class_id = @class_id))::boolean AS in_use;

-- name: DeleteClassWithdrawn :exec
DELETE FROM booking.enrolments WHERE tenant_id = @tenant_id AND class_id = @class_id AND state = 'withdrawn';

-- name: DeleteClassSessions :exec
DELETE FROM booking.sessions WHERE tenant_id = @tenant_id AND class_id = @class_id;

-- name: DeleteClass :exec
DELETE FROM booking.classes WHERE tenant_id = @tenant_id AND class_id = @class_id;
