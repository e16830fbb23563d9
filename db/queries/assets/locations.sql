-- name: CreateLocation :one
INSERT INTO assets.locations (tenant_id, home_id, location_id, display_name, kind, floor, request_id, request_fingerprint)
VALUES (@tenant_id, @home_id, @location_id, @display_name, @kind, @floor, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: GetLocationByRequestID :one
SELECT * FROM assets.locations WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetLocation :one
SELECT * FROM assets.locations WHERE tenant_id = @tenant_id AND home_id = @home_id AND location_id = @location_id;

-- name: GetLocationForUpdate :one
SELECT * FROM assets.locations
WHERE tenant_id = @tenant_id AND home_id = @home_id AND location_id = @location_id
FOR UPDATE;

-- name: ListLocations :many
SELECT * FROM assets.locations
WHERE tenant_id = @tenant_id AND home_id = @home_id AND location_id > @after_id
ORDER BY location_id
LIMIT @page_limit;

-- name: UpdateLocation :one
UPDATE assets.locations
SET display_name = @display_name, kind = @kind, floor = @floor,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND location_id = @location_id
RETURNING *;

-- name: DeleteLocation :exec
DELETE FROM assets.locations WHERE tenant_id = @tenant_id AND location_id = @location_id;
