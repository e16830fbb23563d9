-- name: GetBillingSettings :one
SELECT * FROM invoicing.billing_settings WHERE tenant_id = $1;

-- The first update writes the defaults' row (revision 1, the etag the
-- defaults are read with), so an update always locks a row.
-- name: EnsureBillingSettings :exec
INSERT INTO invoicing.billing_settings (tenant_id, revision) VALUES ($1, 1) ON CONFLICT (tenant_id) DO NOTHING;

-- name: LockBillingSettings :one
SELECT * FROM invoicing.billing_settings WHERE tenant_id = $1 FOR UPDATE;

-- name: UpdateBillingSettings :one
UPDATE invoicing.billing_settings
SET tax_label = @tax_label, tax_rate_bp = @tax_rate_bp, price_mode = @price_mode, rounding = @rounding,
  legal_name = @legal_name, tax_id = @tax_id, address = @address, payment_terms_days = @payment_terms_days,
  payment_instructions = @payment_instructions, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id
RETURNING *;
