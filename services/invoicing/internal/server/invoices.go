package server

import (
	"context"
	"errors"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/bookingsrc"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/store"
)

// InvoiceServer implements invoicingv1.InvoiceServiceServer but for
// GetInvoicePdf, which internal/invoicepdf serves.
type InvoiceServer struct {
	invoicingv1.UnimplementedInvoiceServiceServer
	ledger *ledger.Ledger
	src    *bookingsrc.Source
}

// NewInvoiceServer returns an InvoiceServer drafting, issuing and
// crediting through l, reading Booking and Accounts through src.
func NewInvoiceServer(l *ledger.Ledger, src *bookingsrc.Source) *InvoiceServer {
	return &InvoiceServer{ledger: l, src: src}
}

// maxLines is the contract's bound on an invoice's lines, term lines
// included.
const maxLines = 200

// invoiceStore is the store with the ledger, for the invoices' Resource.
type invoiceStore struct {
	*store.Queries
	tx     tenantdb.DBTX
	ledger *ledger.Ledger
}

func (s *InvoiceServer) resource() aip.Resource[invoiceStore, ledger.Invoice, *invoicingv1.Invoice] {
	return invoicesOf(s.ledger)
}

// invoicesOf is the invoices' Resource. Read narrows to what the caller
// sees (viewerFamily); Lock, for the ADMIN's changes, does not.
func invoicesOf(l *ledger.Ledger) aip.Resource[invoiceStore, ledger.Invoice, *invoicingv1.Invoice] {
	return aip.Resource[invoiceStore, ledger.Invoice, *invoicingv1.Invoice]{
		Pattern: invoicePattern, Parent: tenantPattern,
		Queries: func(tx tenantdb.DBTX) invoiceStore { return invoiceStore{Queries: store.New(tx), tx: tx, ledger: l} },
		Read: func(ctx context.Context, q invoiceStore, n resname.Name) (ledger.Invoice, error) {
			row, err := q.GetInvoice(ctx, store.GetInvoiceParams{TenantID: n.ID("tenant"), InvoiceID: n.ID("invoice"), ViewerFamily: ledger.ViewerFamily(ctx)})
			if err != nil {
				return ledger.Invoice{}, err
			}
			return assemble(ctx, q.Queries, []store.InvoicingInvoice{row})
		},
		Lock: func(ctx context.Context, q invoiceStore, n resname.Name) (ledger.Invoice, error) {
			return q.ledger.Lock(ctx, q.tx, n.ID("invoice"))
		},
		ByRequestID: func(ctx context.Context, q invoiceStore, p resname.Name, rid uuid.NullUUID) (ledger.Invoice, error) {
			row, err := q.InvoiceCreatedBy(ctx, store.InvoiceCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
			if err != nil {
				return ledger.Invoice{}, err
			}
			return assemble(ctx, q.Queries, []store.InvoicingInvoice{row})
		},
		Revision:    func(r ledger.Invoice) int64 { return r.Revision },
		Fingerprint: func(r ledger.Invoice) []byte { return r.RequestFingerprint },
		// family, term and currency_code are fixed at create, state,
		// tax_rule and totals the service's (the contract says so; an
		// OUTPUT_ONLY annotation on a message or enum field would put
		// readOnly beside a $ref in the OpenAPI document): listed so that an
		// invoice sent back as read updates; the first three are refused
		// when they would change, the others ignored.
		Mutable: []string{"lines", "due_date", "notes", "family", "term", "currency_code", "state", "tax_rule", "totals"},
		Proto:   func(r ledger.Invoice, _ resname.Name) *invoicingv1.Invoice { return InvoiceToProto(r) },
	}
}

// assemble completes invoice rows with their lines, in one query, and the
// drafts with the current settings; it returns the first.
func assemble(ctx context.Context, q *store.Queries, rows []store.InvoicingInvoice) (ledger.Invoice, error) {
	all, err := assembleAll(ctx, q, rows)
	if err != nil {
		return ledger.Invoice{}, err
	}
	return all[0], nil
}

func assembleAll(ctx context.Context, q *store.Queries, rows []store.InvoicingInvoice) ([]ledger.Invoice, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	tenant := rows[0].TenantID
	ids := make([]uuid.UUID, len(rows))
	drafts := false
	for i, r := range rows {
		ids[i] = r.InvoiceID
		drafts = drafts || r.State == ledger.StateDraft
	}
	lines, err := q.ListInvoiceLines(ctx, store.ListInvoiceLinesParams{TenantID: tenant, InvoiceIds: ids})
	if err != nil {
		return nil, err
	}
	byInvoice := map[uuid.UUID][]store.InvoicingInvoiceLine{}
	for _, l := range lines {
		byInvoice[l.InvoiceID] = append(byInvoice[l.InvoiceID], l)
	}
	var settings store.InvoicingBillingSetting
	if drafts {
		if settings, err = ledger.Settings(ctx, q, tenant); err != nil {
			return nil, err
		}
	}
	out := make([]ledger.Invoice, len(rows))
	for i, r := range rows {
		out[i] = ledger.Assemble(r, byInvoice[r.InvoiceID], settings)
	}
	return out, nil
}

// InvoiceToProto is the resource of an invoice.
func InvoiceToProto(inv ledger.Invoice) *invoicingv1.Invoice {
	c := inv.Currency
	out := &invoicingv1.Invoice{
		Name: invoicePattern.Format(inv.TenantID, inv.ID), Family: familyPattern.Format(inv.TenantID, inv.FamilyID),
		State: invoiceStates.FromDB(inv.State), Number: inv.Number, CurrencyCode: c,
		TaxRule: &invoicingv1.TaxRule{TaxLabel: inv.TaxLabel, TaxRateBasisPoints: int32(inv.Rule.RateBP),
			PriceMode: priceModeOf(inv.Rule.Mode), Rounding: roundingOf(inv.Rule.Rounding)},
		Totals: &invoicingv1.InvoiceTotals{
			Charges: money(c, inv.Totals.Charges), Discounts: money(c, inv.Totals.Discounts), Taxable: money(c, inv.Totals.Taxable),
			Tax: money(c, inv.Totals.Tax), Total: money(c, inv.Totals.Total), Credits: money(c, inv.Totals.Credits),
			Credited: money(c, inv.Credited), Paid: money(c, inv.Paid), AmountDue: money(c, inv.AmountDue()),
		},
		IssueDate: date(inv.IssueDate), DueDate: date(inv.DueDate), Notes: inv.Notes, VoidReason: inv.VoidReason,
		CreateTime: timestamp(inv.CreateTime), UpdateTime: timestamp(inv.UpdateTime), IssueTime: timestamp(inv.IssueTime),
		VoidTime: timestamp(inv.VoidTime), Etag: aip.Etag(inv.Revision),
	}
	if inv.TermID.Valid {
		out.Term = termPattern.Format(inv.TenantID, inv.TermID.UUID)
	}
	if inv.BillingRunID.Valid {
		out.BillingRun = billingRunPattern.Format(inv.TenantID, inv.BillingRunID.UUID)
	}
	out.Lines = linesToProto(inv.TenantID, inv.FamilyID, c, inv.Lines)
	return out
}

// linesToProto are an invoice's lines; the students of its term lines are
// of the family billed.
func linesToProto(tenant, family uuid.UUID, currency string, lines []pricing.Priced) []*invoicingv1.InvoiceLine {
	out := make([]*invoicingv1.InvoiceLine, len(lines))
	for i, l := range lines {
		pl := &invoicingv1.InvoiceLine{Kind: invoicingv1.InvoiceLine_Kind(l.Kind), Description: l.Description,
			PercentBasisPoints: int32(l.PercentBP), Amount: money(currency, l.AmountMinor), Tax: money(currency, l.TaxMinor)}
		if l.PercentBP == 0 {
			pl.Quantity, pl.UnitAmount = int32(max(l.Quantity, 1)), money(currency, l.UnitMinor)
		}
		if l.StudentID != uuid.Nil {
			pl.Student = studentPattern.Format(tenant, family, l.StudentID)
		}
		if l.ClassID != uuid.Nil {
			pl.Class = classPattern.Format(tenant, l.ClassID)
		}
		out[i] = pl
	}
	return out
}

// givenLines checks the lines a client gives (custom lines, discounts and
// credits; term lines come from Booking) in currency.
func givenLines(in []*invoicingv1.InvoiceLine, currency string) ([]pricing.Line, error) {
	out := make([]pricing.Line, 0, len(in))
	for i, l := range in {
		field := "invoice.lines[" + strconv.Itoa(i) + "]"
		switch l.GetKind() {
		case invoicingv1.InvoiceLine_KIND_CUSTOM, invoicingv1.InvoiceLine_KIND_DISCOUNT, invoicingv1.InvoiceLine_KIND_CREDIT:
		default:
			return nil, apierror.InvalidField(field+".kind", "is CUSTOM, DISCOUNT or CREDIT: term lines come from the term's enrolments")
		}
		if l.GetDescription() == "" {
			return nil, apierror.InvalidField(field+".description", "is required")
		}
		line := pricing.Line{Kind: pricing.Kind(l.GetKind()), Description: l.GetDescription(), Quantity: int64(l.GetQuantity())}
		switch {
		case l.GetPercentBasisPoints() > 0 && l.GetKind() != invoicingv1.InvoiceLine_KIND_DISCOUNT:
			return nil, apierror.InvalidField(field+".percent_basis_points", "is only for a DISCOUNT")
		case l.GetPercentBasisPoints() > 0 && l.GetUnitAmount() != nil:
			return nil, apierror.InvalidField(field+".unit_amount", "a discount is a percentage or an amount, not both")
		case l.GetPercentBasisPoints() > 0:
			line.PercentBP, line.Quantity = int64(l.GetPercentBasisPoints()), 0
		case l.GetUnitAmount() == nil:
			return nil, apierror.InvalidField(field+".unit_amount", "is required")
		default:
			unit, err := amountIn(field+".unit_amount", l.GetUnitAmount(), currency)
			if err != nil {
				return nil, err
			}
			line.UnitMinor = unit
		}
		out = append(out, line)
	}
	return out, nil
}

// draft is what a create or preview asks for: a ledger.DraftInput and the
// request's names.
func (s *InvoiceServer) draft(ctx context.Context, parent resname.Name, in *invoicingv1.Invoice) (ledger.DraftInput, error) {
	tenant := parent.ID("tenant")
	if in.GetFamily() == "" {
		return ledger.DraftInput{}, apierror.InvalidField("invoice.family", "is required")
	}
	family, err := familyPattern.Parse("invoice.family", in.GetFamily())
	if err != nil {
		return ledger.DraftInput{}, err
	}
	if err := sameTenant("invoice.family", family, tenant); err != nil {
		return ledger.DraftInput{}, err
	}
	d := ledger.DraftInput{FamilyID: family.ID("family"), Notes: in.GetNotes(), Currency: in.GetCurrencyCode()}
	if due, ok := aip.ParseDate(in.GetDueDate()); !ok {
		return d, apierror.InvalidField("invoice.due_date", "is not a date (YYYY-MM-DD)")
	} else if due.Valid {
		d.DueDate = due.Time
	}
	var termLines []pricing.Line
	if in.GetTerm() != "" {
		term, err := termPattern.Parse("invoice.term", in.GetTerm())
		if err != nil {
			return d, err
		}
		if err := sameTenant("invoice.term", term, tenant); err != nil {
			return d, err
		}
		d.TermID = uuid.NullUUID{UUID: term.ID("term"), Valid: true}
		if termLines, d.Currency, err = s.termLines(ctx, tenant, d.TermID.UUID, d.FamilyID, in.GetCurrencyCode()); err != nil {
			return d, err
		}
	} else {
		if d.Currency == "" {
			return d, apierror.InvalidField("invoice.currency_code", "is required for an invoice without a term")
		}
		// The family must exist (and be the caller's to see): Booking says.
		if _, err := s.src.Family(ctx, tenant, d.FamilyID); err != nil {
			return d, err
		}
	}
	given, err := givenLines(in.GetLines(), d.Currency)
	if err != nil {
		return d, err
	}
	d.Lines = append(termLines, given...)
	if len(d.Lines) > maxLines {
		return d, apierror.InvalidField("invoice.lines", "an invoice has at most 200 lines, its term lines included")
	}
	return d, nil
}

// termLines are the family's lines for the term, from its enrolments in
// Booking and the term's price list, in the list's currency.
func (s *InvoiceServer) termLines(ctx context.Context, tenant, term, family uuid.UUID, asked string) ([]pricing.Line, string, error) {
	prices, err := termPrices(ctx, queries(s.ledger.DB().Scoped(ctx)), tenant, term)
	if err != nil {
		return nil, "", err
	}
	if asked != "" && asked != prices.Currency {
		return nil, "", errCurrency("invoice.currency_code", prices.Currency)
	}
	enrolments, err := s.src.Enrolments(ctx, tenant, term, uuid.NullUUID{UUID: family, Valid: true})
	if err != nil {
		return nil, "", err
	}
	es := make([]pricing.Enrolment, len(enrolments))
	for i, e := range enrolments {
		es[i] = e.Enrolment
	}
	lines, err := pricing.TermLines(prices.Currency, Rates(prices.rates), es)
	var noRate *pricing.NoRateError
	if errors.As(err, &noRate) {
		return nil, "", apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_NO_PRICE_LIST,
			"the term's price list has no rate for "+classPattern.Format(tenant, noRate.ClassID))
	}
	if err != nil {
		return nil, "", err
	}
	if len(lines) == 0 {
		return nil, "", apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_NOTHING_TO_BILL,
			familyPattern.Format(tenant, family)+" has no enrolment to bill in "+termPattern.Format(tenant, term))
	}
	return lines, prices.Currency, nil
}

func (s *InvoiceServer) PreviewInvoice(ctx context.Context, req *invoicingv1.PreviewInvoiceRequest) (*invoicingv1.Invoice, error) {
	parent, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	d, err := s.draft(ctx, parent, req.GetInvoice())
	if err != nil {
		return nil, err
	}
	settings, err := ledger.Settings(ctx, queries(s.ledger.DB().Scoped(ctx)), parent.ID("tenant"))
	if err != nil {
		return nil, err
	}
	rule := ledger.RuleOf(settings)
	priced, totals, err := pricing.Compute(rule, d.Lines)
	if errors.Is(err, pricing.ErrExceedsTotal) {
		return nil, apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_CREDIT_EXCEEDS_TOTAL,
			"the discounts exceed the charges, or the credits the total")
	}
	if err != nil {
		return nil, err
	}
	out := InvoiceToProto(ledger.Invoice{TenantID: parent.ID("tenant"), FamilyID: d.FamilyID, TermID: d.TermID, State: ledger.StateDraft,
		Currency: d.Currency, Lines: priced, Rule: rule, TaxLabel: settings.TaxLabel, Totals: totals, DueDate: d.DueDate, Notes: d.Notes})
	out.Name, out.Etag = "", "" // nothing was saved
	return out, nil
}

func (s *InvoiceServer) CreateInvoice(ctx context.Context, req *invoicingv1.CreateInvoiceRequest) (*invoicingv1.Invoice, error) {
	parent, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	// Booking is read before the transaction, which then only writes.
	d, err := s.draft(ctx, parent, req.GetInvoice())
	if err != nil {
		return nil, err
	}
	return s.resource().Create(ctx, s.ledger.DB(), req, "parent", req.GetParent(),
		func(ctx context.Context, q invoiceStore, _ resname.Name, key aip.Idempotency) (ledger.Invoice, error) {
			d.RequestID, d.Fingerprint = key.RequestID, key.Fingerprint
			inv, created, err := s.ledger.DraftTermInvoice(ctx, q.tx, d)
			if err == nil && !created {
				return inv, ledger.ErrInvoiceExists
			}
			return inv, err
		})
}

func (s *InvoiceServer) GetInvoice(ctx context.Context, req *invoicingv1.GetInvoiceRequest) (*invoicingv1.Invoice, error) {
	return s.resource().Get(ctx, s.ledger.DB(), "name", req.GetName())
}

func (s *InvoiceServer) ListInvoices(ctx context.Context, req *invoicingv1.ListInvoicesRequest) (*invoicingv1.ListInvoicesResponse, error) {
	page, next, err := s.resource().List(ctx, s.ledger.DB(), req, func(r ledger.Invoice) uuid.UUID { return r.ID },
		func(q invoiceStore, pg aip.Page) ([]ledger.Invoice, error) {
			tenant := pg.Parent.ID("tenant")
			p := store.ListInvoicesParams{TenantID: tenant, BeforeID: pg.After, PageLimit: pg.Limit, ViewerFamily: ledger.ViewerFamily(ctx)}
			if err := invoiceFilter(req.GetFilter(), &p); err != nil {
				return nil, err
			}
			rows, err := q.ListInvoices(ctx, p)
			if err != nil {
				return nil, err
			}
			return assembleAll(ctx, q.Queries, rows)
		}, req.GetFilter())
	return &invoicingv1.ListInvoicesResponse{Invoices: page, NextPageToken: next}, err
}

// invoiceFilter binds ListInvoices' filter: family, term, billing_run (=
// a name) and state (= a state).
func invoiceFilter(filter string, p *store.ListInvoicesParams) error {
	ref := func(pattern resname.Pattern, variable string, dst *uuid.NullUUID) func(f *aip.Filter, t aip.Term) error {
		return func(f *aip.Filter, t aip.Term) error {
			n, err := pattern.Parse("filter", t.Value)
			if err != nil || t.Op != "=" {
				return aip.FilterError(t.Field + ` supports only = "` + pattern.String() + `"`)
			}
			return aip.SetOnce(f, t, dst, uuid.NullUUID{UUID: n.ID(variable), Valid: true})
		}
	}
	return aip.ApplyFilter(filter,
		aip.FilterField{Name: "family", Bind: ref(familyPattern, "family", &p.FamilyID)},
		aip.FilterField{Name: "term", Bind: ref(termPattern, "term", &p.TermID)},
		aip.FilterField{Name: "billing_run", Bind: ref(billingRunPattern, "billing_run", &p.BillingRunID)},
		aip.FilterField{Name: "state", Bind: func(f *aip.Filter, t aip.Term) error {
			st, ok := invoiceStates.Parse(t.Value)
			if !ok || t.Op != "=" {
				return aip.FilterError("state supports only =, with one of " + invoiceStates.Names())
			}
			return aip.SetOnce(f, t, &p.State, pgtype.Text{String: invoiceStates.ToDB(st), Valid: true})
		}},
	)
}

func (s *InvoiceServer) UpdateInvoice(ctx context.Context, req *invoicingv1.UpdateInvoiceRequest) (*invoicingv1.Invoice, error) {
	in := req.GetInvoice()
	return s.resource().Update(ctx, s.ledger.DB(), req, func(q invoiceStore, cur ledger.Invoice, mask aip.Mask) (ledger.Invoice, error) {
		if cur.State != ledger.StateDraft {
			return cur, errNotDraft(in.GetName())
		}
		current := InvoiceToProto(cur)
		for _, f := range []struct{ field, sent, is string }{
			{"family", in.GetFamily(), current.GetFamily()}, {"term", in.GetTerm(), current.GetTerm()},
			{"currency_code", in.GetCurrencyCode(), current.GetCurrencyCode()},
		} {
			if mask.Has(f.field) && f.sent != f.is {
				return cur, apierror.InvalidField("invoice."+f.field, "is fixed when the invoice is created")
			}
		}
		var lines []pricing.Line
		if mask.Has("lines") {
			// The lines replace the custom lines, discounts and credits; the
			// term lines are the term's, so those sent back (as read) stay
			// as they are.
			var given []*invoicingv1.InvoiceLine
			for _, l := range in.GetLines() {
				if k := l.GetKind(); k != invoicingv1.InvoiceLine_KIND_GROUP_WEEKS && k != invoicingv1.InvoiceLine_KIND_INDIVIDUAL_WEEKS {
					given = append(given, l)
				}
			}
			g, err := givenLines(given, cur.Currency)
			if err != nil {
				return cur, err
			}
			for _, l := range cur.Lines {
				if l.Kind == pricing.GroupWeeks || l.Kind == pricing.IndividualWeeks {
					lines = append(lines, l.Line)
				}
			}
			if lines = append(lines, g...); len(lines) > maxLines {
				return cur, apierror.InvalidField("invoice.lines", "an invoice has at most 200 lines, its term lines included")
			}
			if lines == nil {
				lines = []pricing.Line{}
			}
		}
		due, notes := cur.DueDate, cur.Notes
		if mask.Has("due_date") {
			d, ok := aip.ParseDate(in.GetDueDate())
			if !ok {
				return cur, apierror.InvalidField("invoice.due_date", "is not a date (YYYY-MM-DD)")
			}
			due = d.Time
		}
		take(mask, "notes", &notes, in.GetNotes())
		return q.ledger.UpdateDraft(ctx, q.tx, cur, lines, due, notes)
	})
}

// errNotDraft is INVOICE_NOT_DRAFT for name.
func errNotDraft(name string) error {
	return apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_INVOICE_NOT_DRAFT,
		name+" is issued: it no longer changes; correct it with a credit note, or void it")
}

func (s *InvoiceServer) DeleteInvoice(ctx context.Context, req *invoicingv1.DeleteInvoiceRequest) (*emptypb.Empty, error) {
	return s.resource().Delete(ctx, s.ledger.DB(), "name", req.GetName(), req.GetEtag(), func(q invoiceStore, cur ledger.Invoice) error {
		if cur.State != ledger.StateDraft {
			return errNotDraft(req.GetName())
		}
		return q.ledger.Delete(ctx, q.tx, cur)
	})
}

// locked runs fn on the invoice name names, locked, after its etag check.
func (s *InvoiceServer) locked(ctx context.Context, name, etag string, fn func(tx tenantdb.DBTX, cur ledger.Invoice) (ledger.Invoice, error)) (*invoicingv1.Invoice, error) {
	n, err := invoicePattern.Parse("name", name)
	if err != nil {
		return nil, err
	}
	var out ledger.Invoice
	err = s.ledger.DB().InTx(ctx, func(tx tenantdb.DBTX) error {
		cur, err := s.ledger.Lock(ctx, tx, n.ID("invoice"))
		if err != nil {
			return aip.NotFoundAs(err, name)
		}
		if err := aip.CheckEtag(etag, cur.Revision, name); err != nil {
			return err
		}
		out, err = fn(tx, cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	return InvoiceToProto(out), nil
}

func (s *InvoiceServer) IssueInvoice(ctx context.Context, req *invoicingv1.IssueInvoiceRequest) (*invoicingv1.Invoice, error) {
	n, err := invoicePattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	// The school's zone is Booking's, read before the transaction.
	school, err := s.src.School(ctx, n.ID("tenant"))
	if err != nil {
		return nil, err
	}
	return s.locked(ctx, req.GetName(), req.GetEtag(), func(tx tenantdb.DBTX, cur ledger.Invoice) (ledger.Invoice, error) {
		return s.ledger.Issue(ctx, tx, cur.ID, school.Zone)
	})
}

func (s *InvoiceServer) VoidInvoice(ctx context.Context, req *invoicingv1.VoidInvoiceRequest) (*invoicingv1.Invoice, error) {
	return s.locked(ctx, req.GetName(), req.GetEtag(), func(tx tenantdb.DBTX, cur ledger.Invoice) (ledger.Invoice, error) {
		return s.ledger.Void(ctx, tx, cur, req.GetReason())
	})
}

// creditNotes are read through their invoice: a PARENT sees those of their
// family's issued invoices.
var creditNotes = aip.Resource[txStore, store.InvoicingCreditNote, *invoicingv1.CreditNote]{
	Pattern: creditNotePattern, Parent: invoicePattern, Queries: newTxStore,
	ByRequestID: func(ctx context.Context, q txStore, p resname.Name, rid uuid.NullUUID) (store.InvoicingCreditNote, error) {
		return q.CreditNoteCreatedBy(ctx, store.CreditNoteCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
	},
	Fingerprint: func(r store.InvoicingCreditNote) []byte { return r.RequestFingerprint },
}

// invoiceVisible reports whether the invoice p names (any, for "-") is the
// caller's to see.
func invoiceVisible(ctx context.Context, q *store.Queries, p resname.Name) (bool, error) {
	if p.IsWildcard("invoice") {
		return true, nil
	}
	_, err := q.GetInvoice(ctx, store.GetInvoiceParams{TenantID: p.ID("tenant"), InvoiceID: p.ID("invoice"), ViewerFamily: ledger.ViewerFamily(ctx)})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func creditNoteToProto(r store.InvoicingCreditNote, currency string) *invoicingv1.CreditNote {
	return &invoicingv1.CreditNote{Name: creditNotePattern.Format(r.TenantID, r.InvoiceID, r.CreditNoteID), Number: r.Number,
		Reason: r.Reason, Amount: money(currency, r.AmountMinor), Tax: money(currency, r.TaxMinor),
		IssueDate: aip.FormatDate(r.IssueDate), CreateTime: timestamppb.New(r.CreateTime)}
}

func (s *InvoiceServer) CreateCreditNote(ctx context.Context, req *invoicingv1.CreateCreditNoteRequest) (*invoicingv1.CreditNote, error) {
	n, err := invoicePattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	in := req.GetCreditNote()
	if in.GetReason() == "" {
		return nil, apierror.InvalidField("credit_note.reason", "is required")
	}
	if in.GetAmount() == nil {
		return nil, apierror.InvalidField("credit_note.amount", "is required")
	}
	school, err := s.src.School(ctx, n.ID("tenant"))
	if err != nil {
		return nil, err
	}
	var currency string
	resource := creditNotes
	resource.CheckParent = func(ctx context.Context, q txStore, p resname.Name) error {
		row, err := q.LockInvoice(ctx, store.LockInvoiceParams{TenantID: p.ID("tenant"), InvoiceID: p.ID("invoice")})
		if err != nil {
			return aip.NotFoundAs(err, req.GetParent())
		}
		currency = row.Currency
		return nil
	}
	resource.Proto = func(r store.InvoicingCreditNote, _ resname.Name) *invoicingv1.CreditNote {
		return creditNoteToProto(r, currency)
	}
	return resource.Create(ctx, s.ledger.DB(), req, "parent", req.GetParent(),
		func(ctx context.Context, q txStore, p resname.Name, key aip.Idempotency) (store.InvoicingCreditNote, error) {
			if in.GetAmount().GetCurrencyCode() != currency {
				return store.InvoicingCreditNote{}, errCurrency("credit_note.amount.currency_code", currency)
			}
			if in.GetAmount().GetAmountMinor() <= 0 {
				return store.InvoicingCreditNote{}, apierror.InvalidField("credit_note.amount", "must be more than zero")
			}
			cn, err := s.ledger.Credit(ctx, q.tx, ledger.CreditInput{InvoiceID: p.ID("invoice"), Reason: in.GetReason(),
				AmountMinor: in.GetAmount().GetAmountMinor(), CreatedBy: callerUser(ctx), RequestID: key.RequestID,
				Fingerprint: key.Fingerprint}, school.Zone)
			return cn.InvoicingCreditNote, err
		})
}

func (s *InvoiceServer) ListCreditNotes(ctx context.Context, req *invoicingv1.ListCreditNotesRequest) (*invoicingv1.ListCreditNotesResponse, error) {
	parent, err := anyInvoicePattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	q := queries(s.ledger.DB().Scoped(ctx))
	p := store.ListCreditNotesParams{TenantID: parent.ID("tenant"), AfterID: after, PageLimit: size + 1, ViewerFamily: ledger.ViewerFamily(ctx)}
	if !parent.IsWildcard("invoice") {
		p.InvoiceID = uuid.NullUUID{UUID: parent.ID("invoice"), Valid: true}
	}
	rows, err := q.ListCreditNotes(ctx, p)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if ok, err := invoiceVisible(ctx, q, parent); err != nil || !ok {
			return nil, orNotFound(err, req.GetParent())
		}
	}
	resp := &invoicingv1.ListCreditNotesResponse{}
	resp.CreditNotes, resp.NextPageToken = pagetoken.Page(rows, size,
		func(r store.ListCreditNotesRow) []string {
			return []string{r.InvoicingCreditNote.CreditNoteID.String()}
		},
		func(r store.ListCreditNotesRow) *invoicingv1.CreditNote {
			return creditNoteToProto(r.InvoicingCreditNote, r.Currency)
		},
		req.GetParent())
	return resp, nil
}

func orNotFound(err error, name string) error {
	if err != nil {
		return err
	}
	return apierror.NotFound(name)
}
