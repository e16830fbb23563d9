-- The reads CreateBooking and ListFreeSlots decide on, and the booking
-- rows. None of the reads decides an overlap: the exclusion constraints do.

-- name: StudentToBook :one
-- The student a booking is for, when the caller may reach them: NOT_FOUND
-- (no row) for another family's, as for another tenant's.
SELECT student_id, family_id, given_name, family_name FROM booking.students
WHERE tenant_id = @tenant_id AND student_id = @student_id AND family_id = @family_id
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family)::uuid OR student_id = sqlc.narg(viewer_student)::uuid);

-- name: BookableClass :one
-- A class with its term's dates.
SELECT c.class_id, c.term_id, c.display_name, c.teacher_id, c.room_id, c.individual_minutes,
       t.start_date AS term_start, t.end_date AS term_end
FROM booking.classes c
JOIN booking.terms t ON t.tenant_id = c.tenant_id AND t.term_id = c.term_id
WHERE c.tenant_id = @tenant_id AND c.class_id = @class_id;

-- name: StudentEnrolled :one
SELECT EXISTS (SELECT 1 FROM booking.enrolments
               WHERE tenant_id = @tenant_id AND class_id = @class_id AND student_id = @student_id AND state = 'enrolled');

-- name: BookableWeeks :many
-- The term's teaching weeks as the class is taught in them.
SELECT w.week_number, w.monday, coalesce(o.kind, w.kind)::text AS kind
FROM booking.term_weeks w
LEFT JOIN booking.class_week_overrides o
  ON o.tenant_id = w.tenant_id AND o.class_id = @class_id AND o.week_number = w.week_number
WHERE w.tenant_id = @tenant_id AND w.term_id = @term_id
ORDER BY w.week_number;

-- name: BookableBreaks :many
SELECT start_date, end_date FROM booking.term_breaks WHERE tenant_id = @tenant_id AND term_id = @term_id;

-- name: BookableWindows :many
SELECT open_time, close_time, week_numbers, class_ids FROM booking.booking_windows
WHERE tenant_id = @tenant_id AND term_id = @term_id;

-- name: BookableBlocks :many
SELECT weekday, start_time, end_time, room_id FROM booking.availability_blocks
WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id
ORDER BY block_number;

-- name: BookableExceptions :many
SELECT on_date, start_time, end_time FROM booking.availability_exceptions
WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id AND on_date BETWEEN @from_date AND @to_date;

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
