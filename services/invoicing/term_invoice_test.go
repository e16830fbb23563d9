package invoicing_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
)

// termSetup is a ten-week term whose pattern has 7 group and 3 individual
// weeks, its class "Piano" with Mia enrolled, and the term's price list:
// the class at $35.00 a group week and $50.00 an individual week.
type termSetup struct {
	term, class, priceList string
}

func (s *school) pianoTerm() termSetup {
	t := s.f.t
	t.Helper()
	term := must(s.f.terms.CreateTerm(s.admin, &bookingv1.CreateTermRequest{Parent: s.name, Term: &bookingv1.Term{
		DisplayName: "Term 1 2027", StartDate: "2027-02-01", EndDate: "2027-04-09"}}))(t)
	g, i := bookingv1.WeekKind_WEEK_KIND_GROUP, bookingv1.WeekKind_WEEK_KIND_INDIVIDUAL
	must(s.f.terms.UpdateWeekPattern(s.admin, &bookingv1.UpdateWeekPatternRequest{WeekPattern: &bookingv1.WeekPattern{
		Name: term.GetName() + "/weekPattern", Weeks: []bookingv1.WeekKind{g, g, i, g, g, i, g, g, i, g}}}))(t)
	class := must(s.f.terms.CreateClass(s.admin, &bookingv1.CreateClassRequest{Parent: s.name, Class: &bookingv1.Class{
		Term: term.GetName(), DisplayName: "Piano", Instrument: s.piano.GetName(), Teacher: s.teacherRes.GetName(), Room: s.room.GetName(),
		Weekday: 3, StartTime: "16:00", GroupMinutes: 45, IndividualMinutes: 20, Capacity: 8}}))(t)
	must(s.f.terms.CreateEnrolment(s.admin, &bookingv1.CreateEnrolmentRequest{Parent: class.GetName(),
		Enrolment: &bookingv1.Enrolment{Student: s.mia.GetName()}}))(t)
	pl := must(s.f.prices.CreatePriceList(s.admin, &invoicingv1.CreatePriceListRequest{Parent: s.name, PriceList: &invoicingv1.PriceList{
		Term: term.GetName(), CurrencyCode: "AUD", DisplayName: "Term 1 2027 fees",
		Rates: []*invoicingv1.PriceRate{{Class: class.GetName(), GroupWeek: aud(3500), IndividualWeek: aud(5000)}}}}))(t)
	return termSetup{term: term.GetName(), class: class.GetName(), priceList: pl.GetName()}
}

// TestTermInvoice: the spec's example from Booking's calendar — 7 group
// weeks at $35.00 and 3 individual weeks at $50.00 is $395.00 with $35.91
// of GST inside it — previewed (nothing saved), drafted once per family
// and term (INVOICE_EXISTS), and refused for a term without a price list
// (NO_PRICE_LIST) and a family without enrolments (NOTHING_TO_BILL).
func TestTermInvoice(t *testing.T) {
	t.Parallel()
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")
	ts := s.pianoTerm()
	req := &invoicingv1.Invoice{Family: s.garcia.GetName(), Term: ts.term,
		Lines: []*invoicingv1.InvoiceLine{{Kind: invoicingv1.InvoiceLine_KIND_DISCOUNT, Description: "Early payment", UnitAmount: aud(1000)}}}

	preview := must(f.invoices.PreviewInvoice(s.admin, &invoicingv1.PreviewInvoiceRequest{Parent: s.name, Invoice: req}))(t)
	if preview.GetName() != "" {
		t.Errorf("a preview named %s", preview.GetName())
	}
	var saved int
	s.query(`SELECT count(*) FROM invoicing.invoices`, nil, &saved)
	if saved != 0 {
		t.Errorf("the preview saved %d invoices", saved)
	}
	inv := must(f.invoices.CreateInvoice(s.admin, &invoicingv1.CreateInvoiceRequest{Parent: s.name, Invoice: req}))(t)
	for _, got := range []*invoicingv1.Invoice{preview, inv} {
		want := []string{"Piano — Mia, 7 group weeks × $35.00", "Piano — Mia, 3 individual weeks × $50.00", "Early payment"}
		if len(got.GetLines()) != len(want) {
			t.Fatalf("lines %v; want %v", got.GetLines(), want)
		}
		for i, l := range got.GetLines() {
			if l.GetDescription() != want[i] {
				t.Errorf("line %d: %q; want %q", i, l.GetDescription(), want[i])
			}
		}
		if l := got.GetLines()[0]; l.GetStudent() != s.mia.GetName() || l.GetClass() != ts.class || l.GetQuantity() != 7 ||
			l.GetAmount().GetAmountMinor() != 24500 {
			t.Errorf("the group line: %v; want Mia's, of the class, 7 × 3500 = 24500", l)
		}
		// $395.00 of lessons less $10.00: $385.00 GST-inclusive carries $35.00.
		checkTotals(t, "the term invoice", got, totals{charges: 39500, discounts: 1000, taxable: 38500, tax: 3500, total: 38500, due: 38500})
		if got.GetCurrencyCode() != "AUD" || got.GetTerm() != ts.term {
			t.Errorf("currency %q, term %q; want the price list's AUD and the term", got.GetCurrencyCode(), got.GetTerm())
		}
	}
	// Without the discount: the spec's $395.00 and $35.91.
	bare := &invoicingv1.Invoice{Family: s.garcia.GetName(), Term: ts.term}
	p := must(f.invoices.PreviewInvoice(s.admin, &invoicingv1.PreviewInvoiceRequest{Parent: s.name, Invoice: bare}))(t)
	checkTotals(t, "the spec's example", p, totals{charges: 39500, taxable: 39500, tax: 3591, total: 39500, due: 39500})

	_, err := f.invoices.CreateInvoice(s.admin, &invoicingv1.CreateInvoiceRequest{Parent: s.name, Invoice: bare})
	refused(t, "a second term invoice for the family", err, codes.AlreadyExists, "INVOICE_EXISTS")
	_, err = f.invoices.CreateInvoice(s.admin, &invoicingv1.CreateInvoiceRequest{Parent: s.name,
		Invoice: &invoicingv1.Invoice{Family: s.novak.GetName(), Term: ts.term}})
	refused(t, "a family with no enrolment in the term", err, codes.FailedPrecondition, "NOTHING_TO_BILL")
	_, err = f.invoices.CreateInvoice(s.admin, &invoicingv1.CreateInvoiceRequest{Parent: s.name,
		Invoice: &invoicingv1.Invoice{Family: s.garcia.GetName(), Term: ts.term, CurrencyCode: "USD"}})
	refused(t, "a term invoice in another currency than its price list", err, codes.InvalidArgument, "CURRENCY_MISMATCH")
	bareTerm := must(f.terms.CreateTerm(s.admin, &bookingv1.CreateTermRequest{Parent: s.name, Term: &bookingv1.Term{
		DisplayName: "Term 2 2027", StartDate: "2027-04-26", EndDate: "2027-06-25"}}))(t)
	_, err = f.invoices.CreateInvoice(s.admin, &invoicingv1.CreateInvoiceRequest{Parent: s.name,
		Invoice: &invoicingv1.Invoice{Family: s.garcia.GetName(), Term: bareTerm.GetName()}})
	refused(t, "a term without a price list", err, codes.FailedPrecondition, "NO_PRICE_LIST")
	// A price list with no rate for the class is no price either.
	must(f.prices.UpdatePriceList(s.admin, &invoicingv1.UpdatePriceListRequest{PriceList: &invoicingv1.PriceList{Name: ts.priceList,
		Rates: []*invoicingv1.PriceRate{{Class: s.name + "/classes/" + uuid.NewString(), GroupWeek: aud(1), IndividualWeek: aud(1)}}}}))(t)
	_, err = f.invoices.PreviewInvoice(s.admin, &invoicingv1.PreviewInvoiceRequest{Parent: s.name, Invoice: bare})
	refused(t, "a class the price list has no rate for", err, codes.FailedPrecondition, "NO_PRICE_LIST")

	// Voided, the family may be billed for the term again.
	issued := must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: inv.GetName()}))(t)
	must(f.invoices.VoidInvoice(s.admin, &invoicingv1.VoidInvoiceRequest{Name: issued.GetName(), Reason: "Wrong discount"}))(t)
	must(f.prices.UpdatePriceList(s.admin, &invoicingv1.UpdatePriceListRequest{PriceList: &invoicingv1.PriceList{Name: ts.priceList,
		Rates: []*invoicingv1.PriceRate{{Class: ts.class, GroupWeek: aud(3500), IndividualWeek: aud(5000)}}}}))(t)
	must(f.invoices.CreateInvoice(s.admin, &invoicingv1.CreateInvoiceRequest{Parent: s.name, Invoice: bare}))(t)
}

// TestDraftTermInvoiceOncePerFamily: the ledger called from 16 goroutines
// at once, as two billing runs would, drafts the family's term invoice
// once; the others get that one back, not created (SQL).
func TestDraftTermInvoiceOncePerFamily(t *testing.T) {
	t.Parallel()
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")
	books := ledger.New(f.app, nil, f.clock.now)
	ctx := scope.WithTenant(context.Background(), scope.Tenant{TenantID: s.id})
	term := uuid.Must(uuid.NewV7())
	in := ledger.DraftInput{FamilyID: idOf(s.garcia.GetName()), TermID: uuid.NullUUID{UUID: term, Valid: true}, Currency: "AUD",
		Lines: []pricing.Line{{Kind: pricing.GroupWeeks, Description: "Piano — Mia, 7 group weeks × $35.00", Quantity: 7, UnitMinor: 3500}}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, ids := 0, map[uuid.UUID]bool{}
	for range 16 {
		wg.Go(func() {
			var inv ledger.Invoice
			var made bool
			err := f.app.InTx(ctx, func(tx tenantdb.DBTX) error {
				var err error
				inv, made, err = books.DraftTermInvoice(ctx, tx, in)
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("drafting: %v", err)
				return
			}
			ids[inv.ID] = true
			if made {
				created++
			}
		})
	}
	wg.Wait()
	var rows, lines int
	s.query(`SELECT count(*), (SELECT count(*) FROM invoicing.invoice_lines) FROM invoicing.invoices WHERE term_id = $1`, []any{term}, &rows, &lines)
	if created != 1 || len(ids) != 1 || rows != 1 || lines != 1 {
		t.Errorf("%d created, %d distinct answered, %d rows with %d lines; want one of each", created, len(ids), rows, lines)
	}
}
