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
-- row), whether the student is enrolled, and as JSON the weeks as the class
-- is taught, the breaks, the windows, the teacher's blocks and exceptions.
SELECT c.class_id, c.term_id, c.display_name, c.teacher_id, c.room_id, c.individual_minutes,
       t.start_date AS term_start, t.end_date AS term_end,
       coalesce((SELECT st.time_zone FROM booking.settings st WHERE st.tenant_id = c.tenant_id), 'UTC')::text AS time_zone,
       coalesce((SELECT st.reschedule_notice_hours FROM booking.settings st WHERE st.tenant_id = c.tenant_id), 24)::integer AS notice_hours,
       EXISTS (SELECT 1 FROM booking.enrolments e
               WHERE e.tenant_id = c.tenant_id AND e.class_id = c.class_id AND e.student_id = @student_id AND e.state = 'enrolled') AS enrolled,
       coalesce((SELECT json_agg(json_build_object('n', w.week_number, 'monday', w.monday, 'kind', coalesce(o.kind, w.kind)) ORDER BY w.week_number)
                 FROM booking.term_weeks w
                 LEFT JOIN booking.class_week_overrides o
                   ON o.tenant_id = w.tenant_id AND o.class_id = c.class_id AND o.week_number = w.week_number
                 WHERE w.tenant_id = c.tenant_id AND w.term_id = c.term_id), '[]')::text AS weeks,
       coalesce((SELECT json_agg(json_build_object('start', b.start_date, 'end', b.end_date))
                 FROM booking.term_breaks b WHERE b.tenant_id = c.tenant_id AND b.term_id = c.term_id), '[]')::text AS breaks,
       coalesce((SELECT json_agg(json_build_object('open', bw.open_time, 'close', bw.close_time, 'weeks', bw.week_numbers, 'classes', bw.class_ids))
                 FROM booking.booking_windows bw WHERE bw.tenant_id = c.tenant_id AND bw.term_id = c.term_id), '[]')::text AS windows,
       coalesce((SELECT json_agg(json_build_object('weekday', ab.weekday, 'start', ab.start_time, 'end', ab.end_time, 'room', ab.room_id) ORDER BY ab.block_number)
                 FROM booking.availability_blocks ab WHERE ab.tenant_id = c.tenant_id AND ab.teacher_id = c.teacher_id), '[]')::text AS blocks,
       coalesce((SELECT json_agg(json_build_object('date', ae.on_date, 'start', ae.start_time, 'end', ae.end_time))
                 FROM booking.availability_exceptions ae WHERE ae.tenant_id = c.tenant_id AND ae.teacher_id = c.teacher_id), '[]')::text AS exceptions
FROM booking.classes c
JOIN booking.terms t ON t.tenant_id = c.tenant_id AND t.term_id = c.term_id
WHERE c.tenant_id = @tenant_id AND c.class_id = @class_id;

-- name: BusyIntervals :many
-- What blocks slots in a range: the blocking sessions of the teacher, of
-- the rooms, and of the student (of_person: the teacher's or the student's).
SELECT s.room_id, (s.teacher_id = @teacher_id OR a.student_id IS NOT NULL)::boolean AS of_person,
       lower(s.during)::timestamptz AS start_time, upper(s.during)::timestamptz AS end_time
FROM booking.sessions s
LEFT JOIN booking.session_attendees a
  ON a.tenant_id = s.tenant_id AND a.session_id = s.session_id AND a.student_id = @student_id AND a.blocking
WHERE s.tenant_id = @tenant_id AND s.during && tstzrange(@range_start::timestamptz, @range_end::timestamptz)
  AND s.state = 'scheduled' AND s.kind <> 'placeholder'
  AND (s.teacher_id = @teacher_id OR s.room_id = ANY (@room_ids::uuid[]) OR a.student_id IS NOT NULL);

-- name: CreateBookingRow :one
-- A concurrent booking with the same request_id inserts nothing (no row).
INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, makeup_credit_id,
                              booked_by, request_id, request_fingerprint)
VALUES (@tenant_id, @booking_id, @family_id, @student_id, @class_id, @repeat, sqlc.narg(makeup_credit_id),
        @booked_by, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: BookingCreatedBy :one
SELECT * FROM booking.bookings WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: CreateBookedSession :one
-- One individual or make-up session with its attendee and its 'booked'
-- event, in one statement; 23P01 names the exclusion constraint it hit.
WITH s AS (
  INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id,
                                during, booking_id)
  VALUES (@tenant_id, @session_id, @kind, @term_id, @class_id, sqlc.narg(week_number), @teacher_id, @room_id,
          tstzrange(@start_time::timestamptz, @end_time::timestamptz), @booking_id)
  RETURNING *
), a AS (
  INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
  SELECT s.tenant_id, s.session_id, @student_id, s.during, true FROM s
), e AS (
  INSERT INTO booking.session_events (tenant_id, event_id, session_id, action, actor_user_id, new_start_time, student_id)
  SELECT s.tenant_id, @event_id, s.session_id, 'booked', @actor_user_id, lower(s.during), @student_id FROM s
)
SELECT s.session_id FROM s;

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
