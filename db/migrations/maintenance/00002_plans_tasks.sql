-- Maintenance plans, the catalogue of plan templates they are made from,
-- and the tasks (work orders) plans generate or people add by hand. A plan's
-- trigger is a calendar interval (fixed to its start date or floating from
-- the last completion), a season of the home's hemisphere, a meter interval,
-- or a calendar or season with a meter (whichever comes first); the
-- arithmetic is services/maintenance/internal/recurrence's.

-- requires: accounts

-- +goose Up

-- The shared catalogue: no tenant, read by every tenant (Unscoped queries),
-- written only here. Meter names and units are those households record in
-- Asset Management ("runtime" in hours, "odometer" in kilometres, "cycles").
CREATE TABLE maintenance.plan_templates (
  template_id    text CONSTRAINT plan_templates_pkey PRIMARY KEY
                 CONSTRAINT plan_templates_template_id_check CHECK (template_id ~ '^[a-z0-9-]{1,63}$'),
  category_id    text NOT NULL CONSTRAINT plan_templates_category_id_check CHECK (category_id ~ '^[a-z0-9-]{1,63}$'),
  display_name   text NOT NULL,
  description    text NOT NULL,
  interval_count integer,
  interval_unit  text CONSTRAINT plan_templates_interval_unit_check CHECK (interval_unit IN ('day', 'week', 'month', 'year')),
  meter          text,
  meter_unit     text CONSTRAINT plan_templates_meter_unit_check CHECK (meter_unit IN ('hours', 'cycles', 'kilometers', 'kilowatt_hours')),
  meter_interval double precision,
  anchor         text NOT NULL CONSTRAINT plan_templates_anchor_check CHECK (anchor IN ('fixed', 'floating')),
  season         text CONSTRAINT plan_templates_season_check CHECK (season IN ('spring', 'summer', 'autumn', 'winter')),
  lead_days      integer NOT NULL,
  CONSTRAINT plan_templates_trigger_check CHECK (interval_count IS NOT NULL OR season IS NOT NULL OR meter_interval IS NOT NULL)
);
CREATE INDEX plan_templates_category_idx ON maintenance.plan_templates (category_id, template_id);
GRANT SELECT ON maintenance.plan_templates TO steward_app;

INSERT INTO maintenance.plan_templates (template_id, category_id, display_name, description,
  interval_count, interval_unit, meter, meter_unit, meter_interval, anchor, season, lead_days) VALUES
  ('furnace-service',          'hvac-furnace',           'Furnace service',                      'Tune-up before the heating season: burner, heat exchanger, flue and safety controls', NULL, NULL, NULL, NULL, NULL, 'fixed', 'autumn', 21),
  ('furnace-filter',           'hvac-furnace',           'Replace the furnace filter',           'A clogged filter costs airflow and efficiency; change it every 90 days or 500 run-hours', 90, 'day', 'runtime', 'hours', 500, 'floating', NULL, 7),
  ('air-conditioner-service',  'hvac-air-conditioner',   'Air conditioner service',              'Refrigerant charge, electrical connections and condensate drain before the cooling season', NULL, NULL, NULL, NULL, NULL, 'fixed', 'spring', 21),
  ('air-conditioner-filter',   'hvac-air-conditioner',   'Replace the air handler filter',       'Every 90 days or 500 run-hours, whichever comes first', 90, 'day', 'runtime', 'hours', 500, 'floating', NULL, 7),
  ('air-conditioner-coil',     'hvac-air-conditioner',   'Clean the condenser coil',             'Hose the outdoor coil clear of leaves, pollen and grass clippings', 1, 'year', NULL, NULL, NULL, 'floating', NULL, 14),
  ('heat-pump-service',        'hvac-heat-pump',         'Heat pump service',                    'Defrost cycle, refrigerant, reversing valve and coils', NULL, NULL, NULL, NULL, NULL, 'fixed', 'autumn', 21),
  ('heat-pump-filter',         'hvac-heat-pump',         'Replace the heat pump filter',         'Every 90 days or 500 run-hours, whichever comes first', 90, 'day', 'runtime', 'hours', 500, 'floating', NULL, 7),
  ('boiler-service',           'hvac-boiler',            'Boiler service',                       'Annual service and flue gas analysis by a registered engineer', NULL, NULL, NULL, NULL, NULL, 'fixed', 'autumn', 28),
  ('boiler-pressure',          'hvac-boiler',            'Check the boiler pressure',            'Top up to 1–1.5 bar cold; bleed radiators if it keeps dropping', 3, 'month', NULL, NULL, NULL, 'floating', NULL, 7),
  ('mini-split-filters',       'hvac-mini-split',        'Clean the indoor unit filters',        'Rinse the mesh filters of each head', 1, 'month', NULL, NULL, NULL, 'floating', NULL, 3),
  ('water-heater-flush',       'water-heater',           'Flush the water heater',               'Drain a few gallons to clear sediment from the tank', 1, 'year', NULL, NULL, NULL, 'floating', NULL, 14),
  ('water-heater-relief-valve','water-heater',           'Test the relief valve',                'Lift the temperature and pressure relief valve lever; it should snap back and stop', 1, 'year', NULL, NULL, NULL, 'fixed', NULL, 14),
  ('water-heater-anode',       'water-heater',           'Inspect the anode rod',                'Replace it when more than half is eaten away', 3, 'year', NULL, NULL, NULL, 'floating', NULL, 30),
  ('water-softener-salt',      'water-softener',         'Top up the softener salt',             'Keep the brine tank at least a quarter full', 1, 'month', NULL, NULL, NULL, 'floating', NULL, 3),
  ('water-softener-resin',     'water-softener',         'Clean the softener resin',             'Run a resin cleaner through a regeneration', 1, 'year', NULL, NULL, NULL, 'floating', NULL, 14),
  ('water-filter-cartridge',   'water-filtration',       'Replace the filter cartridges',        'Sediment and carbon cartridges', 6, 'month', NULL, NULL, NULL, 'floating', NULL, 7),
  ('sump-pump-test',           'sump-pump',              'Test the sump pump',                   'Pour water into the pit until the float starts the pump; check the discharge line', NULL, NULL, NULL, NULL, NULL, 'fixed', 'spring', 14),
  ('well-water-test',          'well-pump',              'Test the well water',                  'Bacteria, nitrates and pH at a certified laboratory', 1, 'year', NULL, NULL, NULL, 'fixed', NULL, 30),
  ('septic-pump-out',          'septic-system',          'Pump out the septic tank',             'Every three years for a typical household', 3, 'year', NULL, NULL, NULL, 'floating', NULL, 30),
  ('plumbing-leak-check',      'plumbing-fixture',       'Check fixtures for leaks',             'Dripping taps, running toilets, cracked seals around tubs and showers', 6, 'month', NULL, NULL, NULL, 'floating', NULL, 7),
  ('main-shutoff-exercise',    'plumbing-supply',        'Exercise the main shut-off valve',     'Close and reopen it so that it turns when you need it', 1, 'year', NULL, NULL, NULL, 'fixed', NULL, 14),
  ('roof-inspection',          'roof',                   'Inspect the roof',                     'Missing or lifted shingles, flashing, moss; after the winter storms', NULL, NULL, NULL, NULL, NULL, 'fixed', 'spring', 21),
  ('gutters-spring',           'gutters',                'Clean the gutters (spring)',           'Clear blossom and seed pods; check the downspouts run free', NULL, NULL, NULL, NULL, NULL, 'fixed', 'spring', 14),
  ('gutters-autumn',           'gutters',                'Clean the gutters (autumn)',           'Clear the fallen leaves before the winter rain', NULL, NULL, NULL, NULL, NULL, 'fixed', 'autumn', 14),
  ('siding-wash',              'siding',                 'Wash and inspect the siding',          'Look for cracks, rot and gaps to caulk', 1, 'year', NULL, NULL, NULL, 'floating', NULL, 14),
  ('window-seals',             'windows',                'Check window seals',                   'Weatherstripping, caulk and fogged double glazing before the cold', NULL, NULL, NULL, NULL, NULL, 'fixed', 'autumn', 14),
  ('door-weatherstripping',    'doors',                  'Check door weatherstripping',          'Replace worn seals and sweeps', NULL, NULL, NULL, NULL, NULL, 'fixed', 'autumn', 14),
  ('garage-door-reverse-test', 'garage-door-opener',     'Test the auto-reverse',                'A board under the door must make it reverse; check the photo eyes', 1, 'month', NULL, NULL, NULL, 'fixed', NULL, 3),
  ('garage-door-lubricate',    'garage-door-opener',     'Lubricate the garage door',            'Rollers, hinges, springs and the opener chain or screw', 6, 'month', NULL, NULL, NULL, 'floating', NULL, 7),
  ('foundation-inspection',    'foundation',             'Inspect the foundation',               'New cracks, damp patches and grading that drains towards the house', NULL, NULL, NULL, NULL, NULL, 'fixed', 'spring', 21),
  ('breaker-test',             'electrical-panel',       'Test the GFCI and AFCI breakers',      'Press each test button; each must trip', 6, 'month', NULL, NULL, NULL, 'fixed', NULL, 7),
  ('generator-exercise',       'electrical-generator',   'Run the generator under load',         'Half an hour under load keeps the engine and transfer switch working', 1, 'month', NULL, NULL, NULL, 'fixed', NULL, 3),
  ('generator-oil',            'electrical-generator',   'Change the generator oil',             'Every 100 run-hours or yearly, whichever comes first', 1, 'year', 'runtime', 'hours', 100, 'floating', NULL, 14),
  ('solar-panel-clean',        'solar-pv',               'Clean the panels and check the inverter', 'Dust and bird droppings cost output; read the inverter''s fault log', 1, 'year', NULL, NULL, NULL, 'floating', NULL, 14),
  ('ev-charger-inspection',    'ev-charger',             'Inspect the EV charger',               'Cable, connector and the charger''s ground-fault test', 1, 'year', NULL, NULL, NULL, 'floating', NULL, 14),
  ('smoke-alarm-test',         'smoke-detector',         'Test the smoke alarms',                'Press the test button on every alarm', 1, 'month', NULL, NULL, NULL, 'fixed', NULL, 3),
  ('smoke-alarm-battery',      'smoke-detector',         'Replace the smoke alarm batteries',    'Once a year, whether or not they chirp', 1, 'year', NULL, NULL, NULL, 'fixed', NULL, 14),
  ('smoke-alarm-replace',      'smoke-detector',         'Replace the smoke alarms',             'Sensors wear out after ten years', 10, 'year', NULL, NULL, NULL, 'fixed', NULL, 60),
  ('co-alarm-test',            'co-detector',            'Test the carbon monoxide alarms',      'Press the test button on every alarm', 1, 'month', NULL, NULL, NULL, 'fixed', NULL, 3),
  ('co-alarm-battery',         'co-detector',            'Replace the carbon monoxide alarm batteries', 'Once a year', 1, 'year', NULL, NULL, NULL, 'fixed', NULL, 14),
  ('extinguisher-check',       'fire-extinguisher',      'Check the fire extinguishers',         'Gauge in the green, pin and seal intact, no damage', 1, 'month', NULL, NULL, NULL, 'fixed', NULL, 3),
  ('security-system-test',     'security-system',        'Test the alarm sensors and battery',   'Walk test every sensor; check the backup battery', 3, 'month', NULL, NULL, NULL, 'floating', NULL, 7),
  ('fridge-coils',             'appliance-refrigerator', 'Vacuum the refrigerator coils',        'Dusty condenser coils make the compressor run longer', 1, 'year', NULL, NULL, NULL, 'floating', NULL, 14),
  ('fridge-water-filter',      'appliance-refrigerator', 'Replace the refrigerator water filter', 'Every six months', 6, 'month', NULL, NULL, NULL, 'floating', NULL, 7),
  ('dishwasher-filter',        'appliance-dishwasher',   'Clean the dishwasher filter',          'Twist out the filter and rinse it', 1, 'month', NULL, NULL, NULL, 'floating', NULL, 3),
  ('range-hood-filter',        'range-hood',             'Degrease the range hood filters',      'Soak the metal filters in hot water and detergent', 3, 'month', NULL, NULL, NULL, 'floating', NULL, 7),
  ('washer-hoses',             'appliance-washer',       'Replace the washing machine hoses',    'Rubber fill hoses burst with age; braided ones last longer', 5, 'year', NULL, NULL, NULL, 'floating', NULL, 30),
  ('washer-clean',             'appliance-washer',       'Run a drum cleaning cycle',            'Every 30 washes or monthly, whichever comes first', 1, 'month', 'cycles', 'cycles', 30, 'floating', NULL, 3),
  ('dryer-vent',               'appliance-dryer',        'Clean the dryer vent',                 'Lint in the duct is a fire risk; clean it to the outside hood', 1, 'year', NULL, NULL, NULL, 'floating', NULL, 14),
  ('disposal-clean',           'appliance-disposal',     'Clean the garbage disposal',           'Ice and coarse salt, then citrus peel', 1, 'month', NULL, NULL, NULL, 'floating', NULL, 3),
  ('ventilation-fans',         'ventilation',            'Clean the fans and ventilation filters', 'Bath fan grilles; the ERV or HRV filters and core', 6, 'month', NULL, NULL, NULL, 'floating', NULL, 7),
  ('chimney-sweep',            'fireplace',              'Sweep and inspect the chimney',        'Creosote, the cap and the damper before the first fire', NULL, NULL, NULL, NULL, NULL, 'fixed', 'autumn', 28),
  ('deck-inspection',          'deck',                   'Inspect the deck',                     'Loose boards, popped nails, rot at the posts and ledger', NULL, NULL, NULL, NULL, NULL, 'fixed', 'spring', 14),
  ('deck-seal',                'deck',                   'Reseal the deck',                      'When water stops beading on the boards', 2, 'year', NULL, NULL, NULL, 'floating', NULL, 30),
  ('irrigation-startup',       'irrigation',             'Start up the irrigation',              'Open the supply, check heads and zones for leaks', NULL, NULL, NULL, NULL, NULL, 'fixed', 'spring', 14),
  ('irrigation-winterize',     'irrigation',             'Winterize the irrigation',             'Blow out the lines before the first frost', NULL, NULL, NULL, NULL, NULL, 'fixed', 'autumn', 14),
  ('pool-filter',              'pool-equipment',         'Clean the pool filter',                'Every 100 pump hours or monthly, whichever comes first', 1, 'month', 'runtime', 'hours', 100, 'floating', NULL, 3),
  ('mower-oil',                'lawn-equipment',         'Change the mower oil',                 'Every 50 engine hours or yearly, whichever comes first', 1, 'year', 'runtime', 'hours', 50, 'floating', NULL, 14),
  ('mower-blade',              'lawn-equipment',         'Sharpen the mower blade',              'Before the mowing season', NULL, NULL, NULL, NULL, NULL, 'fixed', 'spring', 14),
  ('vehicle-oil',              'vehicle',                'Change the oil and filter',            'Every 10,000 km or 12 months, whichever comes first', 12, 'month', 'odometer', 'kilometers', 10000, 'floating', NULL, 14),
  ('vehicle-tyres',            'vehicle',                'Rotate the tyres',                     'Every 10,000 km', NULL, NULL, 'odometer', 'kilometers', 10000, 'floating', NULL, 14);

-- A plan for one asset: from a template (template_id; one plan per template
-- and asset, so applying templates twice adds nothing) or the household's
-- own. Its home is the asset's, copied so that names and lists by home need
-- no join. last_done_* is where a floating plan counts from.
CREATE TABLE maintenance.plans (
  tenant_id           uuid NOT NULL,
  plan_id             uuid NOT NULL,
  home_id             uuid NOT NULL,
  asset_id            uuid NOT NULL,
  template_id         text CONSTRAINT plans_template_id_fkey REFERENCES maintenance.plan_templates (template_id),
  display_name        text NOT NULL CONSTRAINT plans_display_name_check CHECK (display_name <> '' AND length(display_name) <= 200),
  description         text NOT NULL DEFAULT '' CONSTRAINT plans_description_check CHECK (length(description) <= 2000),
  interval_count      integer CONSTRAINT plans_interval_count_check CHECK (interval_count BETWEEN 1 AND 1000),
  interval_unit       text CONSTRAINT plans_interval_unit_check CHECK (interval_unit IN ('day', 'week', 'month', 'year')),
  meter               text CONSTRAINT plans_meter_check CHECK (meter ~ '^[a-z][a-z0-9-]{0,62}$'),
  meter_unit          text CONSTRAINT plans_meter_unit_check CHECK (meter_unit IN ('hours', 'cycles', 'kilometers', 'kilowatt_hours')),
  meter_interval      double precision CONSTRAINT plans_meter_interval_check CHECK (meter_interval > 0 AND meter_interval <= 1e9),
  anchor              text NOT NULL CONSTRAINT plans_anchor_check CHECK (anchor IN ('fixed', 'floating')),
  season              text CONSTRAINT plans_season_check CHECK (season IN ('spring', 'summer', 'autumn', 'winter')),
  lead_days           integer NOT NULL CONSTRAINT plans_lead_days_check CHECK (lead_days BETWEEN 0 AND 365),
  start_date          date NOT NULL,
  state               text NOT NULL DEFAULT 'active' CONSTRAINT plans_state_check CHECK (state IN ('active', 'paused', 'retired')),
  last_done_date      date,
  last_done_meter     double precision,
  request_id          uuid,
  request_fingerprint bytea, -- sha256 of the create request without its request_id
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT plans_pkey PRIMARY KEY (tenant_id, plan_id),
  CONSTRAINT plans_tenant_id_asset_id_fkey FOREIGN KEY (tenant_id, asset_id) REFERENCES maintenance.asset_facts (tenant_id, asset_id),
  CONSTRAINT plans_tenant_id_asset_id_template_id_key UNIQUE (tenant_id, asset_id, template_id),
  CONSTRAINT plans_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT plans_trigger_check CHECK (interval_count IS NOT NULL OR season IS NOT NULL OR meter_interval IS NOT NULL),
  CONSTRAINT plans_interval_pair_check CHECK ((interval_count IS NULL) = (interval_unit IS NULL)),
  CONSTRAINT plans_meter_pair_check CHECK ((meter IS NULL) = (meter_interval IS NULL) AND (meter IS NULL) = (meter_unit IS NULL)),
  CONSTRAINT plans_season_interval_check CHECK (season IS NULL OR interval_count IS NULL)
);
CREATE INDEX plans_asset_idx ON maintenance.plans (tenant_id, asset_id);
CREATE INDEX plans_active_idx ON maintenance.plans (tenant_id, plan_id) WHERE state = 'active';

-- A task: one occurrence of a plan (plan_id, occurrence), or ad hoc (both
-- NULL). state is what people did; UPCOMING, DUE and OVERDUE are derived
-- from due_date, lead_days and the home's local today. A plan has at most
-- one open task (tasks_one_open_per_plan_idx) and each occurrence is one
-- task (tasks_tenant_id_plan_id_occurrence_key): the generator inserts with
-- ON CONFLICT DO NOTHING, so running it twice, even concurrently, adds
-- nothing. A deleted plan leaves its done tasks as history (plan_id NULL).
CREATE TABLE maintenance.tasks (
  tenant_id           uuid NOT NULL,
  task_id             uuid NOT NULL,
  home_id             uuid NOT NULL,
  asset_id            uuid,
  plan_id             uuid,
  occurrence          date,
  kind                text NOT NULL CONSTRAINT tasks_kind_check CHECK (kind IN ('maintenance', 'repair', 'inspection')),
  title               text NOT NULL CONSTRAINT tasks_title_check CHECK (title <> '' AND length(title) <= 200),
  description         text NOT NULL DEFAULT '' CONSTRAINT tasks_description_check CHECK (length(description) <= 2000),
  state               text NOT NULL DEFAULT 'open'
                      CONSTRAINT tasks_state_check CHECK (state IN ('open', 'in_progress', 'done', 'skipped', 'cancelled')),
  due_date            date NOT NULL,
  lead_days           integer NOT NULL CONSTRAINT tasks_lead_days_check CHECK (lead_days BETWEEN 0 AND 365),
  due_meter           double precision,
  start_time          timestamptz,
  started_by          uuid,
  completed_time      timestamptz,
  completed_by        uuid,
  notes               text NOT NULL DEFAULT '' CONSTRAINT tasks_notes_check CHECK (length(notes) <= 4000),
  cost_minor          bigint CONSTRAINT tasks_cost_minor_check CHECK (cost_minor >= 0),
  cost_currency       char(3) CONSTRAINT tasks_cost_currency_check CHECK (cost_currency ~ '^[A-Z]{3}$'),
  meter_value         double precision,
  reading_id          uuid,
  skip_reason         text NOT NULL DEFAULT '' CONSTRAINT tasks_skip_reason_check CHECK (length(skip_reason) <= 500),
  closed_time         timestamptz,
  closed_by           uuid,
  request_id          uuid,
  request_fingerprint bytea, -- sha256 of the create request without its request_id
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tasks_pkey PRIMARY KEY (tenant_id, task_id),
  CONSTRAINT tasks_tenant_id_home_id_fkey FOREIGN KEY (tenant_id, home_id) REFERENCES maintenance.home_facts (tenant_id, home_id),
  CONSTRAINT tasks_tenant_id_asset_id_fkey FOREIGN KEY (tenant_id, asset_id) REFERENCES maintenance.asset_facts (tenant_id, asset_id),
  CONSTRAINT tasks_tenant_id_plan_id_fkey FOREIGN KEY (tenant_id, plan_id) REFERENCES maintenance.plans (tenant_id, plan_id)
    ON DELETE SET NULL (plan_id),
  CONSTRAINT tasks_tenant_id_plan_id_occurrence_key UNIQUE (tenant_id, plan_id, occurrence),
  CONSTRAINT tasks_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT tasks_plan_occurrence_check CHECK (plan_id IS NULL OR occurrence IS NOT NULL),
  CONSTRAINT tasks_cost_pair_check CHECK ((cost_minor IS NULL) = (cost_currency IS NULL)),
  CONSTRAINT tasks_done_check CHECK ((state = 'done') = (completed_time IS NOT NULL))
);
-- The status a task reports on the home's local date today (lower case):
-- the one definition for every query that filters or counts by it.
-- +goose StatementBegin
CREATE FUNCTION maintenance.task_status(state text, due_date date, lead_days integer, today date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN state <> 'open' THEN state
    WHEN today > due_date THEN 'overdue'
    WHEN today < due_date - lead_days THEN 'upcoming'
    ELSE 'due'
  END
$$;
-- +goose StatementEnd

CREATE UNIQUE INDEX tasks_one_open_per_plan_idx ON maintenance.tasks (tenant_id, plan_id)
  WHERE plan_id IS NOT NULL AND state IN ('open', 'in_progress');
CREATE INDEX tasks_home_due_idx ON maintenance.tasks (tenant_id, home_id, due_date);
CREATE INDEX tasks_asset_idx ON maintenance.tasks (tenant_id, asset_id);

-- The parts a completion used, in the order given; their costs are in the
-- task's currency and part of its cost.
CREATE TABLE maintenance.task_parts (
  tenant_id     uuid NOT NULL,
  task_id       uuid NOT NULL,
  position      integer NOT NULL CONSTRAINT task_parts_position_check CHECK (position BETWEEN 1 AND 50),
  description   text NOT NULL CONSTRAINT task_parts_description_check CHECK (description <> '' AND length(description) <= 200),
  part_number   text NOT NULL DEFAULT '' CONSTRAINT task_parts_part_number_check CHECK (length(part_number) <= 100),
  quantity      integer NOT NULL CONSTRAINT task_parts_quantity_check CHECK (quantity BETWEEN 1 AND 10000),
  cost_minor    bigint CONSTRAINT task_parts_cost_minor_check CHECK (cost_minor >= 0),
  cost_currency char(3) CONSTRAINT task_parts_cost_currency_check CHECK (cost_currency ~ '^[A-Z]{3}$'),
  CONSTRAINT task_parts_pkey PRIMARY KEY (tenant_id, task_id, position),
  CONSTRAINT task_parts_tenant_id_task_id_fkey FOREIGN KEY (tenant_id, task_id) REFERENCES maintenance.tasks (tenant_id, task_id) ON DELETE CASCADE,
  CONSTRAINT task_parts_cost_pair_check CHECK ((cost_minor IS NULL) = (cost_currency IS NULL))
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
DROP FUNCTION maintenance.task_status;
DROP TABLE maintenance.task_parts;
DROP TABLE maintenance.tasks;
DROP TABLE maintenance.plans;
DROP TABLE maintenance.plan_templates;
