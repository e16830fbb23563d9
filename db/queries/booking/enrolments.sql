-- Who sees an enrolment: with viewer_all (ADMIN, TEACHER) every one of the
-- tenant; otherwise only those of viewer_family's students (a PARENT's) or
-- of viewer_student (a STUDENT's own). A waitlisted enrolment's position
-- counts the waitlisted rows queued up to it.

-- name: GetEnrolment :one
SELECT sqlc.embed(e), st.family_id,
  (CASE WHEN e.state = 'waitlisted' THEN
     (SELECT count(*) FROM booking.enrolments w
      WHERE w.tenant_id = e.tenant_id AND w.class_id = e.class_id AND w.state = 'waitlisted' AND w.queued <= e.queued)
   ELSE 0 END)::integer AS waitlist_position
FROM booking.enrolments e
JOIN booking.students st ON st.tenant_id = e.tenant_id AND st.student_id = e.student_id
WHERE e.tenant_id = @tenant_id AND e.class_id = @class_id AND e.enrolment_id = @enrolment_id
  AND (@viewer_all::boolean OR st.family_id = sqlc.narg(viewer_family) OR e.student_id = sqlc.narg(viewer_student));

-- name: ListEnrolments :many
-- Enrolled first, then the waitlist in order, then the withdrawn; keyset on
-- (state_rank, queued).
SELECT sqlc.embed(e), st.family_id,
  (CASE WHEN e.state = 'waitlisted' THEN
     (SELECT count(*) FROM booking.enrolments w
      WHERE w.tenant_id = e.tenant_id AND w.class_id = e.class_id AND w.state = 'waitlisted' AND w.queued <= e.queued)
   ELSE 0 END)::integer AS waitlist_position,
  (CASE e.state WHEN 'enrolled' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END)::integer AS state_rank
FROM booking.enrolments e
JOIN booking.students st ON st.tenant_id = e.tenant_id AND st.student_id = e.student_id
WHERE e.tenant_id = @tenant_id
  AND (@any_class::boolean OR e.class_id = @class_id)
  AND (sqlc.narg(state)::text IS NULL OR e.state = sqlc.narg(state)::text)
  AND (sqlc.narg(student_id)::uuid IS NULL OR e.student_id = sqlc.narg(student_id)::uuid)
  AND (@viewer_all::boolean OR st.family_id = sqlc.narg(viewer_family) OR e.student_id = sqlc.narg(viewer_student))
  AND ((CASE e.state WHEN 'enrolled' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END), e.queued) > (@after_rank::integer, @after_queued::bigint)
ORDER BY state_rank, e.queued
LIMIT @page_limit;

-- name: InsertEnrolment :one
INSERT INTO booking.enrolments (tenant_id, enrolment_id, class_id, student_id, state, request_id, request_fingerprint)
VALUES (@tenant_id, @enrolment_id, @class_id, @student_id, @state, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: EnrolmentCreatedBy :one
SELECT * FROM booking.enrolments WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: LockEnrolment :one
SELECT * FROM booking.enrolments
WHERE tenant_id = @tenant_id AND class_id = @class_id AND enrolment_id = @enrolment_id
FOR UPDATE;

-- name: SetEnrolmentState :one
UPDATE booking.enrolments SET state = @state, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND enrolment_id = @enrolment_id
RETURNING *;

-- name: ClassWaitlist :many
-- The class's waitlist in the order it is promoted.
SELECT * FROM booking.enrolments
WHERE tenant_id = @tenant_id AND class_id = @class_id AND state = 'waitlisted'
ORDER BY queued;

-- name: StudentInFamily :one
SELECT EXISTS (SELECT 1 FROM booking.students WHERE tenant_id = @tenant_id AND family_id = @family_id AND student_id = @student_id);

-- name: ClassExists :one
SELECT EXISTS (SELECT 1 FROM booking.classes WHERE tenant_id = @tenant_id AND class_id = @class_id);

-- name: CancelWithdrawnIndividualSessions :many
-- A withdrawn student's individual sessions of the class that have not
-- started: cancelled, so the teacher's slots are free for the students still
-- in the class (the trigger unblocks the student's own range).
UPDATE booking.sessions s
SET state = 'cancelled', sequence = s.sequence + 1, cancel_reason = @cancel_reason, revision = s.revision + 1, update_time = now()
FROM booking.bookings b
WHERE s.tenant_id = @tenant_id AND s.class_id = @class_id AND s.kind = 'individual' AND s.state = 'scheduled'
  AND lower(s.during) > now()
  AND b.tenant_id = s.tenant_id AND b.booking_id = s.booking_id AND b.student_id = @student_id
RETURNING s.session_id;
