-- A draft. ON CONFLICT DO NOTHING: a family's second term invoice that is
-- not void (invoices_one_per_family_term_idx), or a concurrent create with
-- the same request_id, returns no row, and the caller reads the winner.
-- name: CreateInvoice :one
INSERT INTO invoicing.invoices (tenant_id, invoice_id, family_id, term_id, currency, charges_minor, discounts_minor, tax_minor,
  total_minor, credits_minor, due_date, notes, billing_run_id, request_id, request_fingerprint)
VALUES ($1, @invoice_id, @family_id, sqlc.narg(term_id), @currency, @charges_minor, @discounts_minor, @tax_minor,
  @total_minor, @credits_minor, sqlc.narg(due_date), @notes, sqlc.narg(billing_run_id), sqlc.narg(request_id), sqlc.narg(request_fingerprint))
ON CONFLICT DO NOTHING
RETURNING *;

-- name: InvoiceCreatedBy :one
SELECT * FROM invoicing.invoices WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- The invoice as viewer_family sees it: a PARENT (viewer_family set) only
-- their family's, and never a draft.
-- name: GetInvoice :one
SELECT * FROM invoicing.invoices
WHERE tenant_id = @tenant_id AND invoice_id = @invoice_id
  AND (sqlc.narg(viewer_family)::uuid IS NULL OR (family_id = sqlc.narg(viewer_family) AND state <> 'draft'));

-- name: LockInvoice :one
SELECT * FROM invoicing.invoices WHERE tenant_id = @tenant_id AND invoice_id = @invoice_id FOR UPDATE;

-- The family's term invoice that is not void.
-- name: TermInvoiceOfFamily :one
SELECT * FROM invoicing.invoices
WHERE tenant_id = @tenant_id AND term_id = @term_id AND family_id = @family_id AND state <> 'void';

-- Newest first (ids are UUIDv7); before_id is the previous page's last id,
-- the nil uuid on the first page.
-- name: ListInvoices :many
SELECT * FROM invoicing.invoices
WHERE tenant_id = @tenant_id
  AND (@before_id::uuid = '00000000-0000-0000-0000-000000000000' OR invoice_id < @before_id)
  AND (sqlc.narg(viewer_family)::uuid IS NULL OR (family_id = sqlc.narg(viewer_family) AND state <> 'draft'))
  AND (sqlc.narg(family_id)::uuid IS NULL OR family_id = sqlc.narg(family_id))
  AND (sqlc.narg(term_id)::uuid IS NULL OR term_id = sqlc.narg(term_id))
  AND (sqlc.narg(state)::text IS NULL OR state = sqlc.narg(state))
  AND (sqlc.narg(billing_run_id)::uuid IS NULL OR billing_run_id = sqlc.narg(billing_run_id))
ORDER BY invoice_id DESC
LIMIT @page_limit;

-- The term's drafts, for issuing them all.
-- name: DraftsOfTerm :many
SELECT invoice_id FROM invoicing.invoices
WHERE tenant_id = @tenant_id AND term_id = @term_id AND state = 'draft'
ORDER BY invoice_id;

-- A draft's editable fields and its totals as recomputed.
-- name: UpdateDraft :one
UPDATE invoicing.invoices
SET due_date = sqlc.narg(due_date), notes = @notes, charges_minor = @charges_minor, discounts_minor = @discounts_minor,
  tax_minor = @tax_minor, total_minor = @total_minor, credits_minor = @credits_minor,
  revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND invoice_id = @invoice_id AND state = 'draft'
RETURNING *;

-- name: IssueInvoice :one
UPDATE invoicing.invoices
SET state = 'issued', number = @number, tax_label = @tax_label, tax_rate_bp = @tax_rate_bp, price_mode = @price_mode,
  rounding = @rounding, charges_minor = @charges_minor, discounts_minor = @discounts_minor, tax_minor = @tax_minor,
  total_minor = @total_minor, credits_minor = @credits_minor, issue_date = @issue_date, due_date = @due_date,
  issue_time = @issue_time, revision = revision + 1, update_time = @issue_time
WHERE tenant_id = @tenant_id AND invoice_id = @invoice_id AND state = 'draft'
RETURNING *;

-- name: VoidInvoice :one
UPDATE invoicing.invoices
SET state = 'void', void_reason = @void_reason, void_time = @void_time, revision = revision + 1, update_time = @void_time
WHERE tenant_id = @tenant_id AND invoice_id = @invoice_id AND state <> 'draft'
RETURNING *;

-- What has been received or credited against an issued invoice, and the
-- state that follows from it.
-- name: SetInvoiceSettlement :one
UPDATE invoicing.invoices
SET paid_minor = @paid_minor, credited_minor = @credited_minor, state = @state, revision = revision + 1, update_time = now()
WHERE tenant_id = @tenant_id AND invoice_id = @invoice_id AND state <> 'draft'
RETURNING *;

-- name: DeleteDraft :exec
DELETE FROM invoicing.invoices WHERE tenant_id = @tenant_id AND invoice_id = @invoice_id AND state = 'draft';

-- name: DeleteInvoiceLines :exec
DELETE FROM invoicing.invoice_lines WHERE tenant_id = @tenant_id AND invoice_id = @invoice_id;

-- An invoice's lines as parallel arrays in position order; the nil uuid is
-- "no student" and "no class".
-- name: CreateInvoiceLines :exec
INSERT INTO invoicing.invoice_lines (tenant_id, invoice_id, position, kind, description, quantity, unit_minor, percent_bp,
  student_id, class_id, amount_minor, tax_minor)
SELECT i.tenant_id, i.invoice_id, l.position, l.kind, l.description, l.quantity, l.unit_minor, l.percent_bp,
  nullif(l.student_id, '00000000-0000-0000-0000-000000000000'::uuid), nullif(l.class_id, '00000000-0000-0000-0000-000000000000'::uuid),
  l.amount_minor, l.tax_minor
FROM invoicing.invoices i,
  (SELECT unnest(@positions::int[]) AS position, unnest(@kinds::text[]) AS kind, unnest(@descriptions::text[]) AS description,
    unnest(@quantities::int[]) AS quantity, unnest(@unit_minors::bigint[]) AS unit_minor, unnest(@percent_bps::int[]) AS percent_bp,
    unnest(@student_ids::uuid[]) AS student_id, unnest(@class_ids::uuid[]) AS class_id,
    unnest(@amount_minors::bigint[]) AS amount_minor, unnest(@tax_minors::bigint[]) AS tax_minor) AS l
WHERE i.tenant_id = @tenant_id AND i.invoice_id = @invoice_id;

-- name: ListInvoiceLines :many
SELECT * FROM invoicing.invoice_lines
WHERE tenant_id = @tenant_id AND invoice_id = ANY(@invoice_ids::uuid[])
ORDER BY invoice_id, position;

-- name: CreateCreditNote :one
INSERT INTO invoicing.credit_notes (tenant_id, credit_note_id, invoice_id, number, reason, amount_minor, tax_minor, issue_date,
  created_by, request_id, request_fingerprint)
VALUES ($1, @credit_note_id, @invoice_id, @number, @reason, @amount_minor, @tax_minor, @issue_date,
  sqlc.narg(created_by), sqlc.narg(request_id), sqlc.narg(request_fingerprint))
RETURNING *;

-- name: CreditNoteCreatedBy :one
SELECT * FROM invoicing.credit_notes WHERE tenant_id = @tenant_id AND request_id = @request_id;

-- Credit notes in number order (ids are UUIDv7, taken after the number),
-- of one invoice or all, of the viewer's family's invoices for a PARENT.
-- name: ListCreditNotes :many
SELECT sqlc.embed(c), i.currency FROM invoicing.credit_notes c
JOIN invoicing.invoices i ON i.tenant_id = c.tenant_id AND i.invoice_id = c.invoice_id
WHERE c.tenant_id = @tenant_id AND c.credit_note_id > @after_id
  AND (sqlc.narg(invoice_id)::uuid IS NULL OR c.invoice_id = sqlc.narg(invoice_id))
  AND (sqlc.narg(viewer_family)::uuid IS NULL OR i.family_id = sqlc.narg(viewer_family))
ORDER BY c.credit_note_id
LIMIT @page_limit;
