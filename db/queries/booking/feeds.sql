-- Calendar feeds: a teacher's or a family's sessions behind a secret URL
-- whose sha256 alone is kept. Who manages a feed: with viewer_all (ADMIN)
-- every one; a TEACHER their own teacher's (viewer_teacher); a PARENT their
-- family's (viewer_family). NULLs there match nothing.

-- name: CreateCalendarFeed :one
INSERT INTO booking.calendar_feeds (tenant_id, feed_id, teacher_id, family_id, secret_hash, created_by)
VALUES (@tenant_id, @feed_id, sqlc.narg(teacher_id), sqlc.narg(family_id), @secret_hash, @created_by)
RETURNING *;

-- name: ListCalendarFeeds :many
SELECT * FROM booking.calendar_feeds
WHERE tenant_id = @tenant_id AND feed_id > @after_id
  AND (@viewer_all::boolean OR teacher_id = sqlc.narg(viewer_teacher) OR family_id = sqlc.narg(viewer_family))
ORDER BY feed_id
LIMIT @page_limit;

-- name: DeleteCalendarFeed :execrows
DELETE FROM booking.calendar_feeds
WHERE tenant_id = @tenant_id AND feed_id = @feed_id
  AND (@viewer_all::boolean OR teacher_id = sqlc.narg(viewer_teacher) OR family_id = sqlc.narg(viewer_family));

-- name: GetCalendarFeed :one
-- The feed a secret URL names, with its subject's name for X-WR-CALNAME;
-- the server compares the hash in constant time.
SELECT f.tenant_id, f.feed_id, f.teacher_id, f.family_id, f.secret_hash,
       coalesce(t.display_name, fa.display_name)::text AS subject_name
FROM booking.calendar_feeds f
LEFT JOIN booking.teachers t ON t.tenant_id = f.tenant_id AND t.teacher_id = f.teacher_id
LEFT JOIN booking.families fa ON fa.tenant_id = f.tenant_id AND fa.family_id = f.family_id
WHERE f.tenant_id = @tenant_id AND f.feed_id = @feed_id;

-- name: ListFeedSessions :many
-- A feed's sessions starting in [from_time, to_time), cancelled ones too:
-- the teacher's (placeholders included), or those with an attendee of the
-- family. title as in ListCalendarSessions.
SELECT s.session_id, s.kind, s.state, s.sequence, s.cancel_reason, s.create_time, s.update_time,
       lower(s.during)::timestamptz AS start_time, upper(s.during)::timestamptz AS end_time,
       r.display_name AS room_name,
       (CASE WHEN s.kind IN ('group', 'placeholder') THEN c.display_name
             ELSE i.display_name || ' — ' || coalesce((
               SELECT concat_ws(' ', st.given_name, nullif(st.family_name, ''))
               FROM booking.session_attendees a
               JOIN booking.students st ON st.tenant_id = a.tenant_id AND st.student_id = a.student_id
               WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id
               ORDER BY st.given_name LIMIT 1), '') END)::text AS title
FROM booking.sessions s
JOIN booking.classes c ON c.tenant_id = s.tenant_id AND c.class_id = s.class_id
JOIN booking.instruments i ON i.tenant_id = c.tenant_id AND i.instrument_id = c.instrument_id
JOIN booking.rooms r ON r.tenant_id = s.tenant_id AND r.room_id = s.room_id
WHERE s.tenant_id = @tenant_id
  AND lower(s.during) >= @from_time::timestamptz AND lower(s.during) < @to_time::timestamptz
  AND (s.teacher_id = sqlc.narg(teacher_id) OR EXISTS (
        SELECT 1 FROM booking.session_attendees a
        JOIN booking.students st ON st.tenant_id = a.tenant_id AND st.student_id = a.student_id
        WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id AND st.family_id = sqlc.narg(family_id)))
ORDER BY lower(s.during), s.session_id
LIMIT 5000;
