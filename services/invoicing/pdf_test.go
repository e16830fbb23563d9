package invoicing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/mail/mailtest"
	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/pricing/pricingtest"
	"steward.dev/services/invoicing/pdftext"
)

// pdf gets the invoice's PDF as ctx's caller, and the filename its
// Content-Disposition names.
func (s *school) pdf(ctx context.Context, name string) ([]byte, string, error) {
	var header metadata.MD
	body, err := s.f.invoices.GetInvoicePdf(ctx, &invoicingv1.GetInvoicePdfRequest{Name: name}, grpc.Header(&header))
	if err != nil {
		return nil, "", err
	}
	if body.GetContentType() != "application/pdf" {
		s.f.t.Errorf("%s: content type %q", name, body.GetContentType())
	}
	d := header.Get("content-disposition")
	if len(d) != 1 || !strings.HasPrefix(d[0], `attachment; filename="`) || !strings.HasSuffix(d[0], `"`) {
		s.f.t.Fatalf("%s: content-disposition %q", name, d)
	}
	return body.GetData(), strings.TrimSuffix(strings.TrimPrefix(d[0], `attachment; filename="`), `"`), nil
}

// rows is the text of a PDF, read back with a PDF library.
func rows(t *testing.T, pdf []byte) []pdftext.Row {
	t.Helper()
	r, err := pdftext.Rows(pdf)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func hasRow(rows []pdftext.Row, want string) bool {
	return slices.ContainsFunc(rows, func(r pdftext.Row) bool { return r.String() == want })
}

func dumpRows(rows []pdftext.Row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  " + r.String() + "\n")
	}
	return b.String()
}

// TestPdfCarriesTheAPIsTotals is the property, through the API: over
// random invoices (pricing's generator: both modes, both roundings, the
// rate anywhere from 0 to 100%, amount and percentage discounts, credits),
// issued and then partly credited and paid, the text of GetInvoicePdf's
// PDF carries every one of GetInvoice's totals and each line's amount (and
// tax, under per-line rounding) to the cent, and its number and dates.
func TestPdfCarriesTheAPIsTotals(t *testing.T) {
	t.Parallel()
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")
	settings := must(f.prices.GetBillingSettings(s.admin, &invoicingv1.GetBillingSettingsRequest{Name: s.name + "/billingSettings"}))(t)
	settings.LegalName, settings.TaxId, settings.Address = "Test School Pty Ltd", "ABN 51 824 753 556", "12 River Road\nSydney NSW 2000"
	settings.PaymentInstructions = "BSB 062-000, account 1234 5678"
	must(f.prices.UpdateBillingSettings(s.admin, &invoicingv1.UpdateBillingSettingsRequest{BillingSettings: settings,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"legal_name", "tax_id", "address", "payment_instructions"}}}))(t)

	n := 40
	if testing.Short() {
		n = 8
	}
	rng := rand.New(rand.NewPCG(2027, 10))
	for i := range n {
		rule, lines := pricingtest.RandomInvoice(rng)
		must(f.prices.UpdateBillingSettings(s.admin, &invoicingv1.UpdateBillingSettingsRequest{
			BillingSettings: &invoicingv1.BillingSettings{Name: s.name + "/billingSettings", TaxRateBasisPoints: int32(rule.RateBP),
				PriceMode: invoicingv1.BillingSettings_PriceMode(rule.Mode), Rounding: invoicingv1.BillingSettings_Rounding(rule.Rounding)},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"tax_rate_basis_points", "price_mode", "rounding"}}}))(t)
		inv := must(f.invoices.CreateInvoice(s.admin, s.custom(s.garcia, apiLines(lines)...)))(t)
		inv = must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: inv.GetName()}))(t)
		if due := inv.GetTotals().GetAmountDue().GetAmountMinor(); due > 0 {
			if rng.IntN(3) == 0 {
				amount := 1 + rng.Int64N(due)
				must(f.invoices.CreateCreditNote(s.admin, &invoicingv1.CreateCreditNoteRequest{Parent: inv.GetName(),
					CreditNote: &invoicingv1.CreditNote{Reason: "Lesson cancelled", Amount: aud(amount)}}))(t)
				due -= amount
			}
			for range rng.IntN(3) {
				if due > 0 {
					amount := 1 + rng.Int64N(due)
					must(s.pay(inv.GetName(), amount))(t)
					due -= amount
				}
			}
		}
		api := must(f.invoices.GetInvoice(s.admin, &invoicingv1.GetInvoiceRequest{Name: inv.GetName()}))(t)
		pdf, filename := must2(s.pdf(s.admin, inv.GetName()))(t)
		if filename != api.GetNumber()+".pdf" {
			t.Errorf("invoice %d: downloaded as %q", i, filename)
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkAgainstAPI(t, api, rows(t, pdf)) })
	}
}

// apiLines are generated lines as a client gives them: a client's charges
// are CUSTOM (term lines come from Booking), taxed alike.
func apiLines(lines []pricing.Line) []*invoicingv1.InvoiceLine {
	var out []*invoicingv1.InvoiceLine
	for _, l := range lines {
		kind := invoicingv1.InvoiceLine_Kind(l.Kind)
		if l.Kind == pricing.GroupWeeks || l.Kind == pricing.IndividualWeeks {
			kind = invoicingv1.InvoiceLine_KIND_CUSTOM
		}
		line := &invoicingv1.InvoiceLine{Kind: kind, Description: l.Description, Quantity: int32(l.Quantity),
			PercentBasisPoints: int32(l.PercentBP)}
		if l.PercentBP == 0 {
			line.UnitAmount = aud(l.UnitMinor)
		}
		out = append(out, line)
	}
	return out
}

// checkAgainstAPI finds each of the API's numbers on its row of the PDF,
// and no total the API does not have.
func checkAgainstAPI(t *testing.T, api *invoicingv1.Invoice, rows []pdftext.Row) {
	t.Helper()
	money := func(minor int64) string { return pricing.FormatMinor("AUD", minor) }
	tt, rule := api.GetTotals(), api.GetTaxRule()
	rate := rule.GetTaxRateBasisPoints()
	label := fmt.Sprintf("%s %d%%", rule.GetTaxLabel(), rate/100)
	if rate%100 != 0 {
		label = strings.TrimRight(fmt.Sprintf("%s %d.%02d", rule.GetTaxLabel(), rate/100, rate%100), "0") + "%"
	}
	want := map[string]string{"Charges": money(tt.GetCharges().GetAmountMinor()), "Amount due": money(tt.GetAmountDue().GetAmountMinor())}
	if rule.GetPriceMode() == invoicingv1.BillingSettings_PRICE_MODE_TAX_INCLUSIVE {
		want["Total including GST"], want[label+" included"] = money(tt.GetTotal().GetAmountMinor()), money(tt.GetTax().GetAmountMinor())
	} else {
		want["Total before GST"], want[label], want["Total"] = money(tt.GetTaxable().GetAmountMinor()), money(tt.GetTax().GetAmountMinor()),
			money(tt.GetTotal().GetAmountMinor())
	}
	for l, m := range map[string]int64{"Discounts": tt.GetDiscounts().GetAmountMinor(), "Credits": tt.GetCredits().GetAmountMinor(),
		"Credit notes": tt.GetCredited().GetAmountMinor(), "Paid": tt.GetPaid().GetAmountMinor()} {
		if m != 0 {
			want[l] = money(-m)
		}
	}
	got := map[string]string{}
	for _, r := range rows {
		if len(r) == 2 && (slices.Contains([]string{"Charges", "Discounts", "Total", "Credits", "Credit notes", "Paid", "Amount due"}, r[0]) ||
			strings.HasPrefix(r[0], "Total ") || strings.HasPrefix(r[0], "GST ")) {
			got[r[0]] = r[1]
		}
	}
	for l, m := range want {
		if got[l] != m {
			t.Errorf("%s: the PDF says %q, GetInvoice %q", l, got[l], m)
		}
	}
	for l := range got {
		if _, ok := want[l]; !ok {
			t.Errorf("%s: the PDF says %q, GetInvoice has none", l, got[l])
		}
	}
	next := 0
	for _, r := range rows {
		if next < len(api.GetLines()) && len(r) >= 2 && r[0] == api.GetLines()[next].GetDescription() {
			l := api.GetLines()[next]
			if r[len(r)-1] != money(l.GetAmount().GetAmountMinor()) {
				t.Errorf("line %d: the PDF says %q, GetInvoice %q", next, r[len(r)-1], money(l.GetAmount().GetAmountMinor()))
			}
			if rule.GetRounding() == invoicingv1.BillingSettings_ROUNDING_PER_LINE && r[len(r)-2] != money(l.GetTax().GetAmountMinor()) {
				t.Errorf("line %d: tax %q, GetInvoice %q", next, r[len(r)-2], money(l.GetTax().GetAmountMinor()))
			}
			next++
		}
	}
	if next != len(api.GetLines()) {
		t.Errorf("%d of %d lines found", next, len(api.GetLines()))
	}
	issue, _ := time.Parse(time.DateOnly, api.GetIssueDate())
	due, _ := time.Parse(time.DateOnly, api.GetDueDate())
	for _, w := range []string{"Invoice number | " + api.GetNumber(), "Issue date | " + issue.Format("2 January 2006"),
		"Due date | " + due.Format("2 January 2006"), "Test School Pty Ltd", "ABN 51 824 753 556", "BSB 062-000, account 1234 5678"} {
		if !slices.ContainsFunc(rows, func(r pdftext.Row) bool { return strings.Contains(r.String(), w) }) {
			t.Errorf("no %q", w)
		}
	}
	if t.Failed() {
		t.Logf("GetInvoice: %v\nthe PDF:\n%s", api, dumpRows(rows))
	}
}

func must2[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(t testing.TB) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// TestWhoGetsWhichPdf: the PDF is read under GetInvoice's rule. The ADMIN
// gets a draft's, named draft-<id>.pdf; the family's PARENT their issued
// invoice's, named by its number; another family's PARENT, the family's
// own PARENT on a draft and another school's ADMIN get NOT_FOUND; TEACHER
// and STUDENT are denied.
func TestWhoGetsWhichPdf(t *testing.T) {
	t.Parallel()
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")
	other := f.school("Australia/Perth")
	draft := s.draft(s.garcia, 2000)
	issued := s.issued(s.garcia, 10000)

	if pdf, name, err := s.pdf(s.admin, draft.GetName()); err != nil || name != "draft-"+idOf(draft.GetName()).String()+".pdf" ||
		!hasRow(rows(t, pdf), "DRAFT: not yet issued, not payable") {
		t.Errorf("the ADMIN's draft: %q, %v", name, err)
	}
	pdf, name, err := s.pdf(s.garciaParent, issued.GetName())
	if err != nil || name != issued.GetNumber()+".pdf" {
		t.Fatalf("the Garcias' PARENT's issued invoice: %q, %v", name, err)
	}
	if r := rows(t, pdf); !hasRow(r, "Amount due | $100.00") || !hasRow(r, "The Garcia family") || !hasRow(r, "maria@family.example") {
		t.Errorf("the Garcias' PDF:\n%s", dumpRows(r))
	}
	get := func(ctx context.Context, name string) error {
		_, err := f.invoices.GetInvoicePdf(ctx, &invoicingv1.GetInvoicePdfRequest{Name: name})
		return err
	}
	refused(t, "the Novaks' PARENT", get(s.novakParent, issued.GetName()), codes.NotFound, "")
	refused(t, "the Garcias' PARENT on their draft", get(s.garciaParent, draft.GetName()), codes.NotFound, "")
	refused(t, "another school's ADMIN", get(other.admin, issued.GetName()), codes.NotFound, "")
	refused(t, "a TEACHER", get(s.teacher, issued.GetName()), codes.PermissionDenied, "")
	refused(t, "a STUDENT", get(s.student, issued.GetName()), codes.PermissionDenied, "")
	refused(t, "an invoice that never was", get(s.admin, s.name+"/invoices/"+idOf(s.garcia.GetName()).String()), codes.NotFound, "")
}

// TestReceiptsArriveWithThePdf: issuing an invoice mails its PDF to the
// family's billing contact, and recording a payment mails the receipt with
// the invoice as it then stands; each has its job from the transaction that
// issued or recorded (issuing again, or a refused payment, makes none) and
// is written once, in the outbox under its dedupe key; a family without a
// billing email gets none, and its invoice is issued all the same.
func TestReceiptsArriveWithThePdf(t *testing.T) {
	t.Parallel()
	sink := mailtest.Start(t)
	f := setupWith(t, march2027, func(k string) string { return map[string]string{"MAIL_SMTP_ADDR": sink.SMTPAddr}[k] })
	s := f.school("Australia/Sydney")
	inv := must(f.invoices.CreateInvoice(s.admin, s.custom(s.garcia, charge("Piano — Mia, 7 group weeks × $35.00", 7, 3500),
		charge("Piano — Mia, 3 individual weeks × $50.00", 3, 5000))))(t)
	inv = must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: inv.GetName()}))(t)
	must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: inv.GetName()}))(t) // unchanged, no second email
	issuedMail := waitMail(t, sink, "Invoice "+inv.GetNumber()+" from Test school")
	if len(issuedMail.To) != 1 || issuedMail.To[0].Address != "maria@family.example" || issuedMail.To[0].Name != "Maria Garcia" ||
		!strings.Contains(issuedMail.Text, "$395.00, due by 24 March 2027") {
		t.Errorf("the invoice's email: %+v", issuedMail)
	}
	r := rows(t, attachedPdf(t, sink, issuedMail, inv.GetNumber()+".pdf"))
	if !hasRow(r, "Amount due | $395.00") || !hasRow(r, "GST 10% included | $35.91") {
		t.Errorf("the invoice's attached PDF:\n%s", dumpRows(r))
	}

	refused(t, "a payment above the balance", func() error { _, err := s.pay(inv.GetName(), 1_000_000); return err }(),
		codes.FailedPrecondition, "PAYMENT_EXCEEDS_BALANCE")
	p := must(s.pay(inv.GetName(), 10000))(t)
	paidMail := waitMail(t, sink, "Payment received: $100.00 for invoice "+inv.GetNumber())
	if !strings.Contains(paidMail.Text, "Still due: $295.00, by 24 March 2027") {
		t.Errorf("the receipt: %q", paidMail.Text)
	}
	r = rows(t, attachedPdf(t, sink, paidMail, inv.GetNumber()+".pdf"))
	if !hasRow(r, "Paid | -$100.00") || !hasRow(r, "Amount due | $295.00") ||
		!slices.ContainsFunc(r, func(row pdftext.Row) bool { return strings.HasSuffix(row.String(), "Status | Partly paid") }) {
		t.Errorf("the receipt's attached PDF:\n%s", dumpRows(r))
	}

	silent := must(f.directory.CreateFamily(s.admin, &bookingv1.CreateFamilyRequest{Parent: s.name,
		Family: &bookingv1.Family{DisplayName: "The Quiet family"}}))(t)
	quiet := s.issued(silent, 5000)
	var keys []string
	s.query(`SELECT array_agg(dedupe_key ORDER BY dedupe_key) FROM outbox.messages WHERE service = 'invoicing'`, nil, &keys)
	want := []string{"invoice/" + idOf(inv.GetName()).String() + "/issued", "payment/" + idOf(p.GetName()).String() + "/received"}
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("outbox keys %q, want %q (none for %s)", keys, want, quiet.GetNumber())
	}
	var receiptJobs int
	s.query(`SELECT count(*) FROM jobs.river_job WHERE kind = 'invoicing_receipt' AND args->>'tenant_id' = $1`, []any{s.id.String()}, &receiptJobs)
	if receiptJobs != 3 {
		t.Errorf("%d receipt jobs, want 3: two issues and a payment", receiptJobs)
	}
	if got := len(sink.Messages(t)); got != 2 {
		t.Errorf("%d emails, want 2", got)
	}
}

// waitMail waits for the sink to hold a message with subject; the outbox's
// job delivers it soon after the commit.
func waitMail(t *testing.T, sink *mailtest.Sink, subject string) mailtest.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, m := range sink.Messages(t) {
			if m.Subject == subject {
				return sink.Message(t, m.ID)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no email %q after 30 s: %+v", subject, sink.Messages(t))
		}
		time.Sleep(50 * time.Millisecond) // polling the sink, which has no push
	}
}

// attachedPdf is the message's one attachment, which must be the PDF named
// filename.
func attachedPdf(t *testing.T, sink *mailtest.Sink, m mailtest.Message, filename string) []byte {
	t.Helper()
	if len(m.Attachments) != 1 || m.Attachments[0].FileName != filename || m.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("attachments %+v, want one application/pdf %s", m.Attachments, filename)
	}
	return sink.Attachment(t, m.ID, m.Attachments[0].PartID)
}
