-- The sync of Maintenance's facts from Assets' change feed
-- (services/maintenance/internal/sync): one tenant transaction per page of
-- changes, which also moves the tenant's cursor.

-- name: InsertFeedCursor :one
-- The row LockFeedCursor locks, for a tenant's first sync: a row when this
-- is it, which makes the tenant one whose facts the sync job keeps current;
-- none when the tenant had synced before.
INSERT INTO maintenance.feed_cursors (tenant_id, source) VALUES ($1, $2)
ON CONFLICT (tenant_id, source) DO NOTHING
RETURNING *;

-- name: LockFeedCursor :one
-- Two syncs of one tenant apply a page one after the other; the second sees
-- the cursor moved and reads again from there.
SELECT cursor FROM maintenance.feed_cursors WHERE tenant_id = $1 AND source = $2 FOR UPDATE;

-- name: MarkHomeFactDeleted :exec
UPDATE maintenance.home_facts SET deleted = true, sync_time = now() WHERE tenant_id = $1 AND home_id = $2;

-- name: InsertAssetFact :one
-- The new fact when the asset is new to Maintenance (its templates are then
-- applied); no row when it was known (UpdateAssetFact then).
INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id, install_date, purchase_date,
  purchase_cost_minor, purchase_cost_currency, expected_lifespan_months, warranty_expiry_date, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (tenant_id, asset_id) DO NOTHING
RETURNING *;

-- name: UpdateAssetFact :exec
UPDATE maintenance.asset_facts
SET display_name = @display_name, category_id = @category_id, install_date = @install_date, purchase_date = @purchase_date,
    purchase_cost_minor = @purchase_cost_minor, purchase_cost_currency = @purchase_cost_currency,
    expected_lifespan_months = @expected_lifespan_months, warranty_expiry_date = @warranty_expiry_date, status = @status,
    deleted = false, sync_time = now()
WHERE tenant_id = @tenant_id AND asset_id = @asset_id;

-- name: MarkAssetFactDeleted :exec
UPDATE maintenance.asset_facts SET deleted = true, sync_time = now() WHERE tenant_id = $1 AND asset_id = $2;

-- name: InsertReadingFact :exec
-- Readings never change: a page read twice inserts each once.
INSERT INTO maintenance.reading_facts (tenant_id, asset_id, reading_id, meter, unit, value, read_time, reset)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (tenant_id, reading_id) DO NOTHING;

-- name: RetireAssetPlans :execrows
-- An asset retired or deleted in Assets takes its plans with it.
UPDATE maintenance.plans SET state = 'retired', revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND asset_id = @asset_id AND state <> 'retired';
