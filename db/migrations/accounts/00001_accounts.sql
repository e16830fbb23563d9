-- Accounts: tenants, users and memberships, shared by every service.
-- Runs as the owner role (steward_owner by default), which must be able to create roles.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  -- The runtime role every service connects as. Roles are cluster-wide, so
  -- another database in the same cluster may have created it already.
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'steward_app') THEN
    CREATE ROLE steward_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;
-- +goose StatementEnd

CREATE SCHEMA accounts;
GRANT USAGE ON SCHEMA accounts TO steward_app;

-- The tenant the current transaction acts for, set with
-- set_config('app.tenant_id', ..., true). Empty after commit, hence nullif.
CREATE FUNCTION accounts.current_tenant_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION accounts.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

CREATE TABLE accounts.tenants (
  tenant_id    uuid CONSTRAINT tenants_pkey PRIMARY KEY,
  kind         text NOT NULL CONSTRAINT tenants_kind_check CHECK (kind IN ('household', 'school')),
  display_name text NOT NULL CONSTRAINT tenants_display_name_check CHECK (display_name <> ''),
  create_time  timestamptz NOT NULL DEFAULT now()
);

-- A person as the identity provider knows them.
CREATE TABLE accounts.users (
  user_id      uuid CONSTRAINT users_pkey PRIMARY KEY,
  issuer       text NOT NULL,
  subject      text NOT NULL,
  email        text NOT NULL,
  display_name text NOT NULL,
  create_time  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_issuer_subject_key UNIQUE (issuer, subject)
);

CREATE TABLE accounts.memberships (
  tenant_id   uuid NOT NULL CONSTRAINT memberships_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  user_id     uuid NOT NULL CONSTRAINT memberships_user_id_fkey REFERENCES accounts.users (user_id),
  roles       text[] NOT NULL CONSTRAINT memberships_roles_check CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['owner', 'member', 'admin', 'teacher', 'parent', 'student']),
  create_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT memberships_pkey PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user_idx ON accounts.memberships (user_id, tenant_id);

GRANT SELECT ON accounts.tenants, accounts.users, accounts.memberships TO steward_app;

-- A member sees the rows of the tenant in scope and their own memberships.
ALTER TABLE accounts.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts.memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_scope ON accounts.memberships
  USING (tenant_id = accounts.current_tenant_id() OR user_id = accounts.current_user_id())
  WITH CHECK (tenant_id = accounts.current_tenant_id());

ALTER TABLE accounts.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_scope ON accounts.tenants
  USING (
    tenant_id = accounts.current_tenant_id()
    OR tenant_id IN (SELECT m.tenant_id FROM accounts.memberships m WHERE m.user_id = accounts.current_user_id())
  )
  WITH CHECK (tenant_id = accounts.current_tenant_id());

-- Users are not tenant rows: the runtime role sees only the caller. RLS is
-- enabled but not forced so that lookup_user (run as the owner) can find a
-- caller by issuer and subject before the caller's id is known.
ALTER TABLE accounts.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_self ON accounts.users USING (user_id = accounts.current_user_id());

CREATE FUNCTION accounts.lookup_user(p_issuer text, p_subject text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT user_id FROM accounts.users WHERE issuer = p_issuer AND subject = p_subject $$;
REVOKE ALL ON FUNCTION accounts.lookup_user(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION accounts.lookup_user(text, text) TO steward_app;

-- +goose Down
-- Object by object and without CASCADE: while another schema still refers to
-- accounts (assets does), this fails instead of quietly dropping that schema's
-- foreign keys and policies. steward_app stays: roles belong to the cluster,
-- and other databases in it may use the role.
DROP FUNCTION accounts.lookup_user(text, text);
DROP POLICY tenants_scope ON accounts.tenants; -- it reads memberships
DROP TABLE accounts.memberships;
DROP TABLE accounts.users;
DROP TABLE accounts.tenants;
DROP FUNCTION accounts.current_user_id();
DROP FUNCTION accounts.current_tenant_id();
DROP SCHEMA accounts;
