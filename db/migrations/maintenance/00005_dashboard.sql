-- The household dashboard's cache invalidation and the homes' iCalendar
-- feeds (steward-maintenance, helper E of issue 9).
--
-- Every server instance caches a tenant's dashboard for up to five minutes,
-- keyed by the tenant's row in dashboard_versions. Statement-level triggers
-- on every table the dashboard reads bump that row in the writer's own
-- transaction, so the bump commits (or rolls back) with the change, and a
-- read on any instance sees a new version as soon as the change is visible.
-- A statement that changes no row bumps nothing (the transition table is
-- empty), so an idle sync costs the cache nothing.

-- requires: accounts
-- After 00004 (asset_health, the insight job's scores, which the dashboard
-- lists as the riskiest assets).

-- +goose Up
CREATE TABLE maintenance.dashboard_versions (
  tenant_id uuid NOT NULL CONSTRAINT dashboard_versions_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  version   bigint NOT NULL,
  CONSTRAINT dashboard_versions_pkey PRIMARY KEY (tenant_id)
);

-- A feed of one home's upcoming tasks behind a secret URL; only the
-- secret's sha256 is kept. Revoking deletes the row.
CREATE TABLE maintenance.calendar_feeds (
  tenant_id   uuid NOT NULL,
  feed_id     uuid NOT NULL,
  home_id     uuid NOT NULL,
  secret_hash bytea NOT NULL CONSTRAINT calendar_feeds_secret_hash_check CHECK (length(secret_hash) = 32),
  created_by  uuid NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT calendar_feeds_pkey PRIMARY KEY (tenant_id, feed_id),
  CONSTRAINT calendar_feeds_tenant_id_home_id_fkey FOREIGN KEY (tenant_id, home_id)
    REFERENCES maintenance.home_facts (tenant_id, home_id) ON DELETE CASCADE
);
CREATE INDEX calendar_feeds_home_idx ON maintenance.calendar_feeds (tenant_id, home_id, feed_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON maintenance.dashboard_versions, maintenance.calendar_feeds TO steward_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['dashboard_versions', 'calendar_feeds'] LOOP
    EXECUTE format('ALTER TABLE maintenance.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE maintenance.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON maintenance.%I
      USING (tenant_id = accounts.current_tenant_id())
      WITH CHECK (tenant_id = accounts.current_tenant_id())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- The rows a statement changed are its transition table "changed" (NEW
-- TABLE for inserts and updates, OLD TABLE for deletes). DISTINCT: one
-- upsert may not touch a row twice.
-- +goose StatementBegin
CREATE FUNCTION maintenance.bump_dashboard_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO maintenance.dashboard_versions AS v (tenant_id, version)
  SELECT DISTINCT tenant_id, 1 FROM changed ORDER BY tenant_id
  ON CONFLICT (tenant_id) DO UPDATE SET version = v.version + 1;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- One trigger per table and event: PostgreSQL allows a transition table
-- only on a single-event trigger.
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tasks', 'task_parts', 'plans', 'asset_facts', 'home_facts', 'reading_facts', 'asset_health'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON maintenance.%I REFERENCING NEW TABLE AS changed
      FOR EACH STATEMENT EXECUTE FUNCTION maintenance.bump_dashboard_version()', t || '_dashboard_insert', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON maintenance.%I REFERENCING NEW TABLE AS changed
      FOR EACH STATEMENT EXECUTE FUNCTION maintenance.bump_dashboard_version()', t || '_dashboard_update', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON maintenance.%I REFERENCING OLD TABLE AS changed
      FOR EACH STATEMENT EXECUTE FUNCTION maintenance.bump_dashboard_version()', t || '_dashboard_delete', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- What the dashboard's statements read, measured with make bench-dashboard
-- (bench/README.md): a household's open work by due date, and its completed
-- work with a cost by completion time, the cost and asset beside it (an
-- index-only range scan per home and month), both small partial indexes
-- next to ten years of done tasks.
CREATE INDEX tasks_dashboard_open_idx ON maintenance.tasks (tenant_id, home_id, due_date)
  WHERE state IN ('open', 'in_progress');
CREATE INDEX tasks_dashboard_spend_idx ON maintenance.tasks (tenant_id, home_id, completed_time)
  INCLUDE (asset_id, cost_minor, cost_currency) WHERE state = 'done' AND cost_minor IS NOT NULL;

-- +goose Down
DROP INDEX maintenance.tasks_dashboard_spend_idx;
DROP INDEX maintenance.tasks_dashboard_open_idx;
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tasks', 'task_parts', 'plans', 'asset_facts', 'home_facts', 'reading_facts', 'asset_health'] LOOP
    EXECUTE format('DROP TRIGGER %I ON maintenance.%I', t || '_dashboard_insert', t);
    EXECUTE format('DROP TRIGGER %I ON maintenance.%I', t || '_dashboard_update', t);
    EXECUTE format('DROP TRIGGER %I ON maintenance.%I', t || '_dashboard_delete', t);
  END LOOP;
END
$$;
-- +goose StatementEnd
DROP FUNCTION maintenance.bump_dashboard_version();
DROP TABLE maintenance.calendar_feeds;
DROP TABLE maintenance.dashboard_versions;
