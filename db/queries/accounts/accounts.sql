-- name: UnscopedLookupUser :one
-- Finds the caller by token issuer and subject, before any scope exists
-- (SECURITY DEFINER). No row when the identity has no Steward account.
SELECT found.user_id::uuid AS user_id
FROM (SELECT accounts.lookup_user(@issuer::text, @subject::text) AS user_id) AS found
WHERE found.user_id IS NOT NULL;

-- name: GetMembership :one
SELECT m.roles, t.kind, m.family_id, m.student_id
FROM accounts.memberships m
JOIN accounts.tenants t ON t.tenant_id = m.tenant_id
WHERE m.tenant_id = @tenant_id AND m.user_id = @user_id;

-- name: ListTenantsForUser :many
SELECT t.tenant_id, t.kind, t.display_name, m.roles
FROM accounts.memberships m
JOIN accounts.tenants t ON t.tenant_id = m.tenant_id
WHERE m.user_id = @user_id AND m.tenant_id > @after_tenant_id
ORDER BY m.tenant_id
LIMIT @page_limit;

-- name: GetTenant :one
SELECT t.tenant_id, t.kind, t.display_name, m.roles
FROM accounts.tenants t
JOIN accounts.memberships m ON m.tenant_id = t.tenant_id AND m.user_id = @user_id
WHERE t.tenant_id = @tenant_id;

-- name: GetTenantByID :one
-- A tenant by id alone, for a service principal: it has no membership, so
-- the tenant in scope is the only thing that lets it see the row.
SELECT t.tenant_id, t.kind, t.display_name
FROM accounts.tenants t
WHERE t.tenant_id = @tenant_id;
