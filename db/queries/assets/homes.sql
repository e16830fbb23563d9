-- name: CreateHome :one
-- A retry with the same request_id inserts nothing (and returns no row).
INSERT INTO assets.homes (tenant_id, home_id, display_name, address, time_zone, request_id, request_fingerprint)
VALUES (@tenant_id, @home_id, @display_name, @address, @time_zone, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: GetHomeByRequestID :one
SELECT * FROM assets.homes WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetHome :one
SELECT * FROM assets.homes WHERE tenant_id = @tenant_id AND home_id = @home_id;

-- name: GetHomeForUpdate :one
SELECT * FROM assets.homes WHERE tenant_id = @tenant_id AND home_id = @home_id FOR UPDATE;

-- name: ListHomes :many
SELECT * FROM assets.homes
WHERE tenant_id = @tenant_id AND home_id > @after_id
ORDER BY home_id
LIMIT @page_limit;

-- name: UpdateHome :one
UPDATE assets.homes
SET display_name = @display_name, address = @address, time_zone = @time_zone,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND home_id = @home_id
RETURNING *;

-- name: DeleteHome :exec
DELETE FROM assets.homes WHERE tenant_id = @tenant_id AND home_id = @home_id;

-- name: HomeExists :one
-- Tells an empty list of a home's children from a list of a missing home.
SELECT EXISTS (SELECT 1 FROM assets.homes WHERE tenant_id = @tenant_id AND home_id = @home_id);
