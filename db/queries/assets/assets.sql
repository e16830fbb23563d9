-- name: UnscopedListCategories :many
SELECT * FROM assets.categories WHERE category_id > @after_id ORDER BY category_id LIMIT @page_limit;

-- name: CreateAsset :one
INSERT INTO assets.assets (
  tenant_id, home_id, asset_id, display_name, category_id, make, model, serial_number,
  install_date, purchase_date, purchase_cost_minor, purchase_cost_currency,
  expected_lifespan_months, warranty_expiry_date, location_id, status, attributes, request_id, request_fingerprint
) VALUES (
  @tenant_id, @home_id, @asset_id, @display_name, @category_id, @make, @model, @serial_number,
  @install_date, @purchase_date, @purchase_cost_minor, @purchase_cost_currency,
  @expected_lifespan_months, @warranty_expiry_date, sqlc.narg(location_id), @status, @attributes, sqlc.narg(request_id), sqlc.narg(request_fingerprint)
)
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: GetAssetByRequestID :one
SELECT * FROM assets.assets WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetAsset :one
SELECT * FROM assets.assets WHERE tenant_id = @tenant_id AND home_id = @home_id AND asset_id = @asset_id;

-- name: AssetExists :one
-- Tells an empty list of an asset's children from a list of a missing asset,
-- or an asset of another home.
SELECT EXISTS (SELECT 1 FROM assets.assets WHERE tenant_id = @tenant_id AND home_id = @home_id AND asset_id = @asset_id);

-- name: GetAssetForUpdate :one
SELECT * FROM assets.assets
WHERE tenant_id = @tenant_id AND home_id = @home_id AND asset_id = @asset_id
FOR UPDATE;

-- name: ListAssets :many
-- Keyset pagination on asset_id; every filter is optional (NULL = no filter).
SELECT * FROM assets.assets
WHERE tenant_id = @tenant_id
  AND asset_id > @after_id
  AND (sqlc.narg(home_id)::uuid IS NULL OR home_id = sqlc.narg(home_id))
  AND (sqlc.narg(category_id)::text IS NULL OR category_id = sqlc.narg(category_id))
  AND (sqlc.narg(category_id_not)::text IS NULL OR category_id <> sqlc.narg(category_id_not))
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status))
  AND (sqlc.narg(status_not)::text IS NULL OR status <> sqlc.narg(status_not))
  AND (sqlc.narg(location_id)::uuid IS NULL OR location_id = sqlc.narg(location_id))
  AND (sqlc.narg(location_id_not)::uuid IS NULL OR location_id IS DISTINCT FROM sqlc.narg(location_id_not))
  AND (sqlc.narg(make)::text IS NULL OR make = sqlc.narg(make))
  AND (sqlc.narg(warranty_lt)::date IS NULL OR warranty_expiry_date < sqlc.narg(warranty_lt))
  AND (sqlc.narg(warranty_lte)::date IS NULL OR warranty_expiry_date <= sqlc.narg(warranty_lte))
  AND (sqlc.narg(warranty_gt)::date IS NULL OR warranty_expiry_date > sqlc.narg(warranty_gt))
  AND (sqlc.narg(warranty_gte)::date IS NULL OR warranty_expiry_date >= sqlc.narg(warranty_gte))
ORDER BY asset_id
LIMIT @page_limit;

-- name: UpdateAsset :one
UPDATE assets.assets
SET display_name = @display_name, category_id = @category_id, make = @make, model = @model,
    serial_number = @serial_number, install_date = @install_date, purchase_date = @purchase_date,
    purchase_cost_minor = @purchase_cost_minor, purchase_cost_currency = @purchase_cost_currency,
    expected_lifespan_months = @expected_lifespan_months, warranty_expiry_date = @warranty_expiry_date,
    location_id = sqlc.narg(location_id), status = @status, attributes = @attributes,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND asset_id = @asset_id
RETURNING *;

-- name: DeleteAsset :exec
DELETE FROM assets.assets WHERE tenant_id = @tenant_id AND asset_id = @asset_id;
