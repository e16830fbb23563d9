-- name: InsertMessage :one
-- A message whose dedupe key the tenant already has is not written: no row
-- comes back, and the caller's transaction goes on.
INSERT INTO outbox.messages (tenant_id, message_id, service, dedupe_key, recipient, subject, text_body, html_body)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT ON CONSTRAINT messages_tenant_id_dedupe_key_key DO NOTHING
RETURNING message_id;

-- name: InsertAttachment :exec
INSERT INTO outbox.attachments (tenant_id, message_id, position, filename, content_type, content)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: ClaimMessage :one
-- Counts a delivery attempt of a pending message that no other attempt
-- claimed within the lease, and returns it. The row lock orders two claims
-- at once: the second re-reads the row after the first commits and finds it
-- claimed.
UPDATE outbox.messages
SET attempts = attempts + 1, last_attempt_time = now()
WHERE tenant_id = $1 AND message_id = $2 AND service = $3 AND state = 'pending'
  AND (last_attempt_time IS NULL OR last_attempt_time <= now() - sqlc.arg(lease)::interval)
RETURNING *;

-- name: ListAttachments :many
SELECT * FROM outbox.attachments
WHERE tenant_id = $1 AND message_id = $2
ORDER BY position;

-- name: MarkSent :execrows
UPDATE outbox.messages
SET state = 'sent', sent_time = now(), last_error = ''
WHERE tenant_id = $1 AND message_id = $2 AND state = 'pending';

-- name: RecordFailure :exec
UPDATE outbox.messages
SET last_error = left(sqlc.arg(last_error)::text, 2000)
WHERE tenant_id = $1 AND message_id = $2 AND state = 'pending';

-- name: ListPendingMessages :many
-- The service's messages still to send in the tenant, oldest first.
SELECT message_id FROM outbox.messages
WHERE tenant_id = $1 AND service = $2 AND state = 'pending'
ORDER BY create_time, message_id
LIMIT $3;

-- name: GetMessage :one
SELECT * FROM outbox.messages
WHERE tenant_id = $1 AND message_id = $2;
