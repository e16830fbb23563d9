-- The job queue's schema (platform/jobs): River's tables, shared by every
-- service that does background work, each on its own queue. River creates
-- and upgrades its tables itself (rivermigrate, run by db.Migrate right after
-- this schema's migrations); its rows name no tenant: a job's arguments say
-- which tenant it works for, and the work runs in that tenant's scope like
-- a request's.

-- +goose Up
CREATE SCHEMA jobs;
GRANT USAGE ON SCHEMA jobs TO steward_app;

-- +goose Down
DROP SCHEMA jobs;
