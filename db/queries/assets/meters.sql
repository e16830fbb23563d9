-- name: CreateMeterReading :one
INSERT INTO assets.meter_readings (tenant_id, asset_id, reading_id, meter, unit, value, read_time, reset, note, request_id)
VALUES (@tenant_id, @asset_id, @reading_id, @meter, @unit, @value, @read_time, @reset, @note, sqlc.narg(request_id))
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
-- Newest first, keyset on (read_time, reading_id).
SELECT * FROM assets.meter_readings
WHERE tenant_id = @tenant_id AND asset_id = @asset_id
  AND (sqlc.narg(meter)::text IS NULL OR meter = sqlc.narg(meter))
  AND (read_time, reading_id) < (@before_time::timestamptz, @before_id::uuid)
ORDER BY read_time DESC, reading_id DESC
LIMIT @page_limit;
