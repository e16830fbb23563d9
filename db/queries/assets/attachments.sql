-- name: CreateAttachment :one
INSERT INTO assets.attachments (tenant_id, asset_id, attachment_id, kind, filename, content_type, size_bytes, sha256, blob_key, request_id, request_fingerprint)
VALUES (@tenant_id, @asset_id, @attachment_id, @kind, @filename, @content_type, @size_bytes, @sha256, @blob_key, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: GetAttachmentByRequestID :one
SELECT * FROM assets.attachments WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetAttachment :one
-- No row unless the asset is in the named home: attachments have no home_id.
SELECT t.* FROM assets.attachments t
WHERE t.tenant_id = @tenant_id AND t.asset_id = @asset_id AND t.attachment_id = @attachment_id
  AND EXISTS (SELECT 1 FROM assets.assets a WHERE a.tenant_id = @tenant_id AND a.home_id = @home_id AND a.asset_id = @asset_id);

-- name: ListAttachments :many
-- Empty unless the asset is in the named home; AssetExists tells why a page is empty.
SELECT t.* FROM assets.attachments t
WHERE t.tenant_id = @tenant_id AND t.asset_id = @asset_id AND t.attachment_id > @after_id
  AND EXISTS (SELECT 1 FROM assets.assets a WHERE a.tenant_id = @tenant_id AND a.home_id = @home_id AND a.asset_id = @asset_id)
ORDER BY t.attachment_id
LIMIT @page_limit;

-- name: DeleteAttachment :one
-- Deletes nothing unless the asset is in the named home.
DELETE FROM assets.attachments t
WHERE t.tenant_id = @tenant_id AND t.asset_id = @asset_id AND t.attachment_id = @attachment_id
  AND EXISTS (SELECT 1 FROM assets.assets a WHERE a.tenant_id = @tenant_id AND a.home_id = @home_id AND a.asset_id = @asset_id)
RETURNING t.blob_key;

-- name: ListAttachmentBlobKeys :many
SELECT blob_key FROM assets.attachments WHERE tenant_id = @tenant_id AND asset_id = @asset_id;
