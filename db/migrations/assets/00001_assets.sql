-- Asset Management: homes, locations, assets, meter readings, attachments.
-- tenant_id leads every key, so no row can point into another tenant.

-- requires: accounts

-- +goose Up
CREATE SCHEMA assets;
GRANT USAGE ON SCHEMA assets TO steward_app;

-- Shared reference data, the same for every tenant.
CREATE TABLE assets.categories (
  category_id             text CONSTRAINT categories_pkey PRIMARY KEY
                          CONSTRAINT categories_category_id_check CHECK (category_id ~ '^[a-z0-9-]{1,63}$'),
  display_name            text NOT NULL,
  description             text NOT NULL DEFAULT '',
  typical_lifespan_months integer NOT NULL CONSTRAINT categories_typical_lifespan_months_check CHECK (typical_lifespan_months >= 0)
);
GRANT SELECT ON assets.categories TO steward_app;

CREATE TABLE assets.homes (
  tenant_id           uuid NOT NULL CONSTRAINT homes_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  home_id             uuid NOT NULL,
  display_name        text NOT NULL CONSTRAINT homes_display_name_check CHECK (display_name <> ''),
  address             jsonb NOT NULL DEFAULT '{}',
  time_zone           text NOT NULL,
  request_id          uuid,
  request_fingerprint bytea, -- sha256 of the create request without its request_id
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT homes_pkey PRIMARY KEY (tenant_id, home_id),
  CONSTRAINT homes_tenant_id_request_id_key UNIQUE (tenant_id, request_id)
);

CREATE TABLE assets.locations (
  tenant_id           uuid NOT NULL,
  home_id             uuid NOT NULL,
  location_id         uuid NOT NULL,
  display_name        text NOT NULL CONSTRAINT locations_display_name_check CHECK (display_name <> ''),
  kind                text NOT NULL DEFAULT 'room' CONSTRAINT locations_kind_check CHECK (kind IN ('room', 'area', 'outdoor')),
  floor               text NOT NULL DEFAULT '',
  request_id          uuid,
  request_fingerprint bytea,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT locations_pkey PRIMARY KEY (tenant_id, location_id),
  CONSTRAINT locations_tenant_id_home_id_location_id_key UNIQUE (tenant_id, home_id, location_id),
  CONSTRAINT locations_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT locations_tenant_id_home_id_fkey FOREIGN KEY (tenant_id, home_id) REFERENCES assets.homes (tenant_id, home_id)
);

CREATE TABLE assets.assets (
  tenant_id                uuid NOT NULL,
  home_id                  uuid NOT NULL,
  asset_id                 uuid NOT NULL,
  display_name             text NOT NULL CONSTRAINT assets_display_name_check CHECK (display_name <> ''),
  category_id              text NOT NULL CONSTRAINT assets_category_id_fkey REFERENCES assets.categories (category_id),
  make                     text NOT NULL DEFAULT '',
  model                    text NOT NULL DEFAULT '',
  serial_number            text NOT NULL DEFAULT '',
  install_date             date,
  purchase_date            date,
  purchase_cost_minor      bigint CONSTRAINT assets_purchase_cost_minor_check CHECK (purchase_cost_minor >= 0),
  purchase_cost_currency   char(3) CONSTRAINT assets_purchase_cost_currency_check CHECK (purchase_cost_currency ~ '^[A-Z]{3}$'),
  expected_lifespan_months integer NOT NULL DEFAULT 0
                           CONSTRAINT assets_expected_lifespan_months_check CHECK (expected_lifespan_months >= 0),
  warranty_expiry_date     date,
  location_id              uuid,
  status                   text NOT NULL DEFAULT 'in_service'
                           CONSTRAINT assets_status_check CHECK (status IN ('in_service', 'out_of_service', 'retired')),
  attributes               jsonb NOT NULL DEFAULT '{}',
  request_id               uuid,
  request_fingerprint      bytea,
  revision                 bigint NOT NULL DEFAULT 1,
  create_time              timestamptz NOT NULL DEFAULT now(),
  update_time              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT assets_pkey PRIMARY KEY (tenant_id, asset_id),
  CONSTRAINT assets_tenant_id_home_id_asset_id_key UNIQUE (tenant_id, home_id, asset_id),
  CONSTRAINT assets_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  -- The name PostgreSQL gives a table CHECK naming no single column.
  CONSTRAINT assets_check CHECK ((purchase_cost_minor IS NULL) = (purchase_cost_currency IS NULL)),
  CONSTRAINT assets_tenant_id_home_id_fkey FOREIGN KEY (tenant_id, home_id) REFERENCES assets.homes (tenant_id, home_id),
  -- The location must be in the same home; deleting it leaves the asset unplaced.
  CONSTRAINT assets_tenant_id_home_id_location_id_fkey
    FOREIGN KEY (tenant_id, home_id, location_id) REFERENCES assets.locations (tenant_id, home_id, location_id)
    ON DELETE SET NULL (location_id)
);
CREATE INDEX assets_category_idx ON assets.assets (tenant_id, category_id);
CREATE INDEX assets_warranty_idx ON assets.assets (tenant_id, warranty_expiry_date) WHERE warranty_expiry_date IS NOT NULL;
CREATE INDEX assets_location_idx ON assets.assets (tenant_id, location_id) WHERE location_id IS NOT NULL;

CREATE TABLE assets.meter_readings (
  tenant_id   uuid NOT NULL,
  asset_id    uuid NOT NULL,
  reading_id  uuid NOT NULL,
  meter               text NOT NULL CONSTRAINT meter_readings_meter_check CHECK (meter ~ '^[a-z][a-z0-9-]{0,62}$'),
  unit                text NOT NULL
                      CONSTRAINT meter_readings_unit_check CHECK (unit IN ('hours', 'cycles', 'kilometers', 'kilowatt_hours')),
  value               double precision NOT NULL CONSTRAINT meter_readings_value_check CHECK (value >= 0 AND value <> 'Infinity'),
  read_time           timestamptz NOT NULL,
  reset               boolean NOT NULL DEFAULT false,
  note                text NOT NULL DEFAULT '',
  request_id          uuid,
  request_fingerprint bytea,
  create_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT meter_readings_pkey PRIMARY KEY (tenant_id, reading_id),
  CONSTRAINT meter_readings_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT meter_readings_tenant_id_asset_id_fkey
    FOREIGN KEY (tenant_id, asset_id) REFERENCES assets.assets (tenant_id, asset_id) ON DELETE CASCADE
);
CREATE INDEX meter_readings_asset_idx ON assets.meter_readings (tenant_id, asset_id, meter, read_time DESC);
CREATE INDEX meter_readings_list_idx ON assets.meter_readings (tenant_id, asset_id, read_time DESC, reading_id DESC);

CREATE TABLE assets.attachments (
  tenant_id     uuid NOT NULL,
  asset_id      uuid NOT NULL,
  attachment_id uuid NOT NULL,
  kind                text NOT NULL
                      CONSTRAINT attachments_kind_check CHECK (kind IN ('manual', 'receipt', 'photo', 'warranty', 'other')),
  filename            text NOT NULL CONSTRAINT attachments_filename_check CHECK (filename <> ''),
  content_type        text NOT NULL,
  size_bytes          bigint NOT NULL CONSTRAINT attachments_size_bytes_check CHECK (size_bytes >= 0),
  sha256              text NOT NULL CONSTRAINT attachments_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  blob_key            text NOT NULL,
  request_id          uuid,
  request_fingerprint bytea,
  create_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT attachments_pkey PRIMARY KEY (tenant_id, attachment_id),
  CONSTRAINT attachments_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT attachments_tenant_id_asset_id_fkey
    FOREIGN KEY (tenant_id, asset_id) REFERENCES assets.assets (tenant_id, asset_id) ON DELETE CASCADE
);
CREATE INDEX attachments_asset_idx ON assets.attachments (tenant_id, asset_id, attachment_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON assets.homes, assets.locations, assets.assets,
  assets.meter_readings, assets.attachments TO steward_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['homes', 'locations', 'assets', 'meter_readings', 'attachments'] LOOP
    EXECUTE format('ALTER TABLE assets.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE assets.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON assets.%I
      USING (tenant_id = accounts.current_tenant_id())
      WITH CHECK (tenant_id = accounts.current_tenant_id())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Object by object and without CASCADE, so nothing outside this migration goes
-- with it; tables go with their indexes and policies.
DROP TABLE assets.attachments;
DROP TABLE assets.meter_readings;
DROP TABLE assets.assets;
DROP TABLE assets.locations;
DROP TABLE assets.homes;
DROP TABLE assets.categories;
DROP SCHEMA assets;
