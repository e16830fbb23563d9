-- Maintenance Intelligence (steward-maintenance). Its facts about homes,
-- assets and meter readings are copies kept current from Asset Management's
-- change feed (read through the Assets API by cursor, never from the assets
-- schema), so planning and the dashboard read one schema. tenant_id leads
-- every key.

-- requires: accounts

-- +goose Up
CREATE SCHEMA maintenance;
GRANT USAGE ON SCHEMA maintenance TO steward_app;

-- A home as Assets last reported it; hemisphere decides what "autumn" is.
CREATE TABLE maintenance.home_facts (
  tenant_id    uuid NOT NULL CONSTRAINT home_facts_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  home_id      uuid NOT NULL,
  display_name text NOT NULL,
  time_zone    text NOT NULL,
  hemisphere   text NOT NULL DEFAULT 'north' CONSTRAINT home_facts_hemisphere_check CHECK (hemisphere IN ('north', 'south')),
  deleted      boolean NOT NULL DEFAULT false,
  sync_time    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT home_facts_pkey PRIMARY KEY (tenant_id, home_id)
);

-- An asset as Assets last reported it. A deleted asset stays (its tasks keep
-- their history) with deleted set; its plans are retired.
CREATE TABLE maintenance.asset_facts (
  tenant_id                uuid NOT NULL,
  asset_id                 uuid NOT NULL,
  home_id                  uuid NOT NULL,
  display_name             text NOT NULL,
  category_id              text NOT NULL,
  install_date             date,
  purchase_date            date,
  purchase_cost_minor      bigint,
  purchase_cost_currency   char(3),
  expected_lifespan_months integer NOT NULL DEFAULT 0,
  warranty_expiry_date     date,
  status                   text NOT NULL DEFAULT 'in_service'
                           CONSTRAINT asset_facts_status_check CHECK (status IN ('in_service', 'out_of_service', 'retired')),
  deleted                  boolean NOT NULL DEFAULT false,
  sync_time                timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT asset_facts_pkey PRIMARY KEY (tenant_id, asset_id),
  CONSTRAINT asset_facts_tenant_id_home_id_fkey FOREIGN KEY (tenant_id, home_id) REFERENCES maintenance.home_facts (tenant_id, home_id)
);
CREATE INDEX asset_facts_home_idx ON maintenance.asset_facts (tenant_id, home_id);

-- Meter readings as Assets recorded them; the usage fit reads these.
CREATE TABLE maintenance.reading_facts (
  tenant_id  uuid NOT NULL,
  asset_id   uuid NOT NULL,
  reading_id uuid NOT NULL,
  meter      text NOT NULL,
  unit       text NOT NULL,
  value      double precision NOT NULL,
  read_time  timestamptz NOT NULL,
  reset      boolean NOT NULL DEFAULT false,
  CONSTRAINT reading_facts_pkey PRIMARY KEY (tenant_id, reading_id),
  CONSTRAINT reading_facts_tenant_id_asset_id_fkey FOREIGN KEY (tenant_id, asset_id) REFERENCES maintenance.asset_facts (tenant_id, asset_id)
);
CREATE INDEX reading_facts_asset_meter_idx ON maintenance.reading_facts (tenant_id, asset_id, meter, read_time);

-- How far each tenant's copy has read Assets' change feed.
CREATE TABLE maintenance.feed_cursors (
  tenant_id  uuid NOT NULL CONSTRAINT feed_cursors_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  source     text NOT NULL CONSTRAINT feed_cursors_source_check CHECK (source IN ('assets')),
  cursor     text NOT NULL DEFAULT '',
  sync_time  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT feed_cursors_pkey PRIMARY KEY (tenant_id, source)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON maintenance.home_facts, maintenance.asset_facts,
  maintenance.reading_facts, maintenance.feed_cursors TO steward_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['home_facts', 'asset_facts', 'reading_facts', 'feed_cursors'] LOOP
    EXECUTE format('ALTER TABLE maintenance.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE maintenance.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON maintenance.%I
      USING (tenant_id = accounts.current_tenant_id())
      WITH CHECK (tenant_id = accounts.current_tenant_id())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE maintenance.feed_cursors;
DROP TABLE maintenance.reading_facts;
DROP TABLE maintenance.asset_facts;
DROP TABLE maintenance.home_facts;
DROP SCHEMA maintenance;
