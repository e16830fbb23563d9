-- The development OIDC issuer's user store. Never used in production, where
-- OIDC_ISSUER points at a real identity provider.

-- requires: accounts

-- +goose Up
CREATE SCHEMA devidp;
GRANT USAGE ON SCHEMA devidp TO steward_app;

CREATE TABLE devidp.users (
  subject       text CONSTRAINT users_pkey PRIMARY KEY,
  email         text NOT NULL CONSTRAINT users_email_key UNIQUE,
  display_name  text NOT NULL,
  password_hash text NOT NULL -- bcrypt
);
GRANT SELECT ON devidp.users TO steward_app;

-- +goose Down
DROP TABLE devidp.users;
DROP SCHEMA devidp;
