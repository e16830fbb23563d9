-- Maintenance's copy of Asset Management's facts, written only by the sync
-- from Assets' change feed.

-- name: UpsertHomeFact :exec
INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone, hemisphere, deleted)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (tenant_id, home_id) DO UPDATE
SET display_name = EXCLUDED.display_name, time_zone = EXCLUDED.time_zone, hemisphere = EXCLUDED.hemisphere,
    deleted = EXCLUDED.deleted, sync_time = now();

-- name: GetFeedCursor :one
SELECT cursor FROM maintenance.feed_cursors WHERE tenant_id = $1 AND source = $2;

-- name: SetFeedCursor :exec
INSERT INTO maintenance.feed_cursors (tenant_id, source, cursor) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id, source) DO UPDATE SET cursor = EXCLUDED.cursor, sync_time = now();
