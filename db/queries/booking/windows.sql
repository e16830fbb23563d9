-- name: GetBookingWindow :one
SELECT * FROM booking.booking_windows WHERE tenant_id = @tenant_id AND window_id = @window_id;

-- name: LockBookingWindow :one
SELECT * FROM booking.booking_windows WHERE tenant_id = @tenant_id AND window_id = @window_id FOR UPDATE;

-- name: BookingWindowCreatedBy :one
SELECT * FROM booking.booking_windows WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: CreateBookingWindow :one
-- A concurrent create with the same request_id inserts nothing (no row).
INSERT INTO booking.booking_windows (tenant_id, window_id, term_id, week_numbers, class_ids, open_time, close_time,
                                     request_id, request_fingerprint)
VALUES (@tenant_id, @window_id, @term_id, @week_numbers, @class_ids, @open_time, @close_time,
        sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: UpdateBookingWindow :one
UPDATE booking.booking_windows
SET week_numbers = @week_numbers, class_ids = @class_ids, open_time = @open_time, close_time = @close_time,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND window_id = @window_id
RETURNING *;

-- name: DeleteBookingWindow :exec
DELETE FROM booking.booking_windows WHERE tenant_id = @tenant_id AND window_id = @window_id;

-- name: ListBookingWindows :many
-- Keyset pagination on window_id; term is optional (NULL = any).
SELECT * FROM booking.booking_windows
WHERE tenant_id = @tenant_id AND window_id > @after_id
  AND (sqlc.narg(term_id)::uuid IS NULL OR term_id = sqlc.narg(term_id)::uuid)
ORDER BY window_id
LIMIT @page_limit;

-- name: WindowTermExists :one
SELECT EXISTS (SELECT 1 FROM booking.terms WHERE tenant_id = @tenant_id AND term_id = @term_id);

-- name: WindowTermWeeks :many
SELECT week_number FROM booking.term_weeks WHERE tenant_id = @tenant_id AND term_id = @term_id;

-- name: WindowTermClasses :many
SELECT class_id FROM booking.classes WHERE tenant_id = @tenant_id AND term_id = @term_id;
