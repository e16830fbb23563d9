-- Relationships on the membership (issue 7, DESIGN7 decision 1): the directory
-- family a PARENT acts for and the directory student a STUDENT is. Opaque ids
-- to accounts (the booking schema owns families and students, and refers to
-- accounts, never the other way round); NULL when the member has none.

-- +goose Up
ALTER TABLE accounts.memberships ADD COLUMN family_id uuid;
ALTER TABLE accounts.memberships ADD COLUMN student_id uuid;

-- +goose Down
ALTER TABLE accounts.memberships DROP COLUMN student_id;
ALTER TABLE accounts.memberships DROP COLUMN family_id;
