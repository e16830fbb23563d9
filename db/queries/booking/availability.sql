-- name: GetAvailabilityRow :one
-- No row yet: no availability, at revision 1 (CreateOrLockAvailability writes it so).
SELECT * FROM booking.availability WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id;

-- name: CreateOrLockAvailability :one
-- The availability an update replaces, locked; the first update writes the
-- row at revision 1, as a read before it said.
INSERT INTO booking.availability (tenant_id, teacher_id) VALUES (@tenant_id, @teacher_id)
ON CONFLICT (tenant_id, teacher_id) DO UPDATE SET revision = availability.revision
RETURNING *;

-- name: TouchAvailability :one
UPDATE booking.availability SET revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id
RETURNING *;

-- name: AvailabilityBlocksOf :many
SELECT * FROM booking.availability_blocks WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id ORDER BY block_number;

-- name: AvailabilityExceptionsOf :many
SELECT * FROM booking.availability_exceptions WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id ORDER BY exception_number;

-- name: ClearAvailabilityBlocks :exec
DELETE FROM booking.availability_blocks WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id;

-- name: ClearAvailabilityExceptions :exec
DELETE FROM booking.availability_exceptions WHERE tenant_id = @tenant_id AND teacher_id = @teacher_id;

-- name: CreateAvailabilityBlock :exec
INSERT INTO booking.availability_blocks (tenant_id, teacher_id, block_number, weekday, start_time, end_time, room_id)
VALUES (@tenant_id, @teacher_id, @block_number, @weekday, @start_time, @end_time, @room_id);

-- name: CreateAvailabilityException :exec
INSERT INTO booking.availability_exceptions (tenant_id, teacher_id, exception_number, on_date, start_time, end_time, note)
VALUES (@tenant_id, @teacher_id, @exception_number, @on_date, sqlc.narg(start_time), sqlc.narg(end_time), @note);
