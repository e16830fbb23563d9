-- The change feed (ListAssetChanges). A page is the change rows after a
-- position, then the rows they name as they are now; a row missing by then
-- was deleted, and its deletion is a later change.

-- name: ListChanges :many
SELECT * FROM assets.changes
WHERE tenant_id = @tenant_id AND seq > @after_seq
ORDER BY seq
LIMIT @page_limit;

-- name: ListHomesByID :many
SELECT * FROM assets.homes WHERE tenant_id = @tenant_id AND home_id = ANY(@home_ids::uuid[]);

-- name: ListAssetsByID :many
SELECT * FROM assets.assets WHERE tenant_id = @tenant_id AND asset_id = ANY(@asset_ids::uuid[]);

-- name: ListMeterReadingsByID :many
SELECT * FROM assets.meter_readings WHERE tenant_id = @tenant_id AND reading_id = ANY(@reading_ids::uuid[]);
