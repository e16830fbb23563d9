-- Billing runs (services/invoicing/internal/billingrun): the run's row, its
-- progress as its job advances, and the term's drafts it issues. (The
-- term's price list it reads with prices.sql's queries.)

-- name: CreateBillingRun :one
-- ON CONFLICT: a concurrent create with the same request_id won; the caller
-- reads that one (pgx.ErrNoRows here).
INSERT INTO invoicing.billing_runs (tenant_id, run_id, term_id, issue_invoices, created_by, request_id, request_fingerprint)
VALUES (@tenant_id, @run_id, @term_id, @issue_invoices, @created_by, @request_id, @request_fingerprint)
ON CONFLICT (tenant_id, request_id) DO NOTHING
RETURNING *;

-- name: GetBillingRun :one
SELECT * FROM invoicing.billing_runs WHERE tenant_id = @tenant_id AND run_id = @run_id;

-- name: BillingRunCreatedBy :one
SELECT * FROM invoicing.billing_runs WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- name: ListBillingRuns :many
-- Newest first; keyset on (create_time, run_id), the page token's key.
SELECT * FROM invoicing.billing_runs
WHERE tenant_id = @tenant_id
  AND (NOT @paged::boolean OR (create_time, run_id) < (@after_time::timestamptz, @after_id::uuid))
ORDER BY create_time DESC, run_id DESC
LIMIT @page_limit;

-- name: StartBillingRunFamilies :exec
-- The job's start, or its restart after a crash, which does every family
-- again (finding those it drafted before): the families to do, none done.
UPDATE invoicing.billing_runs
SET families_total = @families_total, families_done = 0, invoices_drafted = 0, invoices_skipped = 0
WHERE tenant_id = @tenant_id AND run_id = @run_id AND state = 'running';

-- name: RecordBillingRunDrafts :exec
-- In the batch's transaction, after its drafts: added to the row as it is
-- when the batch gets its lock, so batches drafted at once all count.
UPDATE invoicing.billing_runs
SET families_done = families_done + @families::integer, invoices_drafted = invoices_drafted + @drafted::integer,
  invoices_skipped = invoices_skipped + @skipped::integer
WHERE tenant_id = @tenant_id AND run_id = @run_id;

-- name: TakeTermDrafts :many
-- The next drafts of the term to issue, locked; SKIP LOCKED leaves those a
-- concurrent run is issuing to it, and a draft it issued meanwhile is no
-- longer one, so each draft is issued, and counted, by one run.
SELECT invoice_id FROM invoicing.invoices
WHERE tenant_id = @tenant_id AND term_id = @term_id::uuid AND state = 'draft'
ORDER BY invoice_id
LIMIT @batch_size
FOR UPDATE SKIP LOCKED;

-- name: RecordBillingRunIssues :exec
-- In the transaction of the batch it counts.
UPDATE invoicing.billing_runs SET invoices_issued = invoices_issued + @issued::integer
WHERE tenant_id = @tenant_id AND run_id = @run_id;

-- name: FinishBillingRun :one
-- Once: a run that ended stays as it ended.
UPDATE invoicing.billing_runs SET state = @state, error_code = @error_code, error_reason = @error_reason,
  error_message = @error_message, end_time = now()
WHERE tenant_id = @tenant_id AND run_id = @run_id AND state = 'running'
RETURNING *;
