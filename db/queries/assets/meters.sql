-- name: CreateMeterReading :one
INSERT INTO assets.meter_readings (tenant_id, asset_id, reading_id, meter, unit, value, read_time, reset, note, request_id, request_fingerprint)
VALUES (@tenant_id, @asset_id, @reading_id, @meter, @unit, @value, @read_time, @reset, @note, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: GetMeterReadingByRequestID :one
SELECT * FROM assets.meter_readings WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: PreviousMeterReading :one
-- The reading at or before read_time that a new reading must not go below.
SELECT * FROM assets.meter_readings
WHERE tenant_id = @tenant_id AND asset_id = @asset_id AND meter = @meter AND read_time <= @read_time
ORDER BY read_time DESC, reading_id DESC
LIMIT 1;

-- name: NextMeterReading :one
SELECT * FROM assets.meter_readings
WHERE tenant_id = @tenant_id AND asset_id = @asset_id AND meter = @meter AND read_time > @read_time
ORDER BY read_time, reading_id
LIMIT 1;

-- name: ListMeterReadings :many
-- Newest first, keyset on (read_time, reading_id). Empty unless the asset is
-- in the named home; AssetExists tells why a page is empty.
SELECT r.* FROM assets.meter_readings r
WHERE r.tenant_id = @tenant_id AND r.asset_id = @asset_id
  AND (sqlc.narg(meter)::text IS NULL OR r.meter = sqlc.narg(meter))
  AND (r.read_time, r.reading_id) < (@before_time::timestamptz, @before_id::uuid)
  AND EXISTS (SELECT 1 FROM assets.assets a WHERE a.tenant_id = @tenant_id AND a.home_id = @home_id AND a.asset_id = @asset_id)
ORDER BY r.read_time DESC, r.reading_id DESC
LIMIT @page_limit;
