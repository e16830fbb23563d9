// Package ledger is Invoicing's domain operations on invoices and payments,
// each in a transaction its caller holds: the API's handlers, the billing
// run and the Stripe payment job all draft, issue and record through it, so
// numbering, the tax rule and the balance are decided in one place.
//
// Every operation works on the tenant in the context's scope (the
// transaction's tenant, tenantdb's app.tenant_id): its rows are the only
// ones the queries name.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/grpc/codes"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/store"
)

// The invoice states as the schema stores them.
const (
	StateDraft         = "draft"
	StateIssued        = "issued"
	StatePartiallyPaid = "partially_paid"
	StatePaid          = "paid"
	StateVoid          = "void"
)

// Invoice is an invoice with its lines priced and its totals: for a draft
// under the school's current tax rule (drafts follow the settings), for an
// issued invoice under the rule frozen at issue.
type Invoice struct {
	TenantID, ID, FamilyID uuid.UUID
	// TermID is the Booking term billed; BillingRunID the run that drafted
	// it. Either may be unset.
	TermID, BillingRunID uuid.NullUUID
	State                string // StateDraft, …
	Number               string // "INV-2027-000042"; "" while a draft
	Currency             string // ISO 4217
	Lines                []pricing.Priced
	Rule                 pricing.Rule
	TaxLabel             string
	Totals               pricing.Totals
	// Credited is the credit notes against it, Paid the payments received.
	Credited, Paid int64
	// IssueDate and DueDate are the school's local dates (at midnight UTC);
	// zero while unset.
	IssueDate, DueDate time.Time
	Notes, VoidReason  string
	// Revision is the row's revision, of which the etag is made.
	Revision int64
	// RequestFingerprint is the create request's, for its retries.
	RequestFingerprint []byte
	// IssueTime and VoidTime are zero until it is issued or voided.
	CreateTime, UpdateTime, IssueTime, VoidTime time.Time
}

// AmountDue is what the family still owes; negative when overpaid.
func (inv Invoice) AmountDue() int64 { return pricing.AmountDue(inv.Totals, inv.Credited, inv.Paid) }

// Payment is a payment as stored, in its invoice's currency.
type Payment struct {
	store.InvoicingPayment
	Currency string
}

// CreditNote is a credit note as stored.
type CreditNote struct{ store.InvoicingCreditNote }

// Notifier hears of invoices issued and payments received, in the
// transaction that issues or records them: the receipts' emails go into the
// outbox with it, or not at all. Implemented by internal/receipts.
type Notifier interface {
	InvoiceIssued(ctx context.Context, tx tenantdb.DBTX, inv Invoice) error
	PaymentReceived(ctx context.Context, tx tenantdb.DBTX, inv Invoice, p Payment) error
}

// Ledger runs the operations.
type Ledger struct {
	db     *tenantdb.DB
	notify Notifier
	now    func() time.Time
}

// New returns a Ledger over db telling n (nil: no one) of what it issues and
// records, reading the time from now.
func New(db *tenantdb.DB, n Notifier, now func() time.Time) *Ledger {
	return &Ledger{db: db, notify: n, now: now}
}

// DB is the database the ledger's callers open their transactions on.
func (l *Ledger) DB() *tenantdb.DB { return l.db }

// Now is the ledger's clock.
func (l *Ledger) Now() time.Time { return l.now() }

// tenantOf is the tenant the context is scoped to; the transaction is too.
func tenantOf(ctx context.Context) (uuid.UUID, error) {
	t, ok := scope.TenantFrom(ctx)
	if !ok || t.TenantID == uuid.Nil {
		return uuid.Nil, tenantdb.ErrNoScope
	}
	return t.TenantID, nil
}

// Settings are a school's billing settings: its row, or the defaults (at
// revision 1, the etag the first update is made against) when it has none.
func Settings(ctx context.Context, q *store.Queries, tenant uuid.UUID) (store.InvoicingBillingSetting, error) {
	s, err := q.GetBillingSettings(ctx, tenant)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultSettings(tenant), nil
	}
	return s, err
}

// DefaultSettings are the settings of a school that never changed them, as
// the schema's defaults say.
func DefaultSettings(tenant uuid.UUID) store.InvoicingBillingSetting {
	return store.InvoicingBillingSetting{TenantID: tenant, TaxLabel: "GST", TaxRateBp: 1000, PriceMode: "inclusive",
		Rounding: "invoice", PaymentTermsDays: 14, Revision: 1}
}

// RuleOf is the tax rule of settings.
func RuleOf(s store.InvoicingBillingSetting) pricing.Rule {
	return ruleOf(int64(s.TaxRateBp), s.PriceMode, s.Rounding)
}

func ruleOf(rate int64, mode, rounding string) pricing.Rule {
	r := pricing.Rule{RateBP: rate, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}
	if mode == "exclusive" {
		r.Mode = pricing.TaxExclusive
	}
	if rounding == "line" {
		r.Rounding = pricing.PerLine
	}
	return r
}

func modeText(m pricing.Mode) string {
	if m == pricing.TaxExclusive {
		return "exclusive"
	}
	return "inclusive"
}

func roundingText(r pricing.Rounding) string {
	if r == pricing.PerLine {
		return "line"
	}
	return "invoice"
}

// The refusals of the ledger, as the API answers them.
var (
	errExceedsTotal = apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_CREDIT_EXCEEDS_TOTAL,
		"the discounts exceed the charges, or the credits the total")
	errNotPayable = apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_INVOICE_NOT_PAYABLE,
		"the invoice takes no payment: it is a draft, void or paid")
)

// ErrInvoiceExists is a second term invoice for a family, which has one
// that is not void.
var ErrInvoiceExists = &apierror.Error{Code: codes.AlreadyExists,
	Reason:  apierror.Reason(invoicingv1.ErrorReason_ERROR_REASON_INVOICE_EXISTS),
	Message: "the family already has an invoice for this term that is not void: edit that one, or void it first"}

// price computes lines under rule; ErrExceedsTotal is CREDIT_EXCEEDS_TOTAL.
func price(rule pricing.Rule, lines []pricing.Line) ([]pricing.Priced, pricing.Totals, error) {
	priced, totals, err := pricing.Compute(rule, lines)
	if errors.Is(err, pricing.ErrExceedsTotal) {
		return nil, totals, errExceedsTotal
	}
	return priced, totals, err
}

// DraftInput is a draft to create: a family's invoice, for a term or not.
type DraftInput struct {
	FamilyID uuid.UUID
	// TermID makes it the family's term invoice, of which it has at most one
	// that is not void.
	TermID, BillingRunID uuid.NullUUID
	Currency             string
	Lines                []pricing.Line
	DueDate              time.Time // zero: set at issue from the payment terms
	Notes                string
	// RequestID and Fingerprint are the create request's (AIP-155).
	RequestID   uuid.NullUUID
	Fingerprint []byte
}

// DraftTermInvoice drafts in's invoice priced under the school's rule. When
// the family already has its term invoice (another run or create got there
// first) it returns that one and false; when a concurrent create with the
// same request_id did, pgx.ErrNoRows.
func (l *Ledger) DraftTermInvoice(ctx context.Context, tx tenantdb.DBTX, in DraftInput) (Invoice, bool, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Invoice{}, false, err
	}
	q := store.New(tx)
	settings, err := Settings(ctx, q, tenant)
	if err != nil {
		return Invoice{}, false, err
	}
	priced, t, err := price(RuleOf(settings), in.Lines)
	if err != nil {
		return Invoice{}, false, err
	}
	row, err := q.CreateInvoice(ctx, store.CreateInvoiceParams{
		TenantID: tenant, InvoiceID: uuid.Must(uuid.NewV7()), FamilyID: in.FamilyID, TermID: in.TermID, Currency: in.Currency,
		ChargesMinor: t.Charges, DiscountsMinor: t.Discounts, TaxMinor: t.Tax, TotalMinor: t.Total, CreditsMinor: t.Credits,
		DueDate: dateOf(in.DueDate), Notes: in.Notes, BillingRunID: in.BillingRunID,
		RequestID: in.RequestID, RequestFingerprint: in.Fingerprint,
	})
	if errors.Is(err, pgx.ErrNoRows) && in.TermID.Valid {
		existing, lookErr := q.TermInvoiceOfFamily(ctx, store.TermInvoiceOfFamilyParams{TenantID: tenant, TermID: in.TermID, FamilyID: in.FamilyID})
		switch {
		case lookErr == nil:
			inv, err := l.load(ctx, q, existing, settings)
			return inv, false, err
		case !errors.Is(lookErr, pgx.ErrNoRows):
			return Invoice{}, false, lookErr
		}
	}
	if err != nil {
		return Invoice{}, false, err
	}
	if err := writeLines(ctx, q, tenant, row.InvoiceID, priced); err != nil {
		return Invoice{}, false, err
	}
	return build(row, priced, t, RuleOf(settings), settings.TaxLabel), true, nil
}

// UpdateDraft replaces a locked draft's lines (when lines is not nil), due
// date and notes, and reprices it.
func (l *Ledger) UpdateDraft(ctx context.Context, tx tenantdb.DBTX, cur Invoice, lines []pricing.Line, dueDate time.Time, notes string) (Invoice, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Invoice{}, err
	}
	if cur.State != StateDraft {
		return Invoice{}, errNotDraft
	}
	q := store.New(tx)
	settings, err := Settings(ctx, q, tenant)
	if err != nil {
		return Invoice{}, err
	}
	if lines == nil {
		lines = linesOf(cur.Lines)
	}
	priced, t, err := price(RuleOf(settings), lines)
	if err != nil {
		return Invoice{}, err
	}
	row, err := q.UpdateDraft(ctx, store.UpdateDraftParams{TenantID: tenant, InvoiceID: cur.ID, DueDate: dateOf(dueDate), Notes: notes,
		ChargesMinor: t.Charges, DiscountsMinor: t.Discounts, TaxMinor: t.Tax, TotalMinor: t.Total, CreditsMinor: t.Credits})
	if err != nil {
		return Invoice{}, err
	}
	if err := replaceLines(ctx, q, tenant, cur.ID, priced); err != nil {
		return Invoice{}, err
	}
	return build(row, priced, t, RuleOf(settings), settings.TaxLabel), nil
}

var errNotDraft = apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_INVOICE_NOT_DRAFT,
	"the invoice is issued: it no longer changes; correct it with a credit note")

// Load reads an invoice of the scope's tenant; pgx.ErrNoRows when there is
// none. Whoever may see it is the caller's business.
func (l *Ledger) Load(ctx context.Context, tx tenantdb.DBTX, invoiceID uuid.UUID) (Invoice, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Invoice{}, err
	}
	q := store.New(tx)
	row, err := q.GetInvoice(ctx, store.GetInvoiceParams{TenantID: tenant, InvoiceID: invoiceID})
	if err != nil {
		return Invoice{}, err
	}
	return l.loadRow(ctx, q, row)
}

// Lock is Load with the invoice locked for the rest of the transaction.
func (l *Ledger) Lock(ctx context.Context, tx tenantdb.DBTX, invoiceID uuid.UUID) (Invoice, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Invoice{}, err
	}
	q := store.New(tx)
	row, err := q.LockInvoice(ctx, store.LockInvoiceParams{TenantID: tenant, InvoiceID: invoiceID})
	if err != nil {
		return Invoice{}, err
	}
	return l.loadRow(ctx, q, row)
}

// loadRow completes a row with its lines (and, for a draft, the settings).
func (l *Ledger) loadRow(ctx context.Context, q *store.Queries, row store.InvoicingInvoice) (Invoice, error) {
	var settings store.InvoicingBillingSetting
	if row.State == StateDraft {
		s, err := Settings(ctx, q, row.TenantID)
		if err != nil {
			return Invoice{}, err
		}
		settings = s
	}
	return l.load(ctx, q, row, settings)
}

func (l *Ledger) load(ctx context.Context, q *store.Queries, row store.InvoicingInvoice, settings store.InvoicingBillingSetting) (Invoice, error) {
	rows, err := q.ListInvoiceLines(ctx, store.ListInvoiceLinesParams{TenantID: row.TenantID, InvoiceIds: []uuid.UUID{row.InvoiceID}})
	if err != nil {
		return Invoice{}, err
	}
	return Assemble(row, rows, settings), nil
}

// Assemble makes the Invoice of a row and its lines (in position order).
// A draft is repriced under settings, the school's current rule; an issued
// invoice keeps the amounts and rule stored at issue.
func Assemble(row store.InvoicingInvoice, lineRows []store.InvoicingInvoiceLine, settings store.InvoicingBillingSetting) Invoice {
	priced := storedLines(lineRows)
	t := pricing.Totals{Charges: row.ChargesMinor, Discounts: row.DiscountsMinor, Taxable: row.ChargesMinor - row.DiscountsMinor,
		Tax: row.TaxMinor, Total: row.TotalMinor, Credits: row.CreditsMinor}
	if row.State != StateDraft {
		return build(row, priced, t, ruleOf(int64(row.TaxRateBp.Int32), row.PriceMode.String, row.Rounding.String), row.TaxLabel.String)
	}
	rule := RuleOf(settings)
	// A draft whose lines no longer price under a changed rule (credits
	// above an inclusive total) shows what was last computed; issuing it
	// refuses.
	if p, tt, err := pricing.Compute(rule, linesOf(priced)); err == nil {
		priced, t = p, tt
	}
	return build(row, priced, t, rule, settings.TaxLabel)
}

// storedLines are line rows as last priced.
func storedLines(rows []store.InvoicingInvoiceLine) []pricing.Priced {
	priced := make([]pricing.Priced, len(rows))
	for i, r := range rows {
		priced[i] = pricing.Priced{Line: pricing.Line{Kind: kindOf(r.Kind), Description: r.Description, Quantity: int64(r.Quantity),
			UnitMinor: r.UnitMinor, PercentBP: int64(r.PercentBp), StudentID: r.StudentID.UUID, ClassID: r.ClassID.UUID},
			AmountMinor: r.AmountMinor, TaxMinor: r.TaxMinor}
	}
	return priced
}

func build(row store.InvoicingInvoice, priced []pricing.Priced, t pricing.Totals, rule pricing.Rule, label string) Invoice {
	return Invoice{
		TenantID: row.TenantID, ID: row.InvoiceID, FamilyID: row.FamilyID, TermID: row.TermID, BillingRunID: row.BillingRunID, State: row.State,
		Number: row.Number.String, Currency: row.Currency, Lines: priced, Rule: rule, TaxLabel: label, Totals: t,
		Credited: row.CreditedMinor, Paid: row.PaidMinor, IssueDate: timeOf(row.IssueDate), DueDate: timeOf(row.DueDate),
		Notes: row.Notes, VoidReason: row.VoidReason, Revision: row.Revision, RequestFingerprint: row.RequestFingerprint,
		CreateTime: row.CreateTime, UpdateTime: row.UpdateTime, IssueTime: row.IssueTime.Time, VoidTime: row.VoidTime.Time,
	}
}

// linesOf are priced lines as entered.
func linesOf(priced []pricing.Priced) []pricing.Line {
	lines := make([]pricing.Line, len(priced))
	for i, p := range priced {
		lines[i] = p.Line
	}
	return lines
}

// Issue issues a draft of the scope's tenant: the next number of the
// tenant's invoice series for the issue year (the issue date's, in zone, the
// school's time zone), the tax rule frozen and the totals with it, the due
// date set from the payment terms unless the draft has one, and the
// Notifier told, in tx. An invoice already issued comes back unchanged.
func (l *Ledger) Issue(ctx context.Context, tx tenantdb.DBTX, invoiceID uuid.UUID, zone *time.Location) (Invoice, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Invoice{}, err
	}
	q := store.New(tx)
	row, err := q.LockInvoice(ctx, store.LockInvoiceParams{TenantID: tenant, InvoiceID: invoiceID})
	if err != nil {
		return Invoice{}, err
	}
	if row.State != StateDraft {
		return l.loadRow(ctx, q, row)
	}
	settings, err := Settings(ctx, q, tenant)
	if err != nil {
		return Invoice{}, err
	}
	lineRows, err := q.ListInvoiceLines(ctx, store.ListInvoiceLinesParams{TenantID: tenant, InvoiceIds: []uuid.UUID{invoiceID}})
	if err != nil {
		return Invoice{}, err
	}
	stored := storedLines(lineRows)
	rule := RuleOf(settings)
	priced, t, err := price(rule, linesOf(stored))
	if err != nil {
		return Invoice{}, err
	}
	now := l.now()
	local := now.In(zone)
	issueDate := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	due := timeOf(row.DueDate)
	if due.IsZero() {
		due = issueDate.AddDate(0, 0, int(settings.PaymentTermsDays))
	}
	number, err := nextNumber(ctx, q, tenant, seriesInvoice, issueDate.Year())
	if err != nil {
		return Invoice{}, err
	}
	row, err = q.IssueInvoice(ctx, store.IssueInvoiceParams{
		TenantID: tenant, InvoiceID: invoiceID, Number: pgtype.Text{String: number, Valid: true},
		TaxLabel: pgtype.Text{String: settings.TaxLabel, Valid: true}, TaxRateBp: pgtype.Int4{Int32: settings.TaxRateBp, Valid: true},
		PriceMode: pgtype.Text{String: modeText(rule.Mode), Valid: true}, Rounding: pgtype.Text{String: roundingText(rule.Rounding), Valid: true},
		ChargesMinor: t.Charges, DiscountsMinor: t.Discounts, TaxMinor: t.Tax, TotalMinor: t.Total, CreditsMinor: t.Credits,
		IssueDate: dateOf(issueDate), DueDate: dateOf(due), IssueTime: pgtype.Timestamptz{Time: now, Valid: true},
	})
	if err != nil {
		return Invoice{}, err
	}
	// The lines as drafted are already priced under this rule unless the
	// settings changed since: only then are they written again.
	if !slices.Equal(priced, stored) {
		if err := replaceLines(ctx, q, tenant, invoiceID, priced); err != nil {
			return Invoice{}, err
		}
	}
	inv := build(row, priced, t, rule, settings.TaxLabel)
	if l.notify != nil {
		if err := l.notify.InvoiceIssued(ctx, tx, inv); err != nil {
			return Invoice{}, fmt.Errorf("ledger: invoice issued notice: %w", err)
		}
	}
	return inv, nil
}

// The number series of number_sequences.
const (
	seriesInvoice    = "invoice"
	seriesCreditNote = "credit_note"
)

var seriesPrefix = map[string]string{seriesInvoice: "INV", seriesCreditNote: "CN"}

// nextNumber takes the next number of series for year, "INV-2027-000042".
func nextNumber(ctx context.Context, q *store.Queries, tenant uuid.UUID, series string, year int) (string, error) {
	seq, err := q.NextNumber(ctx, store.NextNumberParams{TenantID: tenant, Series: series, Year: int32(year)})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%d-%06d", seriesPrefix[series], year, seq.LastValue), nil
}

// Void voids an issued invoice without payments, keeping its number. A
// void invoice comes back unchanged.
func (l *Ledger) Void(ctx context.Context, tx tenantdb.DBTX, cur Invoice, reason string) (Invoice, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Invoice{}, err
	}
	switch {
	case cur.State == StateVoid:
		return cur, nil
	case cur.State == StateDraft:
		return Invoice{}, apierror.FailedPrecondition(typev1.ErrorReason_ERROR_REASON_FAILED_PRECONDITION,
			"a draft is not voided: delete it instead")
	case cur.Paid > 0:
		return Invoice{}, apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_INVOICE_HAS_PAYMENTS,
			"the invoice has payments: credit it instead")
	}
	q := store.New(tx)
	row, err := q.VoidInvoice(ctx, store.VoidInvoiceParams{TenantID: tenant, InvoiceID: cur.ID, VoidReason: reason,
		VoidTime: pgtype.Timestamptz{Time: l.now(), Valid: true}})
	if err != nil {
		return Invoice{}, err
	}
	inv := cur
	inv.State, inv.VoidReason, inv.VoidTime, inv.Revision, inv.UpdateTime = row.State, row.VoidReason, row.VoidTime.Time, row.Revision, row.UpdateTime
	return inv, nil
}

// CreditInput is a credit note to write against an issued invoice.
type CreditInput struct {
	InvoiceID   uuid.UUID
	Reason      string
	AmountMinor int64 // tax included
	CreatedBy   uuid.NullUUID
	RequestID   uuid.NullUUID
	Fingerprint []byte
}

// Credit writes a credit note against an issued invoice (locked here): its
// own gapless number, at most the amount still due (CREDIT_EXCEEDS_TOTAL),
// the tax inside it by the invoice's rule; the invoice is PAID when nothing
// is left due.
func (l *Ledger) Credit(ctx context.Context, tx tenantdb.DBTX, in CreditInput, zone *time.Location) (CreditNote, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return CreditNote{}, err
	}
	cur, err := l.Lock(ctx, tx, in.InvoiceID)
	if err != nil {
		return CreditNote{}, err
	}
	switch {
	case cur.State == StateDraft || cur.State == StateVoid:
		return CreditNote{}, apierror.FailedPrecondition(typev1.ErrorReason_ERROR_REASON_FAILED_PRECONDITION,
			"only an issued invoice is credited: a draft is edited, a void one owes nothing")
	case in.AmountMinor > cur.AmountDue():
		return CreditNote{}, apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_CREDIT_EXCEEDS_TOTAL,
			fmt.Sprintf("the credit is more than the %s still due", pricing.FormatMinor(cur.Currency, cur.AmountDue())))
	}
	q := store.New(tx)
	now := l.now()
	local := now.In(zone)
	issueDate := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	number, err := nextNumber(ctx, q, tenant, seriesCreditNote, issueDate.Year())
	if err != nil {
		return CreditNote{}, err
	}
	// The id is taken after the number, so id order is number order.
	cn, err := q.CreateCreditNote(ctx, store.CreateCreditNoteParams{
		TenantID: tenant, CreditNoteID: uuid.Must(uuid.NewV7()), InvoiceID: cur.ID, Number: number, Reason: in.Reason,
		AmountMinor: in.AmountMinor, TaxMinor: pricing.InclusiveTax(cur.Rule, in.AmountMinor), IssueDate: dateOf(issueDate),
		CreatedBy: in.CreatedBy, RequestID: in.RequestID, RequestFingerprint: in.Fingerprint,
	})
	if err != nil {
		return CreditNote{}, err
	}
	if _, err := l.settle(ctx, q, cur, cur.Paid, cur.Credited+in.AmountMinor); err != nil {
		return CreditNote{}, err
	}
	return CreditNote{cn}, nil
}

// settle stores what has been paid and credited on an invoice and the state
// that follows: PAID when nothing is left due, PARTIALLY_PAID when something
// was paid or credited, a void invoice staying void.
func (l *Ledger) settle(ctx context.Context, q *store.Queries, cur Invoice, paid, credited int64) (Invoice, error) {
	inv := cur
	inv.Paid, inv.Credited = paid, credited
	switch {
	case cur.State == StateVoid:
	case inv.AmountDue() <= 0:
		inv.State = StatePaid
	case paid > 0 || credited > 0:
		inv.State = StatePartiallyPaid
	default:
		inv.State = StateIssued
	}
	row, err := q.SetInvoiceSettlement(ctx, store.SetInvoiceSettlementParams{TenantID: cur.TenantID, InvoiceID: cur.ID,
		PaidMinor: paid, CreditedMinor: credited, State: inv.State})
	if err != nil {
		return Invoice{}, err
	}
	inv.Revision, inv.UpdateTime = row.Revision, row.UpdateTime
	return inv, nil
}

// PaymentInput is money received against an invoice.
type PaymentInput struct {
	InvoiceID   uuid.UUID
	AmountMinor int64
	// Currency must be the invoice's (CURRENCY_MISMATCH otherwise).
	Currency string
	// Method is the schema's: "bank_transfer", "cash", "stripe", "other".
	Method    string
	Reference string
	// StripeRef is the Stripe payment (its payment intent) recorded: once,
	// however many events report it. Empty for a manual payment.
	StripeRef   string
	ReceiveTime time.Time // zero: now
	RecordedBy  uuid.NullUUID
	RequestID   uuid.NullUUID
	Fingerprint []byte
}

// RecordPayment records a payment against an issued invoice, locked here,
// so concurrent payments queue and each sees the balance the one before
// left. A manual payment may not exceed the amount due
// (PAYMENT_EXCEEDS_BALANCE) and needs an issued, unpaid invoice
// (INVOICE_NOT_PAYABLE). A Stripe payment is money already taken: it is
// recorded on any issued invoice whatever the balance (a negative amount due
// shows the overpayment), and once per StripeRef: a second record of it
// returns the first and false.
func (l *Ledger) RecordPayment(ctx context.Context, tx tenantdb.DBTX, in PaymentInput) (Payment, bool, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Payment{}, false, err
	}
	q := store.New(tx)
	cur, err := l.Lock(ctx, tx, in.InvoiceID)
	if err != nil {
		return Payment{}, false, err
	}
	stripeRef := pgtype.Text{String: in.StripeRef, Valid: in.StripeRef != ""}
	if stripeRef.Valid {
		prior, err := q.PaymentOfStripe(ctx, store.PaymentOfStripeParams{TenantID: tenant, StripePaymentRef: stripeRef})
		if err == nil {
			return Payment{prior, cur.Currency}, false, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return Payment{}, false, err
		}
	}
	switch {
	case in.Currency != cur.Currency:
		return Payment{}, false, &apierror.Error{Code: codes.InvalidArgument,
			Reason:     apierror.Reason(invoicingv1.ErrorReason_ERROR_REASON_CURRENCY_MISMATCH),
			Message:    "the payment is in " + in.Currency + ", the invoice in " + cur.Currency,
			Violations: []apierror.FieldViolation{{Field: "payment.amount.currency_code", Description: "must be the invoice's, " + cur.Currency}}}
	case in.AmountMinor <= 0:
		return Payment{}, false, apierror.InvalidField("payment.amount", "must be more than zero")
	case cur.State == StateDraft:
		return Payment{}, false, errNotPayable
	case !stripeRef.Valid && (cur.State == StateVoid || cur.State == StatePaid):
		return Payment{}, false, errNotPayable
	case !stripeRef.Valid && in.AmountMinor > cur.AmountDue():
		return Payment{}, false, apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_PAYMENT_EXCEEDS_BALANCE,
			fmt.Sprintf("the payment is more than the %s due", pricing.FormatMinor(cur.Currency, cur.AmountDue())))
	}
	received := in.ReceiveTime
	if received.IsZero() {
		received = l.now()
	}
	row, err := q.CreatePayment(ctx, store.CreatePaymentParams{
		TenantID: tenant, PaymentID: uuid.Must(uuid.NewV7()), InvoiceID: cur.ID, AmountMinor: in.AmountMinor, Method: in.Method,
		Reference: in.Reference, StripePaymentRef: stripeRef, ReceiveTime: received, RecordedBy: in.RecordedBy,
		RequestID: in.RequestID, RequestFingerprint: in.Fingerprint,
	})
	if err != nil {
		// No row: a concurrent record of the same request_id or Stripe
		// payment, which the lock above makes impossible in this tenant.
		return Payment{}, false, err
	}
	inv, err := l.settle(ctx, q, cur, cur.Paid+in.AmountMinor, cur.Credited)
	if err != nil {
		return Payment{}, false, err
	}
	p := Payment{row, cur.Currency}
	if l.notify != nil {
		if err := l.notify.PaymentReceived(ctx, tx, inv, p); err != nil {
			return Payment{}, false, fmt.Errorf("ledger: payment received notice: %w", err)
		}
	}
	return p, true, nil
}

// Delete deletes a locked draft with its lines.
func (l *Ledger) Delete(ctx context.Context, tx tenantdb.DBTX, cur Invoice) error {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	if cur.State != StateDraft {
		return errNotDraft
	}
	return store.New(tx).DeleteDraft(ctx, store.DeleteDraftParams{TenantID: tenant, InvoiceID: cur.ID})
}

// writeLines stores a new invoice's priced lines.
func writeLines(ctx context.Context, q *store.Queries, tenant, invoice uuid.UUID, priced []pricing.Priced) error {
	if len(priced) == 0 {
		return nil
	}
	p := store.CreateInvoiceLinesParams{TenantID: tenant, InvoiceID: invoice}
	for i, l := range priced {
		p.Positions = append(p.Positions, int32(i))
		p.Kinds = append(p.Kinds, kindText[l.Kind])
		p.Descriptions = append(p.Descriptions, l.Description)
		p.Quantities = append(p.Quantities, int32(max(l.Quantity, 1)))
		p.UnitMinors = append(p.UnitMinors, l.UnitMinor)
		p.PercentBps = append(p.PercentBps, int32(l.PercentBP))
		p.StudentIds = append(p.StudentIds, l.StudentID)
		p.ClassIds = append(p.ClassIds, l.ClassID)
		p.AmountMinors = append(p.AmountMinors, l.AmountMinor)
		p.TaxMinors = append(p.TaxMinors, l.TaxMinor)
	}
	return q.CreateInvoiceLines(ctx, p)
}

func replaceLines(ctx context.Context, q *store.Queries, tenant, invoice uuid.UUID, priced []pricing.Priced) error {
	if err := q.DeleteInvoiceLines(ctx, store.DeleteInvoiceLinesParams{TenantID: tenant, InvoiceID: invoice}); err != nil {
		return err
	}
	return writeLines(ctx, q, tenant, invoice, priced)
}

// kindText is the schema's text of each line kind.
var kindText = map[pricing.Kind]string{
	pricing.GroupWeeks: "group_weeks", pricing.IndividualWeeks: "individual_weeks", pricing.Custom: "custom",
	pricing.Discount: "discount", pricing.Credit: "credit",
}

func kindOf(s string) pricing.Kind {
	for k, text := range kindText {
		if text == s {
			return k
		}
	}
	return 0
}

func dateOf(t time.Time) pgtype.Date {
	if t.IsZero() {
		return pgtype.Date{}
	}
	return pgtype.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), Valid: true}
}

func timeOf(d pgtype.Date) time.Time {
	if !d.Valid {
		return time.Time{}
	}
	return d.Time
}

// ViewerFamily is the family whose invoices the caller sees: none (all of
// them) for an ADMIN; a PARENT's own family (scope.Tenant's FamilyID),
// whose drafts they never see. TEACHER and STUDENT hold no billing
// permission and never get here; a scope without roles sees nothing.
func ViewerFamily(ctx context.Context) uuid.NullUUID {
	t, ok := scope.TenantFrom(ctx)
	if ok && t.HasRole(typev1.Role_ROLE_ADMIN) {
		return uuid.NullUUID{}
	}
	if !ok {
		return uuid.NullUUID{UUID: uuid.Nil, Valid: true}
	}
	return uuid.NullUUID{UUID: t.FamilyID, Valid: true}
}
