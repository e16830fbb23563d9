-- name: UnscopedJoinUser :one
-- Finds the caller by token issuer and subject, creating the account on the
-- first valid token (SECURITY DEFINER: the runtime role cannot write users).
SELECT accounts.join_user(@issuer::text, @subject::text, @email::text, @display_name::text)::uuid AS user_id;

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

-- name: CreateTenant :one
-- Sign-up; runs scoped to the new tenant, which the RLS check requires.
INSERT INTO accounts.tenants (tenant_id, kind, display_name, request_id, request_fingerprint)
VALUES (@tenant_id, @kind, @display_name, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
RETURNING tenant_id, kind, display_name, request_fingerprint;

-- name: GetTenantByRequestID :one
-- A sign-up's retry: the tenant the caller created with request_id, while
-- they are still its member.
SELECT t.tenant_id, t.kind, t.display_name, t.request_fingerprint
FROM accounts.memberships m
JOIN accounts.tenants t ON t.tenant_id = m.tenant_id
WHERE m.user_id = @user_id AND t.request_id = @request_id;

-- name: LockTenant :exec
-- Serialises the changes of a tenant's members, so that the check for its
-- last OWNER/ADMIN sees every other change committed.
SELECT tenant_id FROM accounts.tenants WHERE tenant_id = @tenant_id FOR UPDATE;

-- name: CreateMembership :one
INSERT INTO accounts.memberships (tenant_id, user_id, roles, family_id, student_id)
VALUES (@tenant_id, @user_id, @roles, sqlc.narg(family_id), sqlc.narg(student_id))
RETURNING tenant_id;

-- name: CreateMembershipOrAddRoles :exec
-- Accepting an invitation: the membership, or the invitation's roles added
-- to an existing one (and its family and student where it names them).
INSERT INTO accounts.memberships (tenant_id, user_id, roles, family_id, student_id)
VALUES (@tenant_id, @user_id, @roles::text[], sqlc.narg(family_id), sqlc.narg(student_id))
ON CONFLICT ON CONSTRAINT memberships_pkey DO UPDATE
SET roles = (SELECT array_agg(DISTINCT r ORDER BY r) FROM unnest(accounts.memberships.roles || EXCLUDED.roles) AS r),
    family_id = coalesce(EXCLUDED.family_id, accounts.memberships.family_id),
    student_id = coalesce(EXCLUDED.student_id, accounts.memberships.student_id),
    revision = accounts.memberships.revision + 1, update_time = now();

-- name: GetMember :one
SELECT m.tenant_id, m.user_id, m.roles, m.family_id, m.student_id, m.create_time, m.update_time, m.revision, u.email, u.display_name
FROM accounts.memberships m
JOIN accounts.users u ON u.user_id = m.user_id
WHERE m.tenant_id = @tenant_id AND m.user_id = @user_id;

-- name: GetMemberForUpdate :one
SELECT m.tenant_id, m.user_id, m.roles, m.family_id, m.student_id, m.create_time, m.update_time, m.revision, u.email, u.display_name
FROM accounts.memberships m
JOIN accounts.users u ON u.user_id = m.user_id
WHERE m.tenant_id = @tenant_id AND m.user_id = @user_id
FOR UPDATE OF m;

-- name: ListMembers :many
-- Keyset pagination on user_id; the filters are optional (NULL = none).
SELECT m.tenant_id, m.user_id, m.roles, m.family_id, m.student_id, m.create_time, m.update_time, m.revision, u.email, u.display_name
FROM accounts.memberships m
JOIN accounts.users u ON u.user_id = m.user_id
WHERE m.tenant_id = @tenant_id
  AND m.user_id > @after_id
  AND (sqlc.narg(role)::text IS NULL OR sqlc.narg(role)::text = ANY (m.roles))
  AND (sqlc.narg(role_not)::text IS NULL OR NOT (sqlc.narg(role_not)::text = ANY (m.roles)))
  AND (sqlc.narg(family_id)::uuid IS NULL OR m.family_id = sqlc.narg(family_id))
  AND (sqlc.narg(family_id_not)::uuid IS NULL OR m.family_id IS DISTINCT FROM sqlc.narg(family_id_not))
ORDER BY m.user_id
LIMIT @page_limit;

-- name: UpdateMember :exec
UPDATE accounts.memberships
SET roles = @roles, family_id = sqlc.narg(family_id), student_id = sqlc.narg(student_id),
    revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND user_id = @user_id;

-- name: DeleteMember :exec
DELETE FROM accounts.memberships WHERE tenant_id = @tenant_id AND user_id = @user_id;

-- name: CountManagers :one
-- The tenant's members who may manage members (OWNER, ADMIN).
SELECT count(*) FROM accounts.memberships
WHERE tenant_id = @tenant_id AND roles && ARRAY['owner', 'admin']::text[];

-- name: CreateInvitation :one
INSERT INTO accounts.invitations (tenant_id, invitation_id, email, roles, family_id, student_id, inviter_user_id, expire_time, request_id, request_fingerprint)
VALUES (@tenant_id, @invitation_id, @email, @roles, sqlc.narg(family_id), sqlc.narg(student_id), @inviter_user_id, @expire_time, sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: GetInvitationByRequestID :one
SELECT * FROM accounts.invitations WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: GetInvitation :one
SELECT * FROM accounts.invitations WHERE tenant_id = @tenant_id AND invitation_id = @invitation_id;

-- name: GetInvitationForUpdate :one
SELECT * FROM accounts.invitations WHERE tenant_id = @tenant_id AND invitation_id = @invitation_id FOR UPDATE;

-- name: ListInvitations :many
SELECT * FROM accounts.invitations
WHERE tenant_id = @tenant_id AND invitation_id > @after_id
ORDER BY invitation_id
LIMIT @page_limit;

-- name: RevokeInvitation :one
UPDATE accounts.invitations SET revoke_time = now(), revision = revision + 1
WHERE tenant_id = @tenant_id AND invitation_id = @invitation_id
RETURNING *;

-- name: MarkInvitationAccepted :one
UPDATE accounts.invitations SET accept_time = now(), accepted_user_id = @accepted_user_id, revision = revision + 1
WHERE tenant_id = @tenant_id AND invitation_id = @invitation_id
RETURNING *;
