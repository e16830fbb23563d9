-- A failed billing run's error as its operation reports it (a
-- google.rpc.Status): the canonical code and the ErrorInfo reason beside
-- error_message, so a client polling the operation can switch on the
-- reason (e.g. NO_PRICE_LIST) rather than parse the message.

-- +goose Up
ALTER TABLE invoicing.billing_runs
  ADD COLUMN error_code integer NOT NULL DEFAULT 0 CONSTRAINT billing_runs_error_code_check CHECK (error_code BETWEEN 0 AND 16),
  ADD COLUMN error_reason text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE invoicing.billing_runs DROP COLUMN error_reason, DROP COLUMN error_code;
