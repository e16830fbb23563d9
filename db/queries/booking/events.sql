-- name: CreateSessionEvent :exec
INSERT INTO booking.session_events (tenant_id, event_id, session_id, action, actor_user_id, reason, notice_overridden,
                                    previous_start_time, new_start_time, student_id, attendance, create_time)
VALUES (@tenant_id, @event_id, @session_id, @action, @actor_user_id, @reason, @notice_overridden,
        sqlc.narg(previous_start_time), sqlc.narg(new_start_time), sqlc.narg(student_id), sqlc.narg(attendance), @create_time);

-- name: ListSessionEventsPage :many
-- Oldest first: keyset on event_id (UUIDv7, time-ordered); every
-- session's with all_sessions.
SELECT e.*, st.family_id AS student_family_id
FROM booking.session_events e
LEFT JOIN booking.students st ON st.tenant_id = e.tenant_id AND st.student_id = e.student_id
WHERE e.tenant_id = @tenant_id AND (@all_sessions::boolean OR e.session_id = @session_id) AND e.event_id > @after_id
ORDER BY e.event_id
LIMIT @page_limit;

-- name: SessionExists :one
SELECT EXISTS (SELECT 1 FROM booking.sessions WHERE tenant_id = @tenant_id AND session_id = @session_id);
