-- ON CONFLICT DO NOTHING: the Stripe payment already recorded
-- (payments_tenant_id_stripe_payment_ref_key), or a concurrent create with
-- the same request_id, returns no row, and the caller reads the winner.
-- name: CreatePayment :one
INSERT INTO invoicing.payments (tenant_id, payment_id, invoice_id, amount_minor, method, reference, stripe_payment_ref,
  receive_time, recorded_by, request_id, request_fingerprint)
VALUES ($1, @payment_id, @invoice_id, @amount_minor, @method, @reference, sqlc.narg(stripe_payment_ref),
  @receive_time, sqlc.narg(recorded_by), sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT DO NOTHING
RETURNING *;

-- name: PaymentCreatedBy :one
SELECT sqlc.embed(p), i.currency FROM invoicing.payments p
JOIN invoicing.invoices i ON i.tenant_id = p.tenant_id AND i.invoice_id = p.invoice_id
WHERE p.tenant_id = @tenant_id AND p.request_id = @request_id;

-- name: PaymentOfStripe :one
SELECT * FROM invoicing.payments WHERE tenant_id = @tenant_id AND stripe_payment_ref = @stripe_payment_ref;

-- Payments oldest first (ids are UUIDv7), of one invoice or all, of the
-- viewer's family's invoices for a PARENT.
-- name: ListPayments :many
SELECT sqlc.embed(p), i.currency FROM invoicing.payments p
JOIN invoicing.invoices i ON i.tenant_id = p.tenant_id AND i.invoice_id = p.invoice_id
WHERE p.tenant_id = @tenant_id AND p.payment_id > @after_id
  AND (sqlc.narg(invoice_id)::uuid IS NULL OR p.invoice_id = sqlc.narg(invoice_id))
  AND (sqlc.narg(viewer_family)::uuid IS NULL OR i.family_id = sqlc.narg(viewer_family))
ORDER BY p.payment_id
LIMIT @page_limit;
