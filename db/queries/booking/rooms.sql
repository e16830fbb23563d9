-- name: GetRoom :one
SELECT * FROM booking.rooms WHERE tenant_id = @tenant_id AND room_id = @room_id;

-- name: ListRooms :many
-- Keyset pagination on room_id; min_capacity is optional (NULL = any).
SELECT * FROM booking.rooms
WHERE tenant_id = @tenant_id AND room_id > @after_id
  AND capacity >= coalesce(sqlc.narg(min_capacity)::integer, 0)
ORDER BY room_id
LIMIT @page_limit;

-- name: CreateRoom :one
-- A concurrent create with the same request_id inserts nothing (no row).
INSERT INTO booking.rooms (tenant_id, room_id, display_name, capacity, request_id, request_fingerprint)
VALUES (@tenant_id, @room_id, @display_name, @capacity, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: RoomCreatedBy :one
SELECT * FROM booking.rooms WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: DeleteRoom :exec
DELETE FROM booking.rooms WHERE tenant_id = @tenant_id AND room_id = @room_id;

-- name: LockRoom :one
SELECT * FROM booking.rooms WHERE tenant_id = @tenant_id AND room_id = @room_id FOR UPDATE;

-- name: UpdateRoom :one
UPDATE booking.rooms
SET display_name = @display_name, capacity = @capacity, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND room_id = @room_id
RETURNING *;
