-- Invoicing (steward-invoicing): billing settings, price lists, invoices and
-- their lines, gapless number sequences, credit notes, payments, Stripe
-- events and billing runs. Families, students, classes and terms are
-- Booking's: kept here by id, read through Booking's API, never its tables.
-- tenant_id leads every key. Money is bigint minor units beside its
-- currency; the arithmetic is steward.invoicing.v1.BillingSettings'.

-- requires: accounts

-- +goose Up
CREATE SCHEMA invoicing;
GRANT USAGE ON SCHEMA invoicing TO steward_app;

-- The school's tax rule and what its invoices print; no row means the
-- defaults (GST 10%, tax-inclusive, rounded per invoice, 14 days).
CREATE TABLE invoicing.billing_settings (
  tenant_id             uuid NOT NULL CONSTRAINT billing_settings_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  tax_label             text NOT NULL DEFAULT 'GST',
  tax_rate_bp           integer NOT NULL DEFAULT 1000 CONSTRAINT billing_settings_tax_rate_bp_check CHECK (tax_rate_bp BETWEEN 0 AND 10000),
  price_mode            text NOT NULL DEFAULT 'inclusive' CONSTRAINT billing_settings_price_mode_check CHECK (price_mode IN ('inclusive', 'exclusive')),
  rounding              text NOT NULL DEFAULT 'invoice' CONSTRAINT billing_settings_rounding_check CHECK (rounding IN ('invoice', 'line')),
  legal_name            text NOT NULL DEFAULT '',
  tax_id                text NOT NULL DEFAULT '',
  address               text NOT NULL DEFAULT '',
  payment_terms_days    integer NOT NULL DEFAULT 14 CONSTRAINT billing_settings_payment_terms_days_check CHECK (payment_terms_days BETWEEN 0 AND 120),
  payment_instructions  text NOT NULL DEFAULT '',
  revision              bigint NOT NULL DEFAULT 1,
  update_time           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT billing_settings_pkey PRIMARY KEY (tenant_id)
);

-- One price list per Booking term.
CREATE TABLE invoicing.price_lists (
  tenant_id           uuid NOT NULL CONSTRAINT price_lists_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  price_list_id       uuid NOT NULL,
  term_id             uuid NOT NULL,
  display_name        text NOT NULL DEFAULT '',
  currency            char(3) NOT NULL,
  revision            bigint NOT NULL DEFAULT 1,
  request_id          uuid,
  request_fingerprint bytea, -- sha256 of the create request without its request_id
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT price_lists_pkey PRIMARY KEY (tenant_id, price_list_id),
  CONSTRAINT price_lists_tenant_id_term_id_key UNIQUE (tenant_id, term_id),
  CONSTRAINT price_lists_tenant_id_request_id_key UNIQUE (tenant_id, request_id)
);

-- A rate for a class, for an instrument, or the list's default (neither).
CREATE TABLE invoicing.price_rates (
  tenant_id                uuid NOT NULL,
  price_list_id            uuid NOT NULL,
  position                 integer NOT NULL,
  class_id                 uuid,
  instrument_id            uuid,
  group_week_minor         bigint NOT NULL CONSTRAINT price_rates_group_week_minor_check CHECK (group_week_minor BETWEEN 0 AND 100000000),
  individual_week_minor    bigint NOT NULL CONSTRAINT price_rates_individual_week_minor_check CHECK (individual_week_minor BETWEEN 0 AND 100000000),
  CONSTRAINT price_rates_pkey PRIMARY KEY (tenant_id, price_list_id, position),
  CONSTRAINT price_rates_tenant_id_price_list_id_fkey FOREIGN KEY (tenant_id, price_list_id)
    REFERENCES invoicing.price_lists (tenant_id, price_list_id) ON DELETE CASCADE,
  CONSTRAINT price_rates_one_target_check CHECK (class_id IS NULL OR instrument_id IS NULL)
);
-- One rate per class, per instrument, and one default, in a list.
CREATE UNIQUE INDEX price_rates_target_idx ON invoicing.price_rates
  (tenant_id, price_list_id, coalesce(class_id, instrument_id, '00000000-0000-0000-0000-000000000000'::uuid), (class_id IS NOT NULL));

-- Billing runs (their operations are "operations/{run_id}").
CREATE TABLE invoicing.billing_runs (
  tenant_id           uuid NOT NULL CONSTRAINT billing_runs_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  run_id              uuid NOT NULL,
  term_id             uuid NOT NULL,
  issue_invoices      boolean NOT NULL DEFAULT false,
  state               text NOT NULL DEFAULT 'running' CONSTRAINT billing_runs_state_check CHECK (state IN ('running', 'succeeded', 'failed')),
  families_total      integer NOT NULL DEFAULT 0,
  families_done       integer NOT NULL DEFAULT 0,
  invoices_drafted    integer NOT NULL DEFAULT 0,
  invoices_skipped    integer NOT NULL DEFAULT 0,
  invoices_issued     integer NOT NULL DEFAULT 0,
  error_message       text NOT NULL DEFAULT '',
  created_by          uuid,
  request_id          uuid,
  request_fingerprint bytea,
  create_time         timestamptz NOT NULL DEFAULT now(),
  end_time            timestamptz,
  CONSTRAINT billing_runs_pkey PRIMARY KEY (tenant_id, run_id),
  CONSTRAINT billing_runs_tenant_id_request_id_key UNIQUE (tenant_id, request_id)
);

CREATE TABLE invoicing.invoices (
  tenant_id           uuid NOT NULL CONSTRAINT invoices_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  invoice_id          uuid NOT NULL,
  family_id           uuid NOT NULL,
  term_id             uuid,
  state               text NOT NULL DEFAULT 'draft' CONSTRAINT invoices_state_check CHECK (state IN ('draft', 'issued', 'partially_paid', 'paid', 'void')),
  -- Given at issue from invoicing.number_sequences; never reused.
  number              text,
  currency            char(3) NOT NULL,
  -- The tax rule, copied from billing_settings at issue (NULL while a draft:
  -- drafts follow the settings).
  tax_label           text,
  tax_rate_bp         integer,
  price_mode          text CONSTRAINT invoices_price_mode_check CHECK (price_mode IN ('inclusive', 'exclusive')),
  rounding            text CONSTRAINT invoices_rounding_check CHECK (rounding IN ('invoice', 'line')),
  -- The totals as last computed (steward.invoicing.v1.InvoiceTotals).
  charges_minor       bigint NOT NULL DEFAULT 0,
  discounts_minor     bigint NOT NULL DEFAULT 0,
  tax_minor           bigint NOT NULL DEFAULT 0,
  total_minor         bigint NOT NULL DEFAULT 0,
  credits_minor       bigint NOT NULL DEFAULT 0,
  credited_minor      bigint NOT NULL DEFAULT 0,
  paid_minor          bigint NOT NULL DEFAULT 0,
  issue_date          date,
  due_date            date,
  notes               text NOT NULL DEFAULT '',
  void_reason         text NOT NULL DEFAULT '',
  billing_run_id      uuid,
  revision            bigint NOT NULL DEFAULT 1,
  request_id          uuid,
  request_fingerprint bytea,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  issue_time          timestamptz,
  void_time           timestamptz,
  CONSTRAINT invoices_pkey PRIMARY KEY (tenant_id, invoice_id),
  CONSTRAINT invoices_tenant_id_number_key UNIQUE (tenant_id, number),
  CONSTRAINT invoices_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT invoices_tenant_id_billing_run_id_fkey FOREIGN KEY (tenant_id, billing_run_id) REFERENCES invoicing.billing_runs (tenant_id, run_id),
  CONSTRAINT invoices_numbered_check CHECK ((state = 'draft') = (number IS NULL)),
  CONSTRAINT invoices_rule_frozen_check CHECK ((state = 'draft') = (tax_rate_bp IS NULL))
);
-- A family has one term invoice that is not void: concurrent billing runs
-- and CreateInvoice meet here (INVOICE_EXISTS).
CREATE UNIQUE INDEX invoices_one_per_family_term_idx ON invoicing.invoices (tenant_id, term_id, family_id)
  WHERE term_id IS NOT NULL AND state <> 'void';
CREATE INDEX invoices_family_idx ON invoicing.invoices (tenant_id, family_id, create_time);
CREATE INDEX invoices_list_idx ON invoicing.invoices (tenant_id, create_time DESC, invoice_id DESC);

CREATE TABLE invoicing.invoice_lines (
  tenant_id          uuid NOT NULL,
  invoice_id         uuid NOT NULL,
  position           integer NOT NULL,
  kind               text NOT NULL CONSTRAINT invoice_lines_kind_check CHECK (kind IN ('group_weeks', 'individual_weeks', 'custom', 'discount', 'credit')),
  description        text NOT NULL,
  quantity           integer NOT NULL DEFAULT 1 CONSTRAINT invoice_lines_quantity_check CHECK (quantity BETWEEN 1 AND 1000),
  unit_minor         bigint NOT NULL DEFAULT 0 CONSTRAINT invoice_lines_unit_minor_check CHECK (unit_minor BETWEEN 0 AND 100000000),
  percent_bp         integer NOT NULL DEFAULT 0 CONSTRAINT invoice_lines_percent_bp_check CHECK (percent_bp BETWEEN 0 AND 10000),
  student_id         uuid,
  class_id           uuid,
  -- As last computed: signed (discounts and credits negative).
  amount_minor       bigint NOT NULL DEFAULT 0,
  tax_minor          bigint NOT NULL DEFAULT 0,
  CONSTRAINT invoice_lines_pkey PRIMARY KEY (tenant_id, invoice_id, position),
  CONSTRAINT invoice_lines_tenant_id_invoice_id_fkey FOREIGN KEY (tenant_id, invoice_id)
    REFERENCES invoicing.invoices (tenant_id, invoice_id) ON DELETE CASCADE
);

-- Gapless numbers: one row per tenant, series and year, taken with
-- UPDATE … RETURNING in the issuing transaction (its row lock orders the
-- issuers; a rolled-back issue gives its number back).
CREATE TABLE invoicing.number_sequences (
  tenant_id   uuid NOT NULL CONSTRAINT number_sequences_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  series      text NOT NULL CONSTRAINT number_sequences_series_check CHECK (series IN ('invoice', 'credit_note')),
  year        integer NOT NULL CONSTRAINT number_sequences_year_check CHECK (year BETWEEN 2000 AND 9999),
  last_value  bigint NOT NULL DEFAULT 0,
  CONSTRAINT number_sequences_pkey PRIMARY KEY (tenant_id, series, year)
);

CREATE TABLE invoicing.credit_notes (
  tenant_id           uuid NOT NULL,
  credit_note_id      uuid NOT NULL,
  invoice_id          uuid NOT NULL,
  number              text NOT NULL,
  reason              text NOT NULL,
  amount_minor        bigint NOT NULL CONSTRAINT credit_notes_amount_minor_check CHECK (amount_minor > 0),
  tax_minor           bigint NOT NULL DEFAULT 0,
  issue_date          date NOT NULL,
  created_by          uuid,
  request_id          uuid,
  request_fingerprint bytea,
  create_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT credit_notes_pkey PRIMARY KEY (tenant_id, credit_note_id),
  CONSTRAINT credit_notes_tenant_id_number_key UNIQUE (tenant_id, number),
  CONSTRAINT credit_notes_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT credit_notes_tenant_id_invoice_id_fkey FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoicing.invoices (tenant_id, invoice_id)
);

CREATE TABLE invoicing.payments (
  tenant_id           uuid NOT NULL,
  payment_id          uuid NOT NULL,
  invoice_id          uuid NOT NULL,
  amount_minor        bigint NOT NULL CONSTRAINT payments_amount_minor_check CHECK (amount_minor > 0),
  method              text NOT NULL CONSTRAINT payments_method_check CHECK (method IN ('bank_transfer', 'cash', 'stripe', 'other')),
  reference           text NOT NULL DEFAULT '',
  -- The Stripe payment (its payment intent) this records: once, whatever
  -- the events that report it.
  stripe_payment_ref  text,
  receive_time        timestamptz NOT NULL DEFAULT now(),
  recorded_by         uuid,
  request_id          uuid,
  request_fingerprint bytea,
  create_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payments_pkey PRIMARY KEY (tenant_id, payment_id),
  CONSTRAINT payments_tenant_id_request_id_key UNIQUE (tenant_id, request_id),
  CONSTRAINT payments_tenant_id_stripe_payment_ref_key UNIQUE (tenant_id, stripe_payment_ref),
  CONSTRAINT payments_tenant_id_invoice_id_fkey FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoicing.invoices (tenant_id, invoice_id)
);
CREATE INDEX payments_invoice_idx ON invoicing.payments (tenant_id, invoice_id, receive_time);

-- Checkout Sessions opened for invoices.
CREATE TABLE invoicing.checkout_sessions (
  tenant_id          uuid NOT NULL,
  stripe_session_id  text NOT NULL,
  invoice_id         uuid NOT NULL,
  amount_minor       bigint NOT NULL,
  currency           char(3) NOT NULL,
  url                text NOT NULL,
  expire_time        timestamptz,
  create_time        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT checkout_sessions_pkey PRIMARY KEY (tenant_id, stripe_session_id),
  CONSTRAINT checkout_sessions_tenant_id_invoice_id_fkey FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoicing.invoices (tenant_id, invoice_id)
);

-- Verified Stripe webhook events, once each by Stripe's event id; the
-- payment job records what they report.
CREATE TABLE invoicing.stripe_events (
  tenant_id     uuid NOT NULL CONSTRAINT stripe_events_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  event_id      text NOT NULL,
  event_type    text NOT NULL,
  payload       jsonb NOT NULL,
  receive_time  timestamptz NOT NULL DEFAULT now(),
  process_time  timestamptz,
  CONSTRAINT stripe_events_pkey PRIMARY KEY (tenant_id, event_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON invoicing.billing_settings, invoicing.price_lists, invoicing.price_rates,
  invoicing.billing_runs, invoicing.invoices, invoicing.invoice_lines, invoicing.number_sequences,
  invoicing.credit_notes, invoicing.payments, invoicing.checkout_sessions, invoicing.stripe_events TO steward_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['billing_settings', 'price_lists', 'price_rates', 'billing_runs', 'invoices', 'invoice_lines',
      'number_sequences', 'credit_notes', 'payments', 'checkout_sessions', 'stripe_events'] LOOP
    EXECUTE format('ALTER TABLE invoicing.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE invoicing.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON invoicing.%I
      USING (tenant_id = accounts.current_tenant_id())
      WITH CHECK (tenant_id = accounts.current_tenant_id())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP SCHEMA invoicing CASCADE;
