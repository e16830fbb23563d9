-- What Maintenance predicts of each plan and makes of each asset's health
-- (services/maintenance/internal/insight): recomputed nightly for every
-- asset of a tenant and on demand for one, read by GetAssetInsight and the
-- dashboard's riskiest assets. Rows are replaced whole on each computation.

-- requires: accounts

-- +goose Up

-- A plan's predicted next due date in the home's zone, with its 95% range.
-- Dates are NULL when nothing could be predicted (no trigger to go by, or a
-- usage limit more than three years ahead).
CREATE TABLE maintenance.plan_predictions (
  tenant_id     uuid NOT NULL,
  plan_id       uuid NOT NULL,
  asset_id      uuid NOT NULL,
  method        text NOT NULL CONSTRAINT plan_predictions_method_check CHECK (method IN ('none', 'calendar', 'usage', 'seasonal')),
  trigger       text NOT NULL CONSTRAINT plan_predictions_trigger_check CHECK (trigger IN ('none', 'calendar', 'usage')),
  predicted_date date,
  earliest_date  date,
  latest_date    date,
  weekly_usage   double precision NOT NULL DEFAULT 0,
  explanation    text NOT NULL,
  compute_time   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT plan_predictions_pkey PRIMARY KEY (tenant_id, plan_id),
  CONSTRAINT plan_predictions_tenant_id_plan_id_fkey FOREIGN KEY (tenant_id, plan_id)
    REFERENCES maintenance.plans (tenant_id, plan_id) ON DELETE CASCADE,
  CONSTRAINT plan_predictions_tenant_id_asset_id_fkey FOREIGN KEY (tenant_id, asset_id)
    REFERENCES maintenance.asset_facts (tenant_id, asset_id),
  CONSTRAINT plan_predictions_range_check CHECK (earliest_date <= predicted_date AND predicted_date <= latest_date)
);
CREATE INDEX plan_predictions_asset_idx ON maintenance.plan_predictions (tenant_id, asset_id);

-- An asset's health score (0 to 100), the reasons for it as
-- [{"kind": "overdue", "points": 8, "description": "..."}], and the
-- repair-or-replace hint. Repair spend is in the purchase currency.
CREATE TABLE maintenance.asset_health (
  tenant_id             uuid NOT NULL,
  asset_id              uuid NOT NULL,
  score                 integer NOT NULL CONSTRAINT asset_health_score_check CHECK (score BETWEEN 0 AND 100),
  reasons               jsonb NOT NULL CONSTRAINT asset_health_reasons_check CHECK (jsonb_typeof(reasons) = 'array'),
  hint                  text NOT NULL CONSTRAINT asset_health_hint_check CHECK (hint IN ('none', 'repair', 'replace')),
  hint_description      text NOT NULL DEFAULT '',
  repair_spend_minor    bigint NOT NULL DEFAULT 0 CONSTRAINT asset_health_repair_spend_minor_check CHECK (repair_spend_minor >= 0),
  repair_spend_currency char(3) CONSTRAINT asset_health_repair_spend_currency_check CHECK (repair_spend_currency ~ '^[A-Z]{3}$'),
  repair_spend_percent  integer NOT NULL DEFAULT 0,
  compute_time          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT asset_health_pkey PRIMARY KEY (tenant_id, asset_id),
  CONSTRAINT asset_health_tenant_id_asset_id_fkey FOREIGN KEY (tenant_id, asset_id)
    REFERENCES maintenance.asset_facts (tenant_id, asset_id)
);
-- The dashboard's riskiest assets: lowest scores first.
CREATE INDEX asset_health_score_idx ON maintenance.asset_health (tenant_id, score, asset_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON maintenance.plan_predictions, maintenance.asset_health TO steward_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['plan_predictions', 'asset_health'] LOOP
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
DROP TABLE maintenance.asset_health;
DROP TABLE maintenance.plan_predictions;
