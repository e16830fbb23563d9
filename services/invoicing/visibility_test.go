package invoicing_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
)

// TestWhoSeesWhichInvoice: a PARENT sees their family's issued invoices,
// with their payments and credit notes, and nothing else: another
// family's, and their own drafts, are NOT_FOUND (an empty list), as
// another school's are for its ADMIN; TEACHER and STUDENT are denied.
func TestWhoSeesWhichInvoice(t *testing.T) {
	t.Parallel()
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")
	other := f.school("Australia/Perth")
	garciaIssued := s.issued(s.garcia, 10000)
	must(s.pay(garciaIssued.GetName(), 2500))(t)
	must(f.invoices.CreateCreditNote(s.admin, &invoicingv1.CreateCreditNoteRequest{Parent: garciaIssued.GetName(),
		CreditNote: &invoicingv1.CreditNote{Reason: "Lesson cancelled", Amount: aud(1000)}}))(t)
	garciaDraft := s.draft(s.garcia, 2000)
	novakIssued := s.issued(s.novak, 3000)

	get := func(ctx context.Context, name string) error {
		_, err := f.invoices.GetInvoice(ctx, &invoicingv1.GetInvoiceRequest{Name: name})
		return err
	}
	if err := get(s.garciaParent, garciaIssued.GetName()); err != nil {
		t.Errorf("the Garcias' PARENT reading their issued invoice: %v", err)
	}
	refused(t, "the Garcias' PARENT reading their draft", get(s.garciaParent, garciaDraft.GetName()), codes.NotFound, "")
	refused(t, "the Garcias' PARENT reading the Novaks' invoice", get(s.garciaParent, novakIssued.GetName()), codes.NotFound, "")
	refused(t, "another school's ADMIN", get(other.admin, garciaIssued.GetName()), codes.NotFound, "")
	refused(t, "a TEACHER", get(s.teacher, garciaIssued.GetName()), codes.PermissionDenied, "")
	refused(t, "a STUDENT", get(s.student, garciaIssued.GetName()), codes.PermissionDenied, "")

	list := must(f.invoices.ListInvoices(s.garciaParent, &invoicingv1.ListInvoicesRequest{Parent: s.name}))(t)
	if len(list.GetInvoices()) != 1 || list.GetInvoices()[0].GetName() != garciaIssued.GetName() {
		t.Errorf("the Garcias' PARENT lists %d invoices; want only their issued one", len(list.GetInvoices()))
	}
	all := must(f.invoices.ListInvoices(s.admin, &invoicingv1.ListInvoicesRequest{Parent: s.name}))(t)
	if len(all.GetInvoices()) != 3 || all.GetInvoices()[0].GetName() != novakIssued.GetName() {
		t.Errorf("the ADMIN lists %d invoices, first %s; want 3, newest first", len(all.GetInvoices()), all.GetInvoices()[0].GetName())
	}
	drafts := must(f.invoices.ListInvoices(s.admin, &invoicingv1.ListInvoicesRequest{Parent: s.name,
		Filter: `state = DRAFT AND family = "` + s.garcia.GetName() + `"`}))(t)
	if len(drafts.GetInvoices()) != 1 || drafts.GetInvoices()[0].GetName() != garciaDraft.GetName() {
		t.Errorf("the Garcias' drafts: %d; want the one", len(drafts.GetInvoices()))
	}
	paged := must(f.invoices.ListInvoices(s.admin, &invoicingv1.ListInvoicesRequest{Parent: s.name, PageSize: 2}))(t)
	rest := must(f.invoices.ListInvoices(s.admin, &invoicingv1.ListInvoicesRequest{Parent: s.name, PageSize: 2, PageToken: paged.GetNextPageToken()}))(t)
	if len(paged.GetInvoices()) != 2 || len(rest.GetInvoices()) != 1 || rest.GetNextPageToken() != "" {
		t.Errorf("pages of 2: %d then %d (next %q); want 2 then 1", len(paged.GetInvoices()), len(rest.GetInvoices()), rest.GetNextPageToken())
	}
	if empty := must(f.invoices.ListInvoices(other.admin, &invoicingv1.ListInvoicesRequest{Parent: other.name}))(t); len(empty.GetInvoices()) != 0 {
		t.Errorf("another school lists %d invoices; want none", len(empty.GetInvoices()))
	}

	pays := must(f.payments.ListPayments(s.garciaParent, &invoicingv1.ListPaymentsRequest{Parent: s.name + "/invoices/-"}))(t)
	if len(pays.GetPayments()) != 1 {
		t.Errorf("the Garcias' PARENT sees %d payments; want their one", len(pays.GetPayments()))
	}
	_, err := f.payments.ListPayments(s.garciaParent, &invoicingv1.ListPaymentsRequest{Parent: novakIssued.GetName()})
	refused(t, "the Garcias' PARENT listing the Novaks' payments", err, codes.NotFound, "")
	if none := must(f.payments.ListPayments(s.novakParent, &invoicingv1.ListPaymentsRequest{Parent: s.name + "/invoices/-"}))(t); len(none.GetPayments()) != 0 {
		t.Errorf("the Novaks' PARENT sees %d payments; want none", len(none.GetPayments()))
	}
	notes := must(f.invoices.ListCreditNotes(s.garciaParent, &invoicingv1.ListCreditNotesRequest{Parent: garciaIssued.GetName()}))(t)
	if len(notes.GetCreditNotes()) != 1 {
		t.Errorf("the Garcias' PARENT sees %d credit notes; want 1", len(notes.GetCreditNotes()))
	}
	_, err = f.invoices.ListCreditNotes(s.novakParent, &invoicingv1.ListCreditNotesRequest{Parent: garciaIssued.GetName()})
	refused(t, "the Novaks' PARENT listing the Garcias' credit notes", err, codes.NotFound, "")

	// Managing is the ADMIN's.
	_, err = s.f.payments.RecordPayment(s.garciaParent, &invoicingv1.RecordPaymentRequest{Parent: garciaIssued.GetName(),
		Payment: &invoicingv1.Payment{Amount: aud(100), Method: invoicingv1.Payment_METHOD_CASH}})
	refused(t, "a PARENT recording a payment", err, codes.PermissionDenied, "")
	_, err = f.invoices.IssueInvoice(other.admin, &invoicingv1.IssueInvoiceRequest{Name: garciaDraft.GetName()})
	refused(t, "another school's ADMIN issuing", err, codes.NotFound, "")
	_, err = f.invoices.CreateInvoice(s.admin, s.custom(other.garcia, charge("Fee", 1, 100)))
	refused(t, "invoicing another school's family", err, codes.InvalidArgument, "")
}

// TestPriceLists: CRUD of a term's price list, its etag and mask, and the
// refusals: a second list for the term, a rate in another currency, two
// rates for one class.
func TestPriceLists(t *testing.T) {
	t.Parallel()
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")
	term := s.name + "/terms/0190d8a4-1111-7000-8000-000000000001"
	class := s.name + "/classes/0190d8a4-2222-7000-8000-000000000001"
	pl := must(f.prices.CreatePriceList(s.admin, &invoicingv1.CreatePriceListRequest{Parent: s.name, PriceList: &invoicingv1.PriceList{
		Term: term, CurrencyCode: "AUD", DisplayName: "Term 1 2027 fees", Rates: []*invoicingv1.PriceRate{
			{GroupWeek: aud(3000), IndividualWeek: aud(4500)},
			{Class: class, GroupWeek: aud(3500), IndividualWeek: aud(5000)},
			{Instrument: s.piano.GetName(), GroupWeek: aud(3200), IndividualWeek: aud(4800)},
		}}}))(t)
	if len(pl.GetRates()) != 3 || pl.GetRates()[1].GetClass() != class || pl.GetRates()[2].GetInstrument() != s.piano.GetName() {
		t.Errorf("created %v; want its three rates in order", pl.GetRates())
	}
	if got := must(f.prices.GetPriceList(s.garciaParent, &invoicingv1.GetPriceListRequest{Name: pl.GetName()}))(t); got.GetEtag() != pl.GetEtag() {
		t.Errorf("a PARENT reads etag %s; want %s", got.GetEtag(), pl.GetEtag())
	}
	_, err := f.prices.CreatePriceList(s.admin, &invoicingv1.CreatePriceListRequest{Parent: s.name, PriceList: &invoicingv1.PriceList{
		Term: term, CurrencyCode: "AUD"}})
	refused(t, "a second list for the term", err, codes.AlreadyExists, "")
	_, err = f.prices.CreatePriceList(s.admin, &invoicingv1.CreatePriceListRequest{Parent: s.name, PriceList: &invoicingv1.PriceList{
		Term: s.name + "/terms/0190d8a4-1111-7000-8000-000000000002", CurrencyCode: "AUD",
		Rates: []*invoicingv1.PriceRate{{GroupWeek: usd(3000), IndividualWeek: aud(4500)}}}})
	refused(t, "a rate in USD on an AUD list", err, codes.InvalidArgument, "CURRENCY_MISMATCH")
	_, err = f.prices.UpdatePriceList(s.admin, &invoicingv1.UpdatePriceListRequest{PriceList: &invoicingv1.PriceList{Name: pl.GetName(),
		Rates: []*invoicingv1.PriceRate{{Class: class, GroupWeek: aud(1), IndividualWeek: aud(1)}, {Class: class, GroupWeek: aud(2), IndividualWeek: aud(2)}}}})
	refused(t, "two rates for one class", err, codes.InvalidArgument, "")

	upd := must(f.prices.UpdatePriceList(s.admin, &invoicingv1.UpdatePriceListRequest{PriceList: &invoicingv1.PriceList{
		Name: pl.GetName(), DisplayName: "Term 1 fees (revised)", Etag: pl.GetEtag()}}))(t)
	if upd.GetDisplayName() != "Term 1 fees (revised)" || len(upd.GetRates()) != 3 {
		t.Errorf("renamed: %q with %d rates; want the rates kept", upd.GetDisplayName(), len(upd.GetRates()))
	}
	_, err = f.prices.DeletePriceList(s.admin, &invoicingv1.DeletePriceListRequest{Name: pl.GetName(), Etag: pl.GetEtag()})
	refused(t, "deleting at a stale etag", err, codes.Aborted, "ETAG_MISMATCH")
	byTerm := must(f.prices.ListPriceLists(s.admin, &invoicingv1.ListPriceListsRequest{Parent: s.name, Filter: `term = "` + term + `"`}))(t)
	if len(byTerm.GetPriceLists()) != 1 || len(byTerm.GetPriceLists()[0].GetRates()) != 3 {
		t.Errorf("listed by term: %v; want the list with its rates", byTerm.GetPriceLists())
	}
	must(f.prices.DeletePriceList(s.admin, &invoicingv1.DeletePriceListRequest{Name: pl.GetName(), Etag: upd.GetEtag()}))(t)
	var rates int
	s.query(`SELECT count(*) FROM invoicing.price_rates`, nil, &rates)
	if rates != 0 {
		t.Errorf("%d rates left after the delete", rates)
	}
	_, err = f.prices.CreatePriceList(s.teacher, &invoicingv1.CreatePriceListRequest{Parent: s.name, PriceList: &invoicingv1.PriceList{Term: term, CurrencyCode: "AUD"}})
	refused(t, "a TEACHER creating a price list", err, codes.PermissionDenied, "")
}
