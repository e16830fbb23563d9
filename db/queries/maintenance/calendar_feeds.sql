-- The homes' iCalendar feeds of upcoming maintenance.

-- name: CreateCalendarFeed :one
-- A feed of a home Maintenance knows and that is not deleted; no row means
-- NOT_FOUND.
INSERT INTO maintenance.calendar_feeds (tenant_id, feed_id, home_id, secret_hash, created_by)
SELECT h.tenant_id, @feed_id, h.home_id, @secret_hash, @created_by
FROM maintenance.home_facts h
WHERE h.tenant_id = @tenant_id AND h.home_id = @home_id AND NOT h.deleted
RETURNING *;

-- name: ListCalendarFeeds :many
SELECT * FROM maintenance.calendar_feeds
WHERE tenant_id = @tenant_id AND (sqlc.narg(home_id)::uuid IS NULL OR home_id = sqlc.narg(home_id)) AND feed_id > @after_id
ORDER BY feed_id
LIMIT @page_limit;

-- name: DeleteCalendarFeed :execrows
DELETE FROM maintenance.calendar_feeds WHERE tenant_id = @tenant_id AND home_id = @home_id AND feed_id = @feed_id;

-- name: GetCalendarFeed :one
-- The feed a secret URL names with its home; the server compares the hash
-- in constant time. A deleted home's feed answers nothing.
SELECT f.secret_hash, h.display_name, h.time_zone
FROM maintenance.calendar_feeds f
JOIN maintenance.home_facts h ON h.tenant_id = f.tenant_id AND h.home_id = f.home_id
WHERE f.tenant_id = @tenant_id AND f.home_id = @home_id AND f.feed_id = @feed_id AND NOT h.deleted;

-- name: ListFeedTasks :many
-- A home's open and in-progress tasks due in [from_date, to_date], the
-- first feed_limit by due date.
SELECT t.task_id, t.title, t.description, t.kind, t.state, t.due_date, t.lead_days, t.revision, t.create_time, t.update_time,
       coalesce(a.display_name, '')::text AS asset_display_name
FROM maintenance.tasks t
LEFT JOIN maintenance.asset_facts a ON a.tenant_id = t.tenant_id AND a.asset_id = t.asset_id
WHERE t.tenant_id = @tenant_id AND t.home_id = @home_id AND t.state IN ('open', 'in_progress')
  AND t.due_date BETWEEN @from_date AND @to_date
ORDER BY t.due_date, t.task_id
LIMIT @feed_limit;

-- name: HomeFactExists :one
-- Whether Maintenance knows the home (and it is not deleted): a list under
-- a home that is not there is NOT_FOUND, not empty.
SELECT EXISTS (SELECT 1 FROM maintenance.home_facts WHERE tenant_id = @tenant_id AND home_id = @home_id AND NOT deleted);
