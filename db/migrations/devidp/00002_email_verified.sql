-- Whether the development issuer vouches for a user's email (OIDC's
-- email_verified claim in its access tokens). Steward accepts an invitation
-- only from a verified email; existing users are verified.

-- +goose Up
ALTER TABLE devidp.users ADD COLUMN email_verified boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE devidp.users DROP COLUMN email_verified;
