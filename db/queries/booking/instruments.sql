-- name: GetInstrument :one
SELECT * FROM booking.instruments WHERE tenant_id = @tenant_id AND instrument_id = @instrument_id;

-- name: ListInstruments :many
-- Keyset pagination on instrument_id; kind is optional (NULL = any).
SELECT * FROM booking.instruments
WHERE tenant_id = @tenant_id AND instrument_id > @after_id
  AND (sqlc.narg(kind)::text IS NULL OR kind = sqlc.narg(kind))
  AND (sqlc.narg(kind_not)::text IS NULL OR kind <> sqlc.narg(kind_not))
ORDER BY instrument_id
LIMIT @page_limit;

-- name: CreateInstrument :one
INSERT INTO booking.instruments (tenant_id, instrument_id, display_name, kind, request_id, request_fingerprint)
VALUES (@tenant_id, @instrument_id, @display_name, @kind, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: InstrumentCreatedBy :one
SELECT * FROM booking.instruments WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: DeleteInstrument :exec
DELETE FROM booking.instruments WHERE tenant_id = @tenant_id AND instrument_id = @instrument_id;

-- name: LockInstrument :one
SELECT * FROM booking.instruments WHERE tenant_id = @tenant_id AND instrument_id = @instrument_id FOR UPDATE;

-- name: UpdateInstrument :one
UPDATE booking.instruments
SET display_name = @display_name, kind = @kind, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND instrument_id = @instrument_id
RETURNING *;


-- name: ShareInstruments :one
-- How many of ids are instruments of the tenant, each locked against a
-- concurrent delete until the transaction ends.
SELECT count(*) FROM (
  SELECT 1 FROM booking.instruments WHERE tenant_id = @tenant_id AND instrument_id = ANY (@ids::uuid[]) FOR SHARE
) AS held;

-- name: InstrumentInUse :one
-- Whether a teacher, a student or a class still has the instrument (a class
-- created meanwhile is caught by classes_instrument_fkey, INSTRUMENT_IN_USE).
SELECT (EXISTS (SELECT 1 FROM booking.teachers t WHERE t.tenant_id = @tenant_id AND @instrument_id::uuid = ANY (t.instrument_ids))
     OR EXISTS (SELECT 1 FROM booking.students s WHERE s.tenant_id = @tenant_id AND @instrument_id::uuid = ANY (s.instrument_ids))
     OR EXISTS (SELECT 1 FROM booking.classes c WHERE c.tenant_id = @tenant_id AND c.instrument_id = @instrument_id::uuid))::boolean AS in_use;
