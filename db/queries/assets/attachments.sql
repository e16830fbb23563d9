-- name: CreateAttachment :one
INSERT INTO assets.attachments (tenant_id, asset_id, attachment_id, kind, filename, content_type, size_bytes, sha256, blob_key, request_id)
VALUES (@tenant_id, @asset_id, @attachment_id, @kind, @filename, @content_type, @size_bytes, @sha256, @blob_key, sqlc.narg(request_id))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: GetAttachmentByRequestID :one
SELECT * FROM assets.attachments WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetAttachment :one
SELECT * FROM assets.attachments WHERE tenant_id = @tenant_id AND asset_id = @asset_id AND attachment_id = @attachment_id;

-- name: ListAttachments :many
SELECT * FROM assets.attachments
WHERE tenant_id = @tenant_id AND asset_id = @asset_id AND attachment_id > @after_id
ORDER BY attachment_id
LIMIT @page_limit;

-- name: DeleteAttachment :one
DELETE FROM assets.attachments
WHERE tenant_id = @tenant_id AND asset_id = @asset_id AND attachment_id = @attachment_id
RETURNING blob_key;

-- name: ListAttachmentBlobKeys :many
SELECT blob_key FROM assets.attachments WHERE tenant_id = @tenant_id AND asset_id = @asset_id;
