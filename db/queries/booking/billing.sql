-- Billing: what steward-invoicing bills a term for. The weeks are not here:
-- the server counts them from the term's pattern as the sessions are
-- materialised (classSlots), so a bill and the calendar agree.

-- name: ListBillableEnrolments :many
-- The enrolled students of a term's classes (not the waitlisted, not the
-- withdrawn), with the names a line prints and the class's weekday, as far
-- as the viewer reaches: with viewer_all every one of the tenant (ADMIN,
-- TEACHER, a service principal's billing run), else only viewer_family's
-- (a PARENT's) or viewer_student's (a STUDENT's own). Keyset on (family_id,
-- enrolment_id): a family's enrolments come together.
SELECT e.enrolment_id, e.class_id, e.student_id, st.family_id, f.display_name AS family_display_name,
  st.given_name, c.display_name AS class_display_name, c.weekday, c.instrument_id,
  i.display_name AS instrument_display_name
FROM booking.classes c
JOIN booking.enrolments e ON e.tenant_id = c.tenant_id AND e.class_id = c.class_id
JOIN booking.students st ON st.tenant_id = e.tenant_id AND st.student_id = e.student_id
JOIN booking.families f ON f.tenant_id = st.tenant_id AND f.family_id = st.family_id
JOIN booking.instruments i ON i.tenant_id = c.tenant_id AND i.instrument_id = c.instrument_id
WHERE c.tenant_id = @tenant_id AND c.term_id = @term_id AND e.state = 'enrolled'
  AND (sqlc.narg(family_id)::uuid IS NULL OR st.family_id = sqlc.narg(family_id)::uuid)
  AND (@viewer_all::boolean OR st.family_id = sqlc.narg(viewer_family) OR e.student_id = sqlc.narg(viewer_student))
  AND (st.family_id, e.enrolment_id) > (@after_family::uuid, @after_enrolment::uuid)
ORDER BY st.family_id, e.enrolment_id
LIMIT @page_limit;
