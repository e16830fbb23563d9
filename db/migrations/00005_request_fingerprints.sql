-- Throwaway (stream A): the lead folds request_fingerprint into the per-service
-- migrations at merge. The fingerprint is sha256 of the create request with
-- request_id cleared, so a reused request_id with another request is told
-- apart from a retry.
-- +goose Up
ALTER TABLE assets.homes ADD COLUMN request_fingerprint bytea;
ALTER TABLE assets.locations ADD COLUMN request_fingerprint bytea;
ALTER TABLE assets.assets ADD COLUMN request_fingerprint bytea;
ALTER TABLE assets.meter_readings ADD COLUMN request_fingerprint bytea;
ALTER TABLE assets.attachments ADD COLUMN request_fingerprint bytea;

-- +goose Down
ALTER TABLE assets.attachments DROP COLUMN request_fingerprint;
ALTER TABLE assets.meter_readings DROP COLUMN request_fingerprint;
ALTER TABLE assets.assets DROP COLUMN request_fingerprint;
ALTER TABLE assets.locations DROP COLUMN request_fingerprint;
ALTER TABLE assets.homes DROP COLUMN request_fingerprint;
