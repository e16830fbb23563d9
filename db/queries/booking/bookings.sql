-- The reads CreateBooking and ListFreeSlots decide on, and the booking
-- rows. None of the reads decides an overlap: the exclusion constraints do.

-- name: StudentToBook :one
-- The student a booking is for, when the caller may reach them: NOT_FOUND
-- (no row) for another family's, as for another tenant's.
SELECT student_id, family_id, given_name, family_name FROM booking.students
WHERE tenant_id = @tenant_id AND student_id = @student_id AND family_id = @family_id
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family)::uuid OR student_id = sqlc.narg(viewer_student)::uuid);

-- name: BookableRules :one
-- Everything the slot rules of one class and student need, in one round
-- trip (a booking rush runs this per request): the class and its term, the
-- school's zone and notice (the defaults of booking.settings when it has no
-- row), whether the student is enrolled, the weeks as the class is taught,
-- the breaks and the teacher's blocks, and as JSON the windows and the
-- teacher's exceptions.
SELECT c.class_id, c.term_id, c.display_name, c.teacher_id, c.room_id, c.individual_minutes,
       t.start_date AS term_start, t.end_date AS term_end,
       coalesce((SELECT st.time_zone FROM booking.settings st WHERE st.tenant_id = c.tenant_id), 'UTC')::text AS time_zone,
       coalesce((SELECT st.reschedule_notice_hours FROM booking.settings st WHERE st.tenant_id = c.tenant_id), 24)::integer AS notice_hours,
       EXISTS (SELECT 1 FROM booking.enrolments e
               WHERE e.tenant_id = c.tenant_id AND e.class_id = c.class_id AND e.student_id = @student_id AND e.state = 'enrolled') AS enrolled,
       wk.numbers::integer[] AS week_numbers, wk.mondays::date[] AS week_mondays, wk.individual::boolean[] AS week_individual,
       br.starts::date[] AS break_starts, br.ends::date[] AS break_ends,
       coalesce((SELECT json_agg(json_build_object('open', bw.open_time, 'close', bw.close_time, 'weeks', bw.week_numbers, 'classes', bw.class_ids))
                 FROM booking.booking_windows bw WHERE bw.tenant_id = c.tenant_id AND bw.term_id = c.term_id), '[]')::text AS windows,
       bl.weekdays::integer[] AS block_weekdays, bl.starts::time[] AS block_starts, bl.ends::time[] AS block_ends, bl.rooms::uuid[] AS block_rooms,
       coalesce((SELECT json_agg(json_build_object('date', ae.on_date, 'start', ae.start_time, 'end', ae.end_time))
                 FROM booking.availability_exceptions ae WHERE ae.tenant_id = c.tenant_id AND ae.teacher_id = c.teacher_id), '[]')::text AS exceptions
FROM booking.classes c
JOIN booking.terms t ON t.tenant_id = c.tenant_id AND t.term_id = c.term_id
-- The weeks as the class is taught, the breaks and the teacher's blocks as
-- parallel arrays, which cost less to build and to read than JSON.
CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(w.week_number ORDER BY w.week_number), '{}') AS numbers,
         coalesce(array_agg(w.monday ORDER BY w.week_number), '{}') AS mondays,
         coalesce(array_agg(coalesce(o.kind, w.kind) = 'individual' ORDER BY w.week_number), '{}') AS individual
  FROM booking.term_weeks w
  LEFT JOIN booking.class_week_overrides o ON o.tenant_id = w.tenant_id AND o.class_id = c.class_id AND o.week_number = w.week_number
  WHERE w.tenant_id = c.tenant_id AND w.term_id = c.term_id
) wk
CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(b.start_date), '{}') AS starts, coalesce(array_agg(b.end_date), '{}') AS ends
  FROM booking.term_breaks b WHERE b.tenant_id = c.tenant_id AND b.term_id = c.term_id
) br
CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(ab.weekday::integer ORDER BY ab.block_number), '{}') AS weekdays,
         coalesce(array_agg(ab.start_time ORDER BY ab.block_number), '{}') AS starts,
         coalesce(array_agg(ab.end_time ORDER BY ab.block_number), '{}') AS ends,
         coalesce(array_agg(ab.room_id ORDER BY ab.block_number), '{}') AS rooms
  FROM booking.availability_blocks ab WHERE ab.tenant_id = c.tenant_id AND ab.teacher_id = c.teacher_id
) bl
WHERE c.tenant_id = @tenant_id AND c.class_id = @class_id;

-- name: BusyIntervals :many
-- What blocks slots in a range: the blocking sessions of the teacher, of
-- the rooms, and of the student (of_person: the teacher's or the student's).
-- Three index range scans by start (starts_at: under row-level security
-- && cannot be an index condition; no session lasts over 8 hours, so one
-- that overlaps the range starts less than 8 hours before it), rather than
-- one scan of the tenant's sessions in the range.
SELECT s.room_id, true AS of_person, lower(s.during)::timestamptz AS start_time, upper(s.during)::timestamptz AS end_time
FROM booking.sessions s
WHERE s.tenant_id = @tenant_id AND s.teacher_id = @teacher_id
  AND s.starts_at >= (@range_start::timestamptz) - interval '8 hours' AND s.starts_at < @range_end::timestamptz
  AND s.during && tstzrange(@range_start::timestamptz, @range_end::timestamptz)
  AND s.state = 'scheduled' AND s.kind <> 'placeholder'
UNION ALL
SELECT s.room_id, false, lower(s.during), upper(s.during)
FROM unnest(@room_ids::uuid[]) AS r (room_id)
JOIN booking.sessions s ON s.tenant_id = @tenant_id AND s.room_id = r.room_id
WHERE s.tenant_id = @tenant_id
  AND s.starts_at >= (@range_start::timestamptz) - interval '8 hours' AND s.starts_at < @range_end::timestamptz
  AND s.during && tstzrange(@range_start::timestamptz, @range_end::timestamptz)
  AND s.state = 'scheduled' AND s.kind <> 'placeholder' AND s.teacher_id <> @teacher_id
UNION ALL
SELECT s.room_id, true, lower(a.during), upper(a.during)
FROM booking.session_attendees a
JOIN booking.sessions s ON s.tenant_id = a.tenant_id AND s.session_id = a.session_id
WHERE a.tenant_id = @tenant_id AND a.student_id = @student_id AND a.blocking
  AND a.starts_at >= (@range_start::timestamptz) - interval '8 hours' AND a.starts_at < @range_end::timestamptz
  AND a.during && tstzrange(@range_start::timestamptz, @range_end::timestamptz);

-- name: BookingContext :one
-- Everything CreateBooking decides on before it writes, in one round trip:
-- whether request_id was used already (replay), whether the caller reaches
-- the student, the class's slot rules (the columns of BookableRules), and
-- what blocks the student's slots of the class from range_start to
-- range_end (BusyIntervals, as parallel arrays, found by start as it
-- finds them) to refuse a visibly taken slot early and offer the nearest
-- free ones, and a second individual session of the class in a week early.
-- It decides no overlap: the exclusion constraints and
-- sessions_student_week_key do. No row: no such class.
SELECT c.class_id, c.term_id, c.display_name, c.teacher_id, c.room_id, c.individual_minutes,
       t.start_date AS term_start, t.end_date AS term_end,
       coalesce((SELECT st.time_zone FROM booking.settings st WHERE st.tenant_id = c.tenant_id), 'UTC')::text AS time_zone,
       coalesce((SELECT st.reschedule_notice_hours FROM booking.settings st WHERE st.tenant_id = c.tenant_id), 24)::integer AS notice_hours,
       EXISTS (SELECT 1 FROM booking.enrolments e
               WHERE e.tenant_id = c.tenant_id AND e.class_id = c.class_id AND e.student_id = @student_id AND e.state = 'enrolled') AS enrolled,
       wk.numbers::integer[] AS week_numbers, wk.mondays::date[] AS week_mondays, wk.individual::boolean[] AS week_individual,
       br.starts::date[] AS break_starts, br.ends::date[] AS break_ends,
       coalesce((SELECT json_agg(json_build_object('open', bw.open_time, 'close', bw.close_time, 'weeks', bw.week_numbers, 'classes', bw.class_ids))
                 FROM booking.booking_windows bw WHERE bw.tenant_id = c.tenant_id AND bw.term_id = c.term_id), '[]')::text AS windows,
       bl.weekdays::integer[] AS block_weekdays, bl.starts::time[] AS block_starts, bl.ends::time[] AS block_ends, bl.rooms::uuid[] AS block_rooms,
       coalesce((SELECT json_agg(json_build_object('date', ae.on_date, 'start', ae.start_time, 'end', ae.end_time))
                 FROM booking.availability_exceptions ae WHERE ae.tenant_id = c.tenant_id AND ae.teacher_id = c.teacher_id), '[]')::text AS exceptions,
       EXISTS (SELECT 1 FROM booking.bookings bk WHERE bk.tenant_id = @tenant_id AND bk.request_id = sqlc.narg(request_id)::uuid) AS replay,
       -- By the parameter, not c.tenant_id: the generic plan then probes the key.
       EXISTS (SELECT 1 FROM booking.students sd
               WHERE sd.tenant_id = @tenant_id AND sd.student_id = @student_id AND sd.family_id = @family_id
                 AND (@viewer_all::boolean OR sd.family_id = sqlc.narg(viewer_family)::uuid OR sd.student_id = sqlc.narg(viewer_student)::uuid)) AS student_visible,
       busy.rooms::uuid[] AS busy_rooms, busy.of_person::boolean[] AS busy_of_person,
       busy.starts::timestamptz[] AS busy_starts, busy.ends::timestamptz[] AS busy_ends,
       busy.class_weeks::integer[] AS busy_class_weeks
FROM booking.classes c
JOIN booking.terms t ON t.tenant_id = c.tenant_id AND t.term_id = c.term_id
-- The weeks as the class is taught, the breaks and the teacher's blocks as
-- parallel arrays, which cost less to build and to read than JSON.
CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(w.week_number ORDER BY w.week_number), '{}') AS numbers,
         coalesce(array_agg(w.monday ORDER BY w.week_number), '{}') AS mondays,
         coalesce(array_agg(coalesce(o.kind, w.kind) = 'individual' ORDER BY w.week_number), '{}') AS individual
  FROM booking.term_weeks w
  LEFT JOIN booking.class_week_overrides o ON o.tenant_id = w.tenant_id AND o.class_id = c.class_id AND o.week_number = w.week_number
  WHERE w.tenant_id = c.tenant_id AND w.term_id = c.term_id
) wk
CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(b.start_date), '{}') AS starts, coalesce(array_agg(b.end_date), '{}') AS ends
  FROM booking.term_breaks b WHERE b.tenant_id = c.tenant_id AND b.term_id = c.term_id
) br
CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(ab.weekday::integer ORDER BY ab.block_number), '{}') AS weekdays,
         coalesce(array_agg(ab.start_time ORDER BY ab.block_number), '{}') AS starts,
         coalesce(array_agg(ab.end_time ORDER BY ab.block_number), '{}') AS ends,
         coalesce(array_agg(ab.room_id ORDER BY ab.block_number), '{}') AS rooms
  FROM booking.availability_blocks ab WHERE ab.tenant_id = c.tenant_id AND ab.teacher_id = c.teacher_id
) bl
CROSS JOIN LATERAL (
  SELECT coalesce(array_agg(x.room_id), '{}') AS rooms, coalesce(array_agg(x.of_person), '{}') AS of_person,
         coalesce(array_agg(x.start_time), '{}') AS starts, coalesce(array_agg(x.end_time), '{}') AS ends,
         coalesce(array_agg(x.class_week), '{}') AS class_weeks
  FROM (
    SELECT s.room_id, true AS of_person, lower(s.during) AS start_time, upper(s.during) AS end_time, 0 AS class_week
    FROM booking.sessions s
    WHERE s.tenant_id = c.tenant_id AND s.teacher_id = c.teacher_id
      AND s.starts_at >= (@range_start::timestamptz) - interval '8 hours' AND s.starts_at < @range_end::timestamptz
      AND s.during && tstzrange(@range_start::timestamptz, @range_end::timestamptz)
      AND s.state = 'scheduled' AND s.kind <> 'placeholder'
    UNION ALL
    SELECT s.room_id, false, lower(s.during), upper(s.during), 0
    FROM (SELECT DISTINCT ab.room_id FROM booking.availability_blocks ab WHERE ab.tenant_id = c.tenant_id AND ab.teacher_id = c.teacher_id) r
    JOIN booking.sessions s ON s.tenant_id = c.tenant_id AND s.room_id = r.room_id
    WHERE s.starts_at >= (@range_start::timestamptz) - interval '8 hours' AND s.starts_at < @range_end::timestamptz
      AND s.during && tstzrange(@range_start::timestamptz, @range_end::timestamptz)
      AND s.state = 'scheduled' AND s.kind <> 'placeholder' AND s.teacher_id <> c.teacher_id
    UNION ALL
    -- class_week: the week of the student's own individual session of the
    -- class (sessions_student_week_key allows one a week), else 0.
    SELECT s.room_id, true, lower(a.during), upper(a.during),
           CASE WHEN s.class_id = c.class_id AND s.kind = 'individual' THEN coalesce(s.week_number, 0) ELSE 0 END
    FROM booking.session_attendees a
    JOIN booking.sessions s ON s.tenant_id = a.tenant_id AND s.session_id = a.session_id
    WHERE a.tenant_id = c.tenant_id AND a.student_id = @student_id AND a.blocking
      AND a.starts_at >= (@range_start::timestamptz) - interval '8 hours' AND a.starts_at < @range_end::timestamptz
      AND a.during && tstzrange(@range_start::timestamptz, @range_end::timestamptz)
  ) x
) busy
WHERE c.tenant_id = @tenant_id AND c.class_id = @class_id;

-- name: CreateBookedSlots :one
-- A booking and its sessions (one, or a series), each with its attendee
-- and 'booked' event, in one statement, so it is atomic without an
-- explicit transaction. An overlap fails it with 23P01 naming the exclusion
-- constraint; a concurrent booking with the same request_id makes it
-- insert nothing (no row). The i-th session takes the i-th element of each
-- array.
WITH l AS (
  -- Writers of the same teacher's or student's sessions take turns (until
  -- this statement's transaction ends; read by the sessions' insert): two that inserted overlapping
  -- exclusion-constraint entries at once would each wait for the other, a
  -- deadlock PostgreSQL breaks only after deadlock_timeout — under a rush, a
  -- second per contested slot.
  SELECT pg_advisory_xact_lock(hashtextextended((@tenant_id::uuid)::text || '/teachers/' || (@teacher_id::uuid)::text, 0)) AS teacher,
         pg_advisory_xact_lock(hashtextextended((@tenant_id::uuid)::text || '/students/' || (@student_id::uuid)::text, 0)) AS student
), b AS (
  INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, makeup_credit_id,
                                booked_by, request_id, request_fingerprint)
  VALUES (@tenant_id, @booking_id, @family_id, @student_id, @class_id, @repeat, sqlc.narg(makeup_credit_id),
          @booked_by, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
  ON CONFLICT (tenant_id, request_id) DO NOTHING
  RETURNING tenant_id, booking_id, create_time
), x AS (
  SELECT (@session_ids::uuid[])[i] AS session_id, (@event_ids::uuid[])[i] AS event_id, (@week_numbers::integer[])[i] AS week_number,
         (@room_ids::uuid[])[i] AS room_id, (@start_times::timestamptz[])[i] AS start_time, (@end_times::timestamptz[])[i] AS end_time
  FROM generate_subscripts(@session_ids::uuid[], 1) AS i
), s AS (
  INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id,
                                during, booking_id)
  SELECT b.tenant_id, x.session_id, @kind, @term_id, @class_id, nullif(x.week_number, 0), @teacher_id, x.room_id,
         tstzrange(x.start_time, x.end_time), b.booking_id
  FROM b CROSS JOIN l CROSS JOIN x -- the turn is taken before the first session row goes in
  RETURNING tenant_id, session_id, during
), a AS (
  INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
  SELECT s.tenant_id, s.session_id, @student_id, s.during, true FROM s
), e AS (
  INSERT INTO booking.session_events (tenant_id, event_id, session_id, action, actor_user_id, new_start_time, student_id)
  SELECT s.tenant_id, x.event_id, s.session_id, 'booked', @booked_by, lower(s.during), @student_id
  FROM s JOIN x ON x.session_id = s.session_id
)
SELECT b.booking_id, b.create_time FROM b;

-- name: CreateBookedSlot :one
-- CreateBookedSlots for one slot, the rush's booking: without the arrays,
-- whose unknown length makes PostgreSQL plan each call afresh (a custom
-- plan always looks cheaper than a generic one over a set-returning
-- function), its generic plan is cached like any other statement's.
WITH l AS (
  -- Writers of the same teacher's or student's sessions take turns (until
  -- this statement's transaction ends; read by the sessions' insert): two that inserted overlapping
  -- exclusion-constraint entries at once would each wait for the other, a
  -- deadlock PostgreSQL breaks only after deadlock_timeout — under a rush, a
  -- second per contested slot.
  SELECT pg_advisory_xact_lock(hashtextextended((@tenant_id::uuid)::text || '/teachers/' || (@teacher_id::uuid)::text, 0)) AS teacher,
         pg_advisory_xact_lock(hashtextextended((@tenant_id::uuid)::text || '/students/' || (@student_id::uuid)::text, 0)) AS student
), b AS (
  INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, makeup_credit_id,
                                booked_by, request_id, request_fingerprint)
  VALUES (@tenant_id, @booking_id, @family_id, @student_id, @class_id, @repeat, sqlc.narg(makeup_credit_id),
          @booked_by, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
  ON CONFLICT (tenant_id, request_id) DO NOTHING
  RETURNING tenant_id, booking_id, create_time
), s AS (
  INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id,
                                during, booking_id)
  SELECT b.tenant_id, @session_id, @kind, @term_id, @class_id, sqlc.narg(week_number), @teacher_id, @room_id,
         tstzrange(@start_time::timestamptz, @end_time::timestamptz), b.booking_id
  FROM b CROSS JOIN l -- the turn is taken before the first session row goes in
  RETURNING tenant_id, session_id, during
), a AS (
  INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
  SELECT s.tenant_id, s.session_id, @student_id, s.during, true FROM s
), e AS (
  INSERT INTO booking.session_events (tenant_id, event_id, session_id, action, actor_user_id, new_start_time, student_id)
  SELECT s.tenant_id, @event_id, s.session_id, 'booked', @booked_by, lower(s.during), @student_id FROM s
)
SELECT b.booking_id, b.create_time FROM b;

-- name: BookingCreatedBy :one
SELECT * FROM booking.bookings WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetBookingVisible :one
SELECT * FROM booking.bookings
WHERE tenant_id = @tenant_id AND booking_id = @booking_id
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family)::uuid OR student_id = sqlc.narg(viewer_student)::uuid);

-- name: ListBookingsVisible :many
-- Newest first: keyset on booking_id (UUIDv7, time-ordered) descending;
-- after_id nil is the first page.
SELECT * FROM booking.bookings
WHERE tenant_id = @tenant_id
  AND (@after_id::uuid = '00000000-0000-0000-0000-000000000000'::uuid OR booking_id < @after_id::uuid)
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family)::uuid OR student_id = sqlc.narg(viewer_student)::uuid)
  AND (sqlc.narg(student_id)::uuid IS NULL OR student_id = sqlc.narg(student_id)::uuid)
ORDER BY booking_id DESC
LIMIT @page_limit;

-- name: SessionsOfBookings :many
SELECT booking_id, session_id FROM booking.sessions
WHERE tenant_id = @tenant_id AND booking_id = ANY (@booking_ids::uuid[])
ORDER BY lower(during), session_id;
