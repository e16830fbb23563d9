-- Accounts people can join (issue 7): just-in-time users, sign-up,
-- invitations, and members an OWNER or ADMIN manages.

-- +goose Up
-- A person's first valid token creates their account. The runtime role may
-- not write accounts.users (it sees only the caller's row): this function,
-- run as the owner, inserts the identity once, whatever the concurrency
-- (the unique issuer + subject decides the race), keeps email and name as
-- the latest token that carries them says, and returns the id. The name
-- falls back to the email, then the subject.
-- +goose StatementBegin
CREATE FUNCTION accounts.join_user(p_issuer text, p_subject text, p_email text, p_display_name text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  found_id uuid;
  found_email text;
  found_name text;
BEGIN
  -- A claim the token leaves out keeps what is stored.
  SELECT user_id, email, display_name INTO found_id, found_email, found_name
  FROM accounts.users WHERE issuer = p_issuer AND subject = p_subject;
  IF found_id IS NOT NULL THEN
    IF coalesce(nullif(p_email, ''), found_email) <> found_email
       OR coalesce(nullif(p_display_name, ''), found_name) <> found_name THEN
      UPDATE accounts.users
      SET email = coalesce(nullif(p_email, ''), email), display_name = coalesce(nullif(p_display_name, ''), display_name)
      WHERE user_id = found_id;
    END IF;
    RETURN found_id;
  END IF;
  INSERT INTO accounts.users (user_id, issuer, subject, email, display_name)
  VALUES (gen_random_uuid(), p_issuer, p_subject, coalesce(p_email, ''),
          coalesce(nullif(p_display_name, ''), nullif(p_email, ''), p_subject))
  ON CONFLICT ON CONSTRAINT users_issuer_subject_key DO NOTHING
  RETURNING user_id INTO found_id;
  IF found_id IS NULL THEN -- a concurrent first request won; its row is committed now
    SELECT user_id INTO found_id FROM accounts.users WHERE issuer = p_issuer AND subject = p_subject;
  END IF;
  RETURN found_id;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION accounts.join_user(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION accounts.join_user(text, text, text, text) TO steward_app;

-- Members of the tenant in scope see each other's account (email, name) as
-- well as their own; nobody else's.
DROP POLICY users_self ON accounts.users;
CREATE POLICY users_visible ON accounts.users USING (
  user_id = accounts.current_user_id()
  OR user_id IN (SELECT m.user_id FROM accounts.memberships m WHERE m.tenant_id = accounts.current_tenant_id())
);

-- Sign-up: a user creates a tenant (request_id makes it safe to retry).
ALTER TABLE accounts.tenants ADD COLUMN request_id uuid;
ALTER TABLE accounts.tenants ADD COLUMN request_fingerprint bytea;
ALTER TABLE accounts.tenants ADD CONSTRAINT tenants_request_id_key UNIQUE (request_id);
-- INSERT for sign-up; UPDATE so that member changes can lock the tenant row
-- (SELECT ... FOR UPDATE), serialising them to keep one OWNER/ADMIN.
GRANT INSERT, UPDATE ON accounts.tenants TO steward_app;

-- Members are managed: revisions for etags.
ALTER TABLE accounts.memberships ADD COLUMN revision bigint NOT NULL DEFAULT 1;
ALTER TABLE accounts.memberships ADD COLUMN update_time timestamptz NOT NULL DEFAULT now();
GRANT INSERT, UPDATE, DELETE ON accounts.memberships TO steward_app;

-- An invitation of an email address into a tenant with roles (and, for a
-- PARENT or STUDENT, the directory family and student they act for).
-- Revoking keeps the row (revoke_time), so that accepting a revoked
-- invitation can say so; accepting records who and when.
CREATE TABLE accounts.invitations (
  tenant_id           uuid NOT NULL CONSTRAINT invitations_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  invitation_id       uuid NOT NULL,
  email               text NOT NULL CONSTRAINT invitations_email_check CHECK (email <> ''),
  roles               text[] NOT NULL CONSTRAINT invitations_roles_check CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['owner', 'member', 'admin', 'teacher', 'parent', 'student']),
  family_id           uuid,
  student_id          uuid,
  inviter_user_id     uuid NOT NULL CONSTRAINT invitations_inviter_user_id_fkey REFERENCES accounts.users (user_id),
  create_time         timestamptz NOT NULL DEFAULT now(),
  expire_time         timestamptz NOT NULL,
  revoke_time         timestamptz,
  accept_time         timestamptz,
  accepted_user_id    uuid CONSTRAINT invitations_accepted_user_id_fkey REFERENCES accounts.users (user_id),
  revision            bigint NOT NULL DEFAULT 1,
  request_id          uuid,
  request_fingerprint bytea,
  CONSTRAINT invitations_pkey PRIMARY KEY (tenant_id, invitation_id),
  CONSTRAINT invitations_tenant_id_request_id_key UNIQUE (tenant_id, request_id)
);
GRANT SELECT, INSERT, UPDATE ON accounts.invitations TO steward_app;
ALTER TABLE accounts.invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts.invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_scope ON accounts.invitations
  USING (tenant_id = accounts.current_tenant_id())
  WITH CHECK (tenant_id = accounts.current_tenant_id());

-- +goose Down
DROP TABLE accounts.invitations;
REVOKE INSERT, UPDATE, DELETE ON accounts.memberships FROM steward_app;
ALTER TABLE accounts.memberships DROP COLUMN update_time;
ALTER TABLE accounts.memberships DROP COLUMN revision;
REVOKE INSERT, UPDATE ON accounts.tenants FROM steward_app;
ALTER TABLE accounts.tenants DROP CONSTRAINT tenants_request_id_key;
ALTER TABLE accounts.tenants DROP COLUMN request_fingerprint;
ALTER TABLE accounts.tenants DROP COLUMN request_id;
DROP POLICY users_visible ON accounts.users;
CREATE POLICY users_self ON accounts.users USING (user_id = accounts.current_user_id());
DROP FUNCTION accounts.join_user(text, text, text, text);
