-- Stripe: the Checkout Sessions opened for invoices, and the verified
-- webhook events the payment job records payments from. Stripe's ids are
-- text: stripe_session_id "cs_…", stripe_event_id "evt_…".

-- name: InsertCheckoutSession :exec
INSERT INTO invoicing.checkout_sessions (tenant_id, stripe_session_id, invoice_id, amount_minor, currency, url, expire_time)
VALUES ($1, @stripe_session_id, @invoice_id, @amount_minor, @currency, @url, @expire_time);

-- name: InsertStripeEvent :execrows
-- Once per Stripe event id: a redelivery inserts nothing (0 rows), and so
-- enqueues no second job.
INSERT INTO invoicing.stripe_events (tenant_id, event_id, event_type, payload)
VALUES ($1, @stripe_event_id, @event_type, @payload)
ON CONFLICT ON CONSTRAINT stripe_events_pkey DO NOTHING;

-- name: LockStripeEvent :one
-- The job's event, locked until its transaction ends: a second job for it
-- (River retrying after a crash) waits, then sees it processed.
SELECT event_id, event_type, payload, process_time
FROM invoicing.stripe_events
WHERE tenant_id = @tenant_id AND event_id = @stripe_event_id
FOR UPDATE;

-- name: MarkStripeEventProcessed :exec
UPDATE invoicing.stripe_events SET process_time = now()
WHERE tenant_id = @tenant_id AND event_id = @stripe_event_id;
