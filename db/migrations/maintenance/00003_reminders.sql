-- Reminders (steward-maintenance): each member's choice of reminder emails.
-- The emails themselves are the platform's outbox's (schema outbox), written
-- by the reminder job in the transaction that decides them.

-- +goose Up
-- One row per member who changed their preferences; a member without one
-- gets every reminder. Keyed by the member's account (accounts.memberships'
-- user_id) but not bound to the membership: a member removed from the
-- tenant gets nothing (the job addresses the tenant's current members
-- only), and one who comes back keeps their choice.
CREATE TABLE maintenance.reminder_preferences (
  tenant_id           uuid NOT NULL CONSTRAINT reminder_preferences_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  user_id             uuid NOT NULL,
  due_tasks           boolean NOT NULL DEFAULT true,
  overdue_tasks       boolean NOT NULL DEFAULT true,
  expiring_warranties boolean NOT NULL DEFAULT true,
  revision            bigint NOT NULL DEFAULT 1,
  update_time         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT reminder_preferences_pkey PRIMARY KEY (tenant_id, user_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON maintenance.reminder_preferences TO steward_app;

ALTER TABLE maintenance.reminder_preferences ENABLE ROW LEVEL SECURITY;
ALTER TABLE maintenance.reminder_preferences FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON maintenance.reminder_preferences
  USING (tenant_id = accounts.current_tenant_id())
  WITH CHECK (tenant_id = accounts.current_tenant_id());

-- +goose Down
DROP TABLE maintenance.reminder_preferences;
