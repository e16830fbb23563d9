-- The calendar: sessions and breaks overlapping [window_start, window_end),
-- each read in (start, id) order after a page's last key and merged by the
-- server. Who sees a session: with viewer_all (ADMIN, TEACHER) every one;
-- otherwise only sessions one of whose attendees is of viewer_family (a
-- PARENT's) or is viewer_student (a STUDENT). Placeholders have attendee
-- rows too (non-blocking), so they show on the students' calendars.

-- name: ListCalendarSessions :many
-- At most one of teacher_id, room_id, student_id, family_id narrows it.
-- title is the class's name, or "Instrument — Student" for a one-to-one.
SELECT s.session_id, s.kind, s.state, s.class_id, s.teacher_id, s.room_id, s.week_number, s.booking_id,
       s.sequence, s.cancel_reason, s.revision,
       lower(s.during)::timestamptz AS start_time, upper(s.during)::timestamptz AS end_time,
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
WHERE s.tenant_id = @tenant_id
  AND s.during && tstzrange(@window_start::timestamptz, @window_end::timestamptz)
  AND (lower(s.during), s.session_id) > (@after_start::timestamptz, @after_id::uuid)
  AND (sqlc.narg(teacher_id)::uuid IS NULL OR s.teacher_id = sqlc.narg(teacher_id))
  AND (sqlc.narg(room_id)::uuid IS NULL OR s.room_id = sqlc.narg(room_id))
  AND (sqlc.narg(student_id)::uuid IS NULL OR EXISTS (
        SELECT 1 FROM booking.session_attendees a
        WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id AND a.student_id = sqlc.narg(student_id)))
  AND (sqlc.narg(family_id)::uuid IS NULL OR EXISTS (
        SELECT 1 FROM booking.session_attendees a
        JOIN booking.students st ON st.tenant_id = a.tenant_id AND st.student_id = a.student_id
        WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id AND st.family_id = sqlc.narg(family_id)))
  AND (@viewer_all::boolean OR EXISTS (
        SELECT 1 FROM booking.session_attendees a
        JOIN booking.students st ON st.tenant_id = a.tenant_id AND st.student_id = a.student_id
        WHERE a.tenant_id = s.tenant_id AND a.session_id = s.session_id
          AND (st.family_id = sqlc.narg(viewer_family) OR st.student_id = sqlc.narg(viewer_student))))
ORDER BY lower(s.during), s.session_id
LIMIT @page_limit;

-- name: ListCalendarBreaks :many
-- A break covers its days from midnight to midnight in the school's zone;
-- its key is an id made of its term and number, stable across reads.
WITH zone AS (
  SELECT coalesce((SELECT st.time_zone FROM booking.settings st WHERE st.tenant_id = @tenant_id), 'UTC') AS name
), breaks AS (
  SELECT b.term_id, b.break_number, b.display_name, b.start_date, b.end_date,
         md5(b.term_id::text || '/' || b.break_number::text)::uuid AS break_id,
         (b.start_date::timestamp AT TIME ZONE zone.name) AS start_time,
         ((b.end_date + 1)::timestamp AT TIME ZONE zone.name) AS end_time
  FROM booking.term_breaks b, zone
  WHERE b.tenant_id = @tenant_id
)
SELECT term_id, break_number, display_name, start_date, end_date, break_id,
       start_time::timestamptz AS start_time, end_time::timestamptz AS end_time
FROM breaks
WHERE start_time < @window_end::timestamptz AND end_time > @window_start::timestamptz
  AND (start_time, break_id) > (@after_start::timestamptz, @after_id::uuid)
ORDER BY start_time, break_id
LIMIT @page_limit;

-- name: ListSessionAttendees :many
-- The attendees of the sessions as far as the caller may see them: all
-- with viewer_all, else a PARENT's family's and a STUDENT's own.
SELECT a.session_id, a.student_id, st.family_id, st.given_name, st.family_name, a.attendance
FROM booking.session_attendees a
JOIN booking.students st ON st.tenant_id = a.tenant_id AND st.student_id = a.student_id
WHERE a.tenant_id = @tenant_id AND a.session_id = ANY (@session_ids::uuid[])
  AND (@viewer_all::boolean OR st.family_id = sqlc.narg(viewer_family) OR st.student_id = sqlc.narg(viewer_student))
ORDER BY a.session_id, st.given_name, a.student_id;
