package invoicing_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
)

var march2027 = time.Date(2027, 3, 10, 1, 0, 0, 0, time.UTC) // 12:00 in Sydney

// TestInvoiceLifecycle: a draft is edited (etag, update_mask), issued with
// the first number of the year, frozen, partly paid, paid; another is
// voided and keeps its number; a credit note takes its own series.
func TestInvoiceLifecycle(t *testing.T) {
	t.Parallel()
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")

	// 2 × $35.00 less 10% is $63.00, GST-inclusive: $5.73 of it GST; a $3.00
	// credit leaves $60.00 due.
	inv := must(f.invoices.CreateInvoice(s.admin, s.custom(s.garcia, charge("Exam entry fee", 2, 3500),
		&invoicingv1.InvoiceLine{Kind: invoicingv1.InvoiceLine_KIND_DISCOUNT, Description: "Sibling discount", PercentBasisPoints: 1000},
		&invoicingv1.InvoiceLine{Kind: invoicingv1.InvoiceLine_KIND_CREDIT, Description: "Make-up credit", UnitAmount: aud(300)})))(t)
	if inv.GetState() != invoicingv1.Invoice_STATE_DRAFT || inv.GetNumber() != "" {
		t.Fatalf("created %v %q; want an unnumbered DRAFT", inv.GetState(), inv.GetNumber())
	}
	checkTotals(t, "the draft", inv, totals{charges: 7000, discounts: 700, taxable: 6300, tax: 573, total: 6300, credits: 300, due: 6000})
	if got := inv.GetLines()[1].GetAmount().GetAmountMinor(); got != -700 {
		t.Errorf("the discount line's amount = %d; want -700", got)
	}

	// Notes alone: the lines stay. A stale etag is refused.
	upd := must(f.invoices.UpdateInvoice(s.admin, &invoicingv1.UpdateInvoiceRequest{
		Invoice:    &invoicingv1.Invoice{Name: inv.GetName(), Notes: "Thank you for learning with us", Etag: inv.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notes"}}}))(t)
	if upd.GetNotes() == "" || len(upd.GetLines()) != 3 || upd.GetEtag() == inv.GetEtag() {
		t.Errorf("after a notes update: notes %q, %d lines, etag %s (was %s)", upd.GetNotes(), len(upd.GetLines()), upd.GetEtag(), inv.GetEtag())
	}
	// Sent back as read, with no mask: every field it carries, the same.
	rmw := must(f.invoices.UpdateInvoice(s.admin, &invoicingv1.UpdateInvoiceRequest{Invoice: upd}))(t)
	checkTotals(t, "the draft sent back as read", rmw, totals{charges: 7000, discounts: 700, taxable: 6300, tax: 573, total: 6300, credits: 300, due: 6000})
	_, err := f.invoices.UpdateInvoice(s.admin, &invoicingv1.UpdateInvoiceRequest{
		Invoice: &invoicingv1.Invoice{Name: inv.GetName(), Notes: "late", Etag: inv.GetEtag()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notes"}}})
	refused(t, "an update at a stale etag", err, codes.Aborted, "ETAG_MISMATCH")
	_, err = f.invoices.UpdateInvoice(s.admin, &invoicingv1.UpdateInvoiceRequest{
		Invoice: &invoicingv1.Invoice{Name: inv.GetName(), Family: s.novak.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"family"}}})
	refused(t, "an update of the family", err, codes.InvalidArgument, "")
	// The lines replaced whole: one charge of $100.00.
	upd = must(f.invoices.UpdateInvoice(s.admin, &invoicingv1.UpdateInvoiceRequest{
		Invoice:    &invoicingv1.Invoice{Name: inv.GetName(), Lines: []*invoicingv1.InvoiceLine{charge("Term fee", 1, 10000)}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"lines"}}}))(t)
	checkTotals(t, "the edited draft", upd, totals{charges: 10000, taxable: 10000, tax: 909, total: 10000, due: 10000})

	issued := must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: inv.GetName(), Etag: upd.GetEtag()}))(t)
	if issued.GetState() != invoicingv1.Invoice_STATE_ISSUED || issued.GetNumber() != "INV-2027-000001" ||
		issued.GetIssueDate() != "2027-03-10" || issued.GetDueDate() != "2027-03-24" {
		t.Errorf("issued: %v %q, issued %s due %s; want ISSUED INV-2027-000001, 2027-03-10, due 14 days later",
			issued.GetState(), issued.GetNumber(), issued.GetIssueDate(), issued.GetDueDate())
	}
	if r := issued.GetTaxRule(); r.GetTaxLabel() != "GST" || r.GetTaxRateBasisPoints() != 1000 ||
		r.GetPriceMode() != invoicingv1.BillingSettings_PRICE_MODE_TAX_INCLUSIVE {
		t.Errorf("issued under %v; want GST 10%% inclusive", r)
	}
	again := must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: inv.GetName()}))(t)
	if again.GetNumber() != issued.GetNumber() || again.GetEtag() != issued.GetEtag() {
		t.Errorf("issued again: %q at %s; want it unchanged", again.GetNumber(), again.GetEtag())
	}
	_, err = f.invoices.UpdateInvoice(s.admin, &invoicingv1.UpdateInvoiceRequest{
		Invoice: &invoicingv1.Invoice{Name: inv.GetName(), Notes: "changed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notes"}}})
	refused(t, "editing an issued invoice", err, codes.FailedPrecondition, "INVOICE_NOT_DRAFT")
	_, err = f.invoices.DeleteInvoice(s.admin, &invoicingv1.DeleteInvoiceRequest{Name: inv.GetName()})
	refused(t, "deleting an issued invoice", err, codes.FailedPrecondition, "INVOICE_NOT_DRAFT")

	// $40 then $60: PARTIALLY_PAID, then PAID; more is refused.
	_, err = s.pay(inv.GetName(), 10001)
	refused(t, "paying more than is due", err, codes.FailedPrecondition, "PAYMENT_EXCEEDS_BALANCE")
	_, err = f.payments.RecordPayment(s.admin, &invoicingv1.RecordPaymentRequest{Parent: inv.GetName(),
		Payment: &invoicingv1.Payment{Amount: usd(100), Method: invoicingv1.Payment_METHOD_CASH}})
	refused(t, "a payment in another currency", err, codes.InvalidArgument, "CURRENCY_MISMATCH")
	must(s.pay(inv.GetName(), 4000))(t)
	got := must(f.invoices.GetInvoice(s.admin, &invoicingv1.GetInvoiceRequest{Name: inv.GetName()}))(t)
	if got.GetState() != invoicingv1.Invoice_STATE_PARTIALLY_PAID || got.GetTotals().GetAmountDue().GetAmountMinor() != 6000 {
		t.Errorf("after $40: %v, %d due; want PARTIALLY_PAID, 6000", got.GetState(), got.GetTotals().GetAmountDue().GetAmountMinor())
	}
	_, err = f.invoices.VoidInvoice(s.admin, &invoicingv1.VoidInvoiceRequest{Name: inv.GetName(), Reason: "mistake"})
	refused(t, "voiding an invoice with payments", err, codes.FailedPrecondition, "INVOICE_HAS_PAYMENTS")
	must(s.pay(inv.GetName(), 6000))(t)
	got = must(f.invoices.GetInvoice(s.admin, &invoicingv1.GetInvoiceRequest{Name: inv.GetName()}))(t)
	if got.GetState() != invoicingv1.Invoice_STATE_PAID || got.GetTotals().GetPaid().GetAmountMinor() != 10000 {
		t.Errorf("after $100: %v, %d paid; want PAID, 10000", got.GetState(), got.GetTotals().GetPaid().GetAmountMinor())
	}
	_, err = s.pay(inv.GetName(), 1)
	refused(t, "paying a paid invoice", err, codes.FailedPrecondition, "INVOICE_NOT_PAYABLE")
	list := must(f.payments.ListPayments(s.admin, &invoicingv1.ListPaymentsRequest{Parent: inv.GetName()}))(t)
	if len(list.GetPayments()) != 2 || list.GetPayments()[0].GetAmount().GetAmountMinor() != 4000 {
		t.Errorf("payments %v; want $40 then $60", list.GetPayments())
	}

	// A draft takes no payment, and is not voided but deleted.
	d := s.draft(s.novak, 5000)
	_, err = s.pay(d.GetName(), 100)
	refused(t, "paying a draft", err, codes.FailedPrecondition, "INVOICE_NOT_PAYABLE")
	_, err = f.invoices.VoidInvoice(s.admin, &invoicingv1.VoidInvoiceRequest{Name: d.GetName(), Reason: "mistake"})
	refused(t, "voiding a draft", err, codes.FailedPrecondition, "")

	// The second invoice issued is the second number; voided, it keeps it.
	second := must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: d.GetName()}))(t)
	void := must(f.invoices.VoidInvoice(s.admin, &invoicingv1.VoidInvoiceRequest{Name: d.GetName(), Reason: "Billed twice"}))(t)
	if second.GetNumber() != "INV-2027-000002" || void.GetState() != invoicingv1.Invoice_STATE_VOID || void.GetNumber() != second.GetNumber() ||
		void.GetVoidReason() != "Billed twice" {
		t.Errorf("voided: %v %q (%q); want VOID keeping INV-2027-000002", void.GetState(), void.GetNumber(), void.GetVoidReason())
	}
	_, err = s.pay(d.GetName(), 100)
	refused(t, "paying a void invoice", err, codes.FailedPrecondition, "INVOICE_NOT_PAYABLE")

	// Credit notes: their own series; at most what is still due.
	third := s.issued(s.novak, 20000)
	if third.GetNumber() != "INV-2027-000003" {
		t.Errorf("third number %q; want INV-2027-000003", third.GetNumber())
	}
	cn := must(f.invoices.CreateCreditNote(s.admin, &invoicingv1.CreateCreditNoteRequest{Parent: third.GetName(),
		CreditNote: &invoicingv1.CreditNote{Reason: "Two lessons cancelled", Amount: aud(5500)}}))(t)
	if cn.GetNumber() != "CN-2027-000001" || cn.GetTax().GetAmountMinor() != 500 || cn.GetIssueDate() != "2027-03-10" {
		t.Errorf("credit note %q, tax %d, %s; want CN-2027-000001 with $5.00 GST inside $55.00", cn.GetNumber(), cn.GetTax().GetAmountMinor(), cn.GetIssueDate())
	}
	_, err = f.invoices.CreateCreditNote(s.admin, &invoicingv1.CreateCreditNoteRequest{Parent: third.GetName(),
		CreditNote: &invoicingv1.CreditNote{Reason: "Too much", Amount: aud(14501)}})
	refused(t, "crediting more than is due", err, codes.FailedPrecondition, "CREDIT_EXCEEDS_TOTAL")
	got = must(f.invoices.GetInvoice(s.admin, &invoicingv1.GetInvoiceRequest{Name: third.GetName()}))(t)
	if got.GetTotals().GetCredited().GetAmountMinor() != 5500 || got.GetTotals().GetAmountDue().GetAmountMinor() != 14500 ||
		got.GetState() != invoicingv1.Invoice_STATE_PARTIALLY_PAID {
		t.Errorf("after the credit note: %v credited %d, due %d; want PARTIALLY_PAID, 5500, 14500", got.GetState(),
			got.GetTotals().GetCredited().GetAmountMinor(), got.GetTotals().GetAmountDue().GetAmountMinor())
	}
	notes := must(f.invoices.ListCreditNotes(s.admin, &invoicingv1.ListCreditNotesRequest{Parent: s.name + "/invoices/-"}))(t)
	if len(notes.GetCreditNotes()) != 1 || notes.GetCreditNotes()[0].GetAmount().GetCurrencyCode() != "AUD" {
		t.Errorf("credit notes %v; want the one", notes.GetCreditNotes())
	}

	// Discounts above the charges take it below zero.
	_, err = f.invoices.CreateInvoice(s.admin, s.custom(s.garcia, charge("Fee", 1, 1000),
		&invoicingv1.InvoiceLine{Kind: invoicingv1.InvoiceLine_KIND_DISCOUNT, Description: "Too much", UnitAmount: aud(1001)}))
	refused(t, "a discount above the charges", err, codes.FailedPrecondition, "CREDIT_EXCEEDS_TOTAL")

	// A deleted draft is gone.
	gone := s.draft(s.garcia, 100)
	must(f.invoices.DeleteInvoice(s.admin, &invoicingv1.DeleteInvoiceRequest{Name: gone.GetName(), Etag: gone.GetEtag()}))(t)
	_, err = f.invoices.GetInvoice(s.admin, &invoicingv1.GetInvoiceRequest{Name: gone.GetName()})
	refused(t, "reading a deleted draft", err, codes.NotFound, "")
}

// totals are an invoice's expected sums.
type totals struct{ charges, discounts, taxable, tax, total, credits, due int64 }

func checkTotals(t *testing.T, what string, inv *invoicingv1.Invoice, want totals) {
	t.Helper()
	tt := inv.GetTotals()
	got := totals{tt.GetCharges().GetAmountMinor(), tt.GetDiscounts().GetAmountMinor(), tt.GetTaxable().GetAmountMinor(),
		tt.GetTax().GetAmountMinor(), tt.GetTotal().GetAmountMinor(), tt.GetCredits().GetAmountMinor(), tt.GetAmountDue().GetAmountMinor()}
	if got != want {
		t.Errorf("%s: totals %+v; want %+v", what, got, want)
	}
}

// TestIssueYearIsTheSchoolsYear: at 23:30 on New Year's Eve in Sydney, UTC
// is still in the old year; the number and the issue date are the
// school's, and the series starts again at 1.
func TestIssueYearIsTheSchoolsYear(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Date(2027, 12, 31, 11, 0, 0, 0, time.UTC)) // 22:00 in Sydney
	s := f.school("Australia/Sydney")
	first := s.issued(s.garcia, 1000)
	f.clock.set(time.Date(2027, 12, 31, 13, 30, 0, 0, time.UTC)) // 00:30 on 1 January 2028 in Sydney (AEDT, +11)
	second := s.issued(s.garcia, 1000)
	if first.GetNumber() != "INV-2027-000001" || first.GetIssueDate() != "2027-12-31" {
		t.Errorf("on New Year's Eve: %q, %s; want INV-2027-000001, 2027-12-31", first.GetNumber(), first.GetIssueDate())
	}
	if second.GetNumber() != "INV-2028-000001" || second.GetIssueDate() != "2028-01-01" || second.GetDueDate() != "2028-01-15" {
		t.Errorf("after midnight in Sydney: %q, %s due %s; want INV-2028-000001, 2028-01-01 due 2028-01-15",
			second.GetNumber(), second.GetIssueDate(), second.GetDueDate())
	}
}

// TestSettingsRuleDraftsFollowIssuedKeep: the defaults, updated under
// their etag; drafts follow the new rule at once, issued invoices keep
// theirs.
func TestSettingsRuleDraftsFollowIssuedKeep(t *testing.T) {
	t.Parallel()
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")
	def := must(f.prices.GetBillingSettings(s.admin, &invoicingv1.GetBillingSettingsRequest{Name: s.name + "/billingSettings"}))(t)
	if def.GetTaxRateBasisPoints() != 1000 || def.GetPriceMode() != invoicingv1.BillingSettings_PRICE_MODE_TAX_INCLUSIVE ||
		def.GetRounding() != invoicingv1.BillingSettings_ROUNDING_PER_INVOICE || def.GetPaymentTermsDays() != 14 || def.GetTaxLabel() != "GST" {
		t.Errorf("defaults %v; want GST 10%% inclusive, per invoice, 14 days", def)
	}
	issued := s.issued(s.garcia, 39500)
	draft := s.draft(s.novak, 39500)
	upd := must(f.prices.UpdateBillingSettings(s.admin, &invoicingv1.UpdateBillingSettingsRequest{
		BillingSettings: &invoicingv1.BillingSettings{Name: def.GetName(), PriceMode: invoicingv1.BillingSettings_PRICE_MODE_TAX_EXCLUSIVE,
			TaxId: "ABN 51 824 753 556", Etag: def.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"price_mode", "tax_id"}}}))(t)
	if upd.GetPriceMode() != invoicingv1.BillingSettings_PRICE_MODE_TAX_EXCLUSIVE || upd.GetTaxRateBasisPoints() != 1000 || upd.GetTaxId() == "" {
		t.Errorf("updated %v; want exclusive, the rate kept", upd)
	}
	_, err := f.prices.UpdateBillingSettings(s.admin, &invoicingv1.UpdateBillingSettingsRequest{
		BillingSettings: &invoicingv1.BillingSettings{Name: def.GetName(), TaxLabel: "VAT", Etag: def.GetEtag()},
		UpdateMask:      &fieldmaskpb.FieldMask{Paths: []string{"tax_label"}}})
	refused(t, "settings at a stale etag", err, codes.Aborted, "ETAG_MISMATCH")

	got := must(f.invoices.GetInvoice(s.admin, &invoicingv1.GetInvoiceRequest{Name: draft.GetName()}))(t)
	checkTotals(t, "the draft, now exclusive", got, totals{charges: 39500, taxable: 39500, tax: 3950, total: 43450, due: 43450})
	got = must(f.invoices.GetInvoice(s.admin, &invoicingv1.GetInvoiceRequest{Name: issued.GetName()}))(t)
	checkTotals(t, "the issued invoice, still inclusive", got, totals{charges: 39500, taxable: 39500, tax: 3591, total: 39500, due: 39500})
	reissued := must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: draft.GetName()}))(t)
	if reissued.GetTaxRule().GetPriceMode() != invoicingv1.BillingSettings_PRICE_MODE_TAX_EXCLUSIVE {
		t.Errorf("the draft issued under %v; want exclusive", reissued.GetTaxRule())
	}
	checkTotals(t, "the draft issued", reissued, totals{charges: 39500, taxable: 39500, tax: 3950, total: 43450, due: 43450})

	// Rounded per line from now on: a draft's lines carry their tax, and
	// the issued invoice stores them so (SQL).
	perLine := must(f.invoices.CreateInvoice(s.admin, s.custom(s.garcia, charge("Lesson", 1, 1005), charge("Lesson", 1, 1005))))(t)
	must(f.prices.UpdateBillingSettings(s.admin, &invoicingv1.UpdateBillingSettingsRequest{
		BillingSettings: &invoicingv1.BillingSettings{Name: def.GetName(), Rounding: invoicingv1.BillingSettings_ROUNDING_PER_LINE},
		UpdateMask:      &fieldmaskpb.FieldMask{Paths: []string{"rounding"}}}))(t)
	issuedPerLine := must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: perLine.GetName()}))(t)
	// 10% of $10.05 is 100.5 cents, half away from zero: 101 a line.
	checkTotals(t, "per line", issuedPerLine, totals{charges: 2010, taxable: 2010, tax: 202, total: 2212, due: 2212})
	var lineTax int64
	s.query(`SELECT sum(tax_minor) FROM invoicing.invoice_lines WHERE invoice_id = $1`, []any{idOf(perLine.GetName())}, &lineTax)
	if lineTax != 202 {
		t.Errorf("the issued lines store %d of tax; want 101 each", lineTax)
	}
}

// TestIssueAndDueDatesAreTheSchoolsDates: the issue date is the school's
// local date whatever UTC says, across the night Sydney's clocks go back
// (AEDT to AEST, 3:00 to 2:00 on 4 April 2027); the due date is the issue
// date plus the payment terms in calendar days, through 29 February of a
// leap year and across a month end.
func TestIssueAndDueDatesAreTheSchoolsDates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		now        time.Time
		issue, due string
	}{
		{"before Sydney's clocks go back", time.Date(2027, 4, 3, 15, 30, 0, 0, time.UTC), "2027-04-04", "2027-04-18"}, // 02:30 AEDT
		{"after Sydney's clocks go back", time.Date(2027, 4, 3, 16, 30, 0, 0, time.UTC), "2027-04-04", "2027-04-18"},  // 02:30 AEST
		{"the evening before, in UTC the same day", time.Date(2027, 4, 3, 12, 0, 0, 0, time.UTC), "2027-04-03", "2027-04-17"},
		{"into a leap day", time.Date(2028, 2, 15, 13, 30, 0, 0, time.UTC), "2028-02-16", "2028-03-01"}, // 00:30 AEDT on the 16th
		{"onto a leap day", time.Date(2028, 2, 15, 12, 30, 0, 0, time.UTC), "2028-02-15", "2028-02-29"}, // 23:30 AEDT on the 15th
		{"across a month end", time.Date(2027, 8, 20, 2, 0, 0, 0, time.UTC), "2027-08-20", "2027-09-03"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tc.now)
			s := f.school("Australia/Sydney")
			inv := s.issued(s.garcia, 1000)
			if inv.GetIssueDate() != tc.issue || inv.GetDueDate() != tc.due {
				t.Errorf("at %v: issued %s, due %s; want %s, due %s", tc.now, inv.GetIssueDate(), inv.GetDueDate(), tc.issue, tc.due)
			}
		})
	}
}
