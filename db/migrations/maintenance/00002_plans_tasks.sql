-- STAND-IN of helper A's (m-core) 00002_plans_tasks.sql, written from the
-- columns DESIGN-9.md gives, so the dashboard can be built and tested before
-- A's lands. At the merge of m-core, A's file replaces this one whole.

-- requires: accounts

-- +goose Up
CREATE TABLE maintenance.plans (
  tenant_id      uuid NOT NULL,
  plan_id        uuid NOT NULL,
  home_id        uuid NOT NULL,
  asset_id       uuid,
  template_id    text,
  display_name   text NOT NULL,
  description    text NOT NULL DEFAULT '',
  interval_count integer,
  interval_unit  text,
  meter          text,
  meter_unit     text,
  meter_interval double precision,
  anchor         text NOT NULL DEFAULT 'fixed',
  season         text,
  lead_days      integer NOT NULL DEFAULT 0,
  start_date     date NOT NULL,
  state          text NOT NULL DEFAULT 'active',
  last_done_date date,
  last_done_meter double precision,
  revision       bigint NOT NULL DEFAULT 1,
  create_time    timestamptz NOT NULL DEFAULT now(),
  update_time    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT plans_pkey PRIMARY KEY (tenant_id, plan_id),
  CONSTRAINT plans_tenant_id_home_id_fkey FOREIGN KEY (tenant_id, home_id) REFERENCES maintenance.home_facts (tenant_id, home_id),
  CONSTRAINT plans_tenant_id_asset_id_fkey FOREIGN KEY (tenant_id, asset_id) REFERENCES maintenance.asset_facts (tenant_id, asset_id)
);

CREATE TABLE maintenance.tasks (
  tenant_id      uuid NOT NULL,
  task_id        uuid NOT NULL,
  home_id        uuid NOT NULL,
  asset_id       uuid,
  plan_id        uuid,
  occurrence     date,
  kind           text NOT NULL DEFAULT 'maintenance',
  title          text NOT NULL,
  description    text NOT NULL DEFAULT '',
  state          text NOT NULL DEFAULT 'open',
  due_date       date NOT NULL,
  lead_days      integer NOT NULL DEFAULT 0,
  due_meter      double precision,
  completed_time timestamptz,
  completed_by   uuid,
  notes          text NOT NULL DEFAULT '',
  cost_minor     bigint,
  cost_currency  char(3),
  meter_value    double precision,
  reading_id     uuid,
  revision       bigint NOT NULL DEFAULT 1,
  create_time    timestamptz NOT NULL DEFAULT now(),
  update_time    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tasks_pkey PRIMARY KEY (tenant_id, task_id),
  CONSTRAINT tasks_tenant_id_plan_id_occurrence_key UNIQUE (tenant_id, plan_id, occurrence),
  CONSTRAINT tasks_tenant_id_home_id_fkey FOREIGN KEY (tenant_id, home_id) REFERENCES maintenance.home_facts (tenant_id, home_id),
  CONSTRAINT tasks_tenant_id_asset_id_fkey FOREIGN KEY (tenant_id, asset_id) REFERENCES maintenance.asset_facts (tenant_id, asset_id)
);

CREATE TABLE maintenance.task_parts (
  tenant_id   uuid NOT NULL,
  task_id     uuid NOT NULL,
  position    integer NOT NULL,
  description text NOT NULL,
  quantity    integer NOT NULL DEFAULT 1,
  cost_minor  bigint,
  CONSTRAINT task_parts_pkey PRIMARY KEY (tenant_id, task_id, position),
  CONSTRAINT task_parts_tenant_id_task_id_fkey FOREIGN KEY (tenant_id, task_id) REFERENCES maintenance.tasks (tenant_id, task_id) ON DELETE CASCADE
);

GRANT SELECT, INSERT, UPDATE, DELETE ON maintenance.plans, maintenance.tasks, maintenance.task_parts TO steward_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['plans', 'tasks', 'task_parts'] LOOP
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
DROP TABLE maintenance.task_parts;
DROP TABLE maintenance.tasks;
DROP TABLE maintenance.plans;
