-- The school directory (steward-booking): a school's settings, rooms,
-- instruments, teachers, families and students. tenant_id leads every key,
-- so no row can point into another tenant. Who is a PARENT of a family or is
-- a student's login lives on the membership (accounts.memberships.family_id,
-- student_id), not here: accounts knows the ids, the directory the rest.

-- requires: accounts

-- +goose Up
CREATE SCHEMA booking;
GRANT USAGE ON SCHEMA booking TO steward_app;

-- One row per school, written on its first update; until then the directory
-- answers the defaults below.
CREATE TABLE booking.settings (
  tenant_id               uuid CONSTRAINT settings_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  time_zone               text NOT NULL DEFAULT 'UTC',
  currency_code           char(3) NOT NULL DEFAULT 'USD'
                          CONSTRAINT settings_currency_code_check CHECK (currency_code ~ '^[A-Z]{3}$'),
  reschedule_notice_hours integer NOT NULL DEFAULT 24
                          CONSTRAINT settings_reschedule_notice_hours_check CHECK (reschedule_notice_hours BETWEEN 0 AND 720),
  revision                bigint NOT NULL DEFAULT 1,
  update_time             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT settings_pkey PRIMARY KEY (tenant_id)
);

CREATE TABLE booking.rooms (
  tenant_id           uuid NOT NULL CONSTRAINT rooms_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  room_id             uuid NOT NULL,
  display_name        text NOT NULL CONSTRAINT rooms_display_name_check CHECK (display_name <> ''),
  capacity            integer NOT NULL CONSTRAINT rooms_capacity_check CHECK (capacity BETWEEN 1 AND 500),
  request_id          uuid,
  request_fingerprint bytea, -- sha256 of the create request without its request_id
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT rooms_pkey PRIMARY KEY (tenant_id, room_id),
  CONSTRAINT rooms_tenant_id_display_name_key UNIQUE (tenant_id, display_name),
  CONSTRAINT rooms_tenant_id_request_id_key UNIQUE (tenant_id, request_id)
);

CREATE TABLE booking.instruments (
  tenant_id           uuid NOT NULL CONSTRAINT instruments_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  instrument_id       uuid NOT NULL,
  display_name        text NOT NULL CONSTRAINT instruments_display_name_check CHECK (display_name <> ''),
  kind                text NOT NULL
                      CONSTRAINT instruments_kind_check CHECK (kind IN ('keyboard', 'strings', 'woodwind', 'brass', 'percussion', 'voice')),
  request_id          uuid,
  request_fingerprint bytea,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT instruments_pkey PRIMARY KEY (tenant_id, instrument_id),
  CONSTRAINT instruments_tenant_id_display_name_key UNIQUE (tenant_id, display_name),
  CONSTRAINT instruments_tenant_id_request_id_key UNIQUE (tenant_id, request_id)
);

-- A teacher is a member of the school (tenants/{tenant}/members/{user_id}),
-- at most one teacher each. instrument_ids are instruments of the same
-- tenant, checked by the service under a share lock (an array has no foreign
-- key); deleting an instrument still taught is INSTRUMENT_IN_USE.
CREATE TABLE booking.teachers (
  tenant_id           uuid NOT NULL CONSTRAINT teachers_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  teacher_id          uuid NOT NULL,
  user_id             uuid NOT NULL,
  display_name        text NOT NULL CONSTRAINT teachers_display_name_check CHECK (display_name <> ''),
  instrument_ids      uuid[] NOT NULL DEFAULT '{}' CONSTRAINT teachers_instrument_ids_check CHECK (cardinality(instrument_ids) <= 20),
  calendar_color      text NOT NULL DEFAULT '#4f46e5' CONSTRAINT teachers_calendar_color_check CHECK (calendar_color ~ '^#[0-9a-f]{6}$'),
  request_id          uuid,
  request_fingerprint bytea,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT teachers_pkey PRIMARY KEY (tenant_id, teacher_id),
  CONSTRAINT teachers_tenant_id_user_id_key UNIQUE (tenant_id, user_id),
  CONSTRAINT teachers_tenant_id_request_id_key UNIQUE (tenant_id, request_id)
);

CREATE TABLE booking.families (
  tenant_id           uuid NOT NULL CONSTRAINT families_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  family_id           uuid NOT NULL,
  display_name        text NOT NULL CONSTRAINT families_display_name_check CHECK (display_name <> ''),
  billing_name        text NOT NULL DEFAULT '',
  billing_email       text NOT NULL DEFAULT '',
  billing_phone       text NOT NULL DEFAULT '',
  address_lines       text[] NOT NULL DEFAULT '{}' CONSTRAINT families_address_lines_check CHECK (cardinality(address_lines) <= 4),
  locality            text NOT NULL DEFAULT '',
  administrative_area text NOT NULL DEFAULT '',
  postal_code         text NOT NULL DEFAULT '',
  region_code         text NOT NULL DEFAULT '' CONSTRAINT families_region_code_check CHECK (region_code ~ '^([A-Z]{2})?$'),
  request_id          uuid,
  request_fingerprint bytea,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT families_pkey PRIMARY KEY (tenant_id, family_id),
  CONSTRAINT families_tenant_id_request_id_key UNIQUE (tenant_id, request_id)
);

CREATE TABLE booking.students (
  tenant_id           uuid NOT NULL,
  family_id           uuid NOT NULL,
  student_id          uuid NOT NULL,
  given_name          text NOT NULL CONSTRAINT students_given_name_check CHECK (given_name <> ''),
  family_name         text NOT NULL DEFAULT '',
  birth_year          integer CONSTRAINT students_birth_year_check CHECK (birth_year BETWEEN 1900 AND 2100),
  instrument_ids      uuid[] NOT NULL DEFAULT '{}' CONSTRAINT students_instrument_ids_check CHECK (cardinality(instrument_ids) <= 20),
  level               text NOT NULL DEFAULT 'beginner'
                      CONSTRAINT students_level_check CHECK (level IN ('beginner', 'intermediate', 'advanced')),
  request_id          uuid,
  request_fingerprint bytea,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT students_pkey PRIMARY KEY (tenant_id, student_id),
  CONSTRAINT students_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  -- A family with students cannot go: FAMILY_NOT_EMPTY.
  CONSTRAINT students_tenant_id_family_id_fkey FOREIGN KEY (tenant_id, family_id) REFERENCES booking.families (tenant_id, family_id)
);
CREATE INDEX students_family_idx ON booking.students (tenant_id, family_id, student_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON booking.settings, booking.rooms, booking.instruments,
  booking.teachers, booking.families, booking.students TO steward_app;

-- Every table answers only in the tenant of the transaction (app.tenant_id).
ALTER TABLE booking.settings ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.rooms ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.instruments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.teachers ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.families ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE booking.students ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY settings_tenant ON booking.settings USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY rooms_tenant ON booking.rooms USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY instruments_tenant ON booking.instruments USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY teachers_tenant ON booking.teachers USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY families_tenant ON booking.families USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());
CREATE POLICY students_tenant ON booking.students USING (tenant_id = accounts.current_tenant_id()) WITH CHECK (tenant_id = accounts.current_tenant_id());

-- +goose Down
-- Object by object and without CASCADE; tables go with their indexes and
-- policies.
DROP TABLE booking.students;
DROP TABLE booking.families;
DROP TABLE booking.teachers;
DROP TABLE booking.instruments;
DROP TABLE booking.rooms;
DROP TABLE booking.settings;
DROP SCHEMA booking;
