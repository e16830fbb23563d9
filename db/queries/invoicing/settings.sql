-- name: GetBillingSettings :one
SELECT * FROM invoicing.billing_settings WHERE tenant_id = $1;
