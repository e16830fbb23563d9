-- Who sees a family: with viewer_all (ADMIN, and TEACHER for reads) every
-- family of the tenant; otherwise only viewer_family, the family on the
-- caller's membership (a PARENT's). NULL there sees none.

-- name: GetFamily :one
SELECT * FROM booking.families
WHERE tenant_id = @tenant_id AND family_id = @family_id
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family));

-- name: ListFamilies :many
SELECT * FROM booking.families
WHERE tenant_id = @tenant_id AND family_id > @after_id
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family))
ORDER BY family_id
LIMIT @page_limit;

-- name: CreateFamily :one
INSERT INTO booking.families (tenant_id, family_id, display_name, billing_name, billing_email, billing_phone,
                              address_lines, locality, administrative_area, postal_code, region_code,
                              request_id, request_fingerprint)
VALUES (@tenant_id, @family_id, @display_name, @billing_name, @billing_email, @billing_phone,
        @address_lines, @locality, @administrative_area, @postal_code, @region_code,
        sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: FamilyCreatedBy :one
SELECT * FROM booking.families WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: DeleteFamily :exec
DELETE FROM booking.families WHERE tenant_id = @tenant_id AND family_id = @family_id;

-- name: LockFamily :one
SELECT * FROM booking.families
WHERE tenant_id = @tenant_id AND family_id = @family_id
  AND (@viewer_all::boolean OR family_id = sqlc.narg(viewer_family))
FOR UPDATE;

-- name: UpdateFamily :one
UPDATE booking.families
SET display_name = @display_name, billing_name = @billing_name, billing_email = @billing_email,
    billing_phone = @billing_phone, address_lines = @address_lines, locality = @locality,
    administrative_area = @administrative_area, postal_code = @postal_code, region_code = @region_code,
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND family_id = @family_id
RETURNING *;
