-- Asset Management's change feed: every change of a home, an asset or a
-- meter reading gets the next position of its tenant's feed, in commit order,
-- so a service keeping a copy (Maintenance) reads what changed by cursor
-- (ListAssetChanges) instead of rereading everything.
--
-- Why a counter row per tenant, bumped by the writing transaction: the row
-- stays locked until that transaction ends, so the next writer of the tenant
-- gets its position only after the previous one committed (or rolled back,
-- taking its position with it). Positions are then in commit order with no
-- gaps, and a reader that has seen position n has seen everything before it:
-- no change can later appear behind a cursor already handed out. A sequence
-- or an identity column would not do (a transaction that took 7 may commit
-- after one that took 8, so a reader passes 8 while 7 is still invisible).
-- pg_current_xact_id() with a pg_snapshot_xmin() horizon is also safe, but
-- one long transaction anywhere in the cluster, of any tenant, would hold
-- every tenant's feed back. The triggers are deferred to the commit, so the
-- counter serialises only the commits of one tenant's writes of these three
-- tables: transactions of a tenant run side by side until they commit, and
-- take the counter in the order they commit (a transaction that rolls back
-- never takes it).

-- requires: accounts

-- +goose Up
CREATE TABLE assets.change_counters (
  tenant_id uuid NOT NULL CONSTRAINT change_counters_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  last_seq  bigint NOT NULL CONSTRAINT change_counters_last_seq_check CHECK (last_seq > 0),
  CONSTRAINT change_counters_pkey PRIMARY KEY (tenant_id)
);

-- One change: which row, and whether it was deleted. The row itself is read
-- when the feed is, so a reading (immutable, and most of the feed) is not
-- stored twice. No foreign keys: the changes of deleted rows stay.
CREATE TABLE assets.changes (
  tenant_id   uuid NOT NULL,
  seq         bigint NOT NULL,
  kind        text NOT NULL CONSTRAINT changes_kind_check CHECK (kind IN ('home', 'asset', 'meter_reading')),
  deleted     boolean NOT NULL DEFAULT false,
  home_id     uuid NOT NULL,
  asset_id    uuid,
  reading_id  uuid,
  change_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT changes_pkey PRIMARY KEY (tenant_id, seq),
  CONSTRAINT changes_ids_check CHECK (
    (kind = 'home' AND asset_id IS NULL AND reading_id IS NULL) OR
    (kind = 'asset' AND asset_id IS NOT NULL AND reading_id IS NULL) OR
    (kind = 'meter_reading' AND asset_id IS NOT NULL AND reading_id IS NOT NULL))
);

GRANT SELECT, INSERT, UPDATE ON assets.change_counters TO steward_app;
GRANT SELECT, INSERT ON assets.changes TO steward_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['change_counters', 'changes'] LOOP
    EXECUTE format('ALTER TABLE assets.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE assets.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON assets.%I
      USING (tenant_id = accounts.current_tenant_id())
      WITH CHECK (tenant_id = accounts.current_tenant_id())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- Runs as the writer (no SECURITY DEFINER): the change row is the written
-- row's tenant, which row-level security has just let the writer write.
-- +goose StatementBegin
CREATE FUNCTION assets.record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r         record;
  v_kind    text;
  v_home    uuid;
  v_asset   uuid;
  v_reading uuid;
  v_seq     bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  CASE TG_TABLE_NAME
    WHEN 'homes' THEN
      v_kind := 'home'; v_home := r.home_id;
    WHEN 'assets' THEN
      v_kind := 'asset'; v_home := r.home_id; v_asset := r.asset_id;
    WHEN 'meter_readings' THEN
      v_kind := 'meter_reading'; v_asset := r.asset_id; v_reading := r.reading_id;
      SELECT a.home_id INTO v_home FROM assets.assets a WHERE a.tenant_id = r.tenant_id AND a.asset_id = r.asset_id;
      IF NOT FOUND THEN
        RETURN NULL; -- the asset went later in the transaction, and the reading with it
      END IF;
  END CASE;
  INSERT INTO assets.change_counters AS c (tenant_id, last_seq) VALUES (r.tenant_id, 1)
  ON CONFLICT (tenant_id) DO UPDATE SET last_seq = c.last_seq + 1
  RETURNING c.last_seq INTO v_seq;
  INSERT INTO assets.changes (tenant_id, seq, kind, deleted, home_id, asset_id, reading_id)
  VALUES (r.tenant_id, v_seq, v_kind, TG_OP = 'DELETE', v_home, v_asset, v_reading);
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Constraint triggers, deferred: they run when their transaction commits,
-- each with the row as its write left it.
CREATE CONSTRAINT TRIGGER homes_record_change AFTER INSERT OR UPDATE OR DELETE ON assets.homes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assets.record_change();
CREATE CONSTRAINT TRIGGER assets_record_change AFTER INSERT OR UPDATE OR DELETE ON assets.assets
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assets.record_change();
-- Readings are never changed, and go only with their asset, whose deletion
-- is the change.
CREATE CONSTRAINT TRIGGER meter_readings_record_change AFTER INSERT ON assets.meter_readings
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assets.record_change();

-- The rows that exist already, as if each had just been written: homes,
-- then assets, then readings in time order, so a reader meets a home before
-- its assets and an asset before its readings. Row-level security is lifted
-- for the owner running this (inside the migration's transaction, so nobody
-- sees it lifted) to see every tenant.
ALTER TABLE assets.homes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE assets.assets NO FORCE ROW LEVEL SECURITY;
ALTER TABLE assets.meter_readings NO FORCE ROW LEVEL SECURITY;
ALTER TABLE assets.changes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE assets.change_counters NO FORCE ROW LEVEL SECURITY;
INSERT INTO assets.changes (tenant_id, seq, kind, home_id, asset_id, reading_id)
SELECT tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY ord, at, id), kind, home_id, asset_id, reading_id
FROM (
  SELECT tenant_id, 1 AS ord, create_time AS at, home_id AS id, 'home' AS kind, home_id, NULL::uuid AS asset_id, NULL::uuid AS reading_id
  FROM assets.homes
  UNION ALL
  SELECT tenant_id, 2, create_time, asset_id, 'asset', home_id, asset_id, NULL FROM assets.assets
  UNION ALL
  SELECT r.tenant_id, 3, r.read_time, r.reading_id, 'meter_reading', a.home_id, r.asset_id, r.reading_id
  FROM assets.meter_readings r JOIN assets.assets a ON a.tenant_id = r.tenant_id AND a.asset_id = r.asset_id
) existing;
INSERT INTO assets.change_counters (tenant_id, last_seq)
SELECT tenant_id, max(seq) FROM assets.changes GROUP BY tenant_id;
ALTER TABLE assets.homes FORCE ROW LEVEL SECURITY;
ALTER TABLE assets.assets FORCE ROW LEVEL SECURITY;
ALTER TABLE assets.meter_readings FORCE ROW LEVEL SECURITY;
ALTER TABLE assets.changes FORCE ROW LEVEL SECURITY;
ALTER TABLE assets.change_counters FORCE ROW LEVEL SECURITY;

-- +goose Down
DROP TRIGGER meter_readings_record_change ON assets.meter_readings;
DROP TRIGGER assets_record_change ON assets.assets;
DROP TRIGGER homes_record_change ON assets.homes;
DROP FUNCTION assets.record_change();
DROP TABLE assets.changes;
DROP TABLE assets.change_counters;
