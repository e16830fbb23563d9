package invoicepdf_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"steward.dev/services/invoicing/internal/invoicepdf"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/pricing/pricingtest"
	"steward.dev/services/invoicing/pdftext"
)

var riverside = invoicepdf.Extras{
	School: invoicepdf.School{Name: "Riverside Music School", LegalName: "Riverside Music Pty Ltd", TaxID: "ABN 51 824 753 556",
		Address: []string{"12 River Road", "Brisbane QLD 4000"}},
	Family:              invoicepdf.Family{Name: "The Garcia family", ContactName: "Maria Garcia", ContactEmail: "maria.garcia@family.example"},
	PaymentInstructions: "Bank transfer to BSB 062-000, account 1234 5678.\nPlease quote the invoice number.",
	Zone:                time.FixedZone("AEST", 10*3600),
}

// issued is an issued invoice of lines under rule, priced by pricing.
func issued(t testing.TB, rule pricing.Rule, lines []pricing.Line) ledger.Invoice {
	t.Helper()
	priced, totals, err := pricing.Compute(rule, lines)
	if err != nil {
		t.Fatal(err)
	}
	return ledger.Invoice{ID: uuid.New(), State: ledger.StateIssued, Number: "INV-2027-000042", Currency: "AUD", Lines: priced,
		Rule: rule, TaxLabel: "GST", Totals: totals,
		IssueDate: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2027, 2, 15, 0, 0, 0, 0, time.UTC)}
}

// specLines are the issue's example: 7 group weeks at $35.00 and 3
// individual weeks at $50.00.
var specLines = []pricing.Line{
	{Kind: pricing.GroupWeeks, Description: "Piano — Mia, 7 group weeks × $35.00", Quantity: 7, UnitMinor: 3500},
	{Kind: pricing.IndividualWeeks, Description: "Piano — Mia, 3 individual weeks × $50.00", Quantity: 3, UnitMinor: 5000},
}

func render(t testing.TB, d invoicepdf.Document) []pdftext.Row {
	t.Helper()
	b, err := invoicepdf.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := pdftext.Rows(b)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestSpecExample: the issue's example, read back from the PDF: $395.00
// including $35.91 of GST, and $39.50 on top of it when prices exclude it,
// with the school's and the family's details, the dates and how to pay.
func TestSpecExample(t *testing.T) {
	t.Parallel()
	inclusive := issued(t, pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}, specLines)
	rows := render(t, invoicepdf.FromInvoice(inclusive, riverside))
	for _, want := range []string{
		"Riverside Music School | Tax invoice",
		"Riverside Music Pty Ltd | Invoice number | INV-2027-000042",
		"ABN 51 824 753 556 | Issue date | 1 February 2027",
		"12 River Road | Due date | 15 February 2027",
		"Brisbane QLD 4000 | Status | Issued",
		"The Garcia family", "Maria Garcia", "maria.garcia@family.example",
		"Description | Qty | Unit price | Amount",
		"Piano — Mia, 7 group weeks × $35.00 | 7 | $35.00 | $245.00",
		"Piano — Mia, 3 individual weeks × $50.00 | 3 | $50.00 | $150.00",
		"Charges | $395.00",
		"Total including GST | $395.00",
		"GST 10% included | $35.91",
		"Amount due | $395.00",
		"Bank transfer to BSB 062-000, account 1234 5678.",
		"Please quote the invoice number.",
		"Riverside Music School · INV-2027-000042 | Page 1",
	} {
		if !slices.ContainsFunc(rows, func(r pdftext.Row) bool { return r.String() == want }) {
			t.Errorf("no row %q in\n%s", want, dump(rows))
		}
	}

	exclusive := issued(t, pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive, Rounding: pricing.PerLine}, specLines)
	rows = render(t, invoicepdf.FromInvoice(exclusive, riverside))
	for _, want := range []string{
		"Description | Qty | Unit price | GST 10% | Amount",
		"Piano — Mia, 7 group weeks × $35.00 | 7 | $35.00 | $24.50 | $245.00",
		"Piano — Mia, 3 individual weeks × $50.00 | 3 | $50.00 | $15.00 | $150.00",
		"Total before GST | $395.00",
		"GST 10% | $39.50",
		"Total | $434.50",
		"Amount due | $434.50",
	} {
		if !slices.ContainsFunc(rows, func(r pdftext.Row) bool { return r.String() == want }) {
			t.Errorf("no row %q in\n%s", want, dump(rows))
		}
	}
}

// TestTotalsMatchLedger is the property: over many random invoices (both
// modes, both roundings, amount and percentage discounts, credits, credit
// notes and payments, every state), the PDF's text carries each line's
// amount and every total exactly as the ledger holds them (the numbers
// GetInvoice answers), and no row of a total that is not there.
func TestTotalsMatchLedger(t *testing.T) {
	t.Parallel()
	n := 250
	if testing.Short() {
		n = 40
	}
	rng := rand.New(rand.NewPCG(10, 20))
	for i := range n {
		rule, lines := pricingtest.RandomInvoice(rng)
		inv := issued(t, rule, lines)
		inv.State = []string{ledger.StateDraft, ledger.StateIssued, ledger.StatePartiallyPaid, ledger.StatePaid, ledger.StateVoid}[rng.IntN(5)]
		if inv.State == ledger.StateDraft {
			inv.Number, inv.IssueDate, inv.DueDate = "", time.Time{}, time.Time{}
		}
		x := riverside
		if due := inv.Totals.Total - inv.Totals.Credits; due > 0 && inv.State != ledger.StateDraft {
			if rng.IntN(3) == 0 {
				amount := 1 + rng.Int64N(due)
				inv.Credited = amount
				x.CreditNotes = []ledger.CreditNote{creditNote("CN-2027-000001", amount)}
			}
			for range rng.IntN(3) {
				amount := 1 + rng.Int64N(due)
				inv.Paid += amount
				x.Payments = append(x.Payments, payment(amount))
			}
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkTotals(t, inv, render(t, invoicepdf.FromInvoice(inv, x)))
		})
	}
}

func checkTotals(t *testing.T, inv ledger.Invoice, rows []pdftext.Row) {
	t.Helper()
	money := func(minor int64) string { return pricing.FormatMinor(inv.Currency, minor) }
	rate := fmt.Sprintf("GST %s%%", strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%d.%02d", inv.Rule.RateBP/100, inv.Rule.RateBP%100), "0"), "."))
	tt := inv.Totals
	want := map[string]string{"Charges": money(tt.Charges), "Amount due": money(tt.Total - tt.Credits - inv.Credited - inv.Paid)}
	if inv.Rule.Mode == pricing.TaxInclusive {
		want["Total including GST"], want[rate+" included"] = money(tt.Total), money(tt.Tax)
	} else {
		want["Total before GST"], want[rate], want["Total"] = money(tt.Taxable), money(tt.Tax), money(tt.Total)
	}
	for label, amount := range map[string]int64{"Discounts": tt.Discounts, "Credits": tt.Credits, "Credit notes": inv.Credited, "Paid": inv.Paid} {
		if amount != 0 {
			want[label] = money(-amount)
		}
	}
	got := map[string]string{}
	for _, r := range rows {
		if len(r) == 2 && (slices.Contains([]string{"Charges", "Discounts", "Total", "Credits", "Credit notes", "Paid", "Amount due"}, r[0]) ||
			strings.HasPrefix(r[0], "Total ") || strings.HasPrefix(r[0], "GST ")) {
			got[r[0]] = r[1]
		}
	}
	for label, amount := range want {
		if got[label] != amount {
			t.Errorf("%s: the PDF says %q, the ledger %q", label, got[label], amount)
		}
	}
	for label := range got {
		if _, ok := want[label]; !ok {
			t.Errorf("%s: the PDF says %q, the ledger has nothing", label, got[label])
		}
	}
	// Each line's amount, in the lines' order, on the row of its
	// description.
	next := 0
	for _, r := range rows {
		if next < len(inv.Lines) && len(r) >= 2 && r[0] == inv.Lines[next].Description {
			if last := r[len(r)-1]; last != money(inv.Lines[next].AmountMinor) {
				t.Errorf("line %d %q: the PDF says %q, the ledger %q", next, r[0], last, money(inv.Lines[next].AmountMinor))
			}
			if inv.Rule.Rounding == pricing.PerLine && r[len(r)-2] != money(inv.Lines[next].TaxMinor) {
				t.Errorf("line %d %q: tax %q, the ledger %q", next, r[0], r[len(r)-2], money(inv.Lines[next].TaxMinor))
			}
			next++
		}
	}
	if next != len(inv.Lines) {
		t.Errorf("%d of %d lines found in\n%s", next, len(inv.Lines), dump(rows))
	}
	if t.Failed() {
		t.Logf("rule %+v, totals %+v, credited %d, paid %d\n%s", inv.Rule, tt, inv.Credited, inv.Paid, dump(rows))
	}
}

func creditNote(number string, amount int64) ledger.CreditNote {
	var n ledger.CreditNote
	n.Number, n.Reason, n.AmountMinor = number, "Lesson cancelled by the school", amount
	n.IssueDate.Time, n.IssueDate.Valid = time.Date(2027, 2, 3, 0, 0, 0, 0, time.UTC), true
	return n
}

func payment(amount int64) ledger.Payment {
	var p ledger.Payment
	p.AmountMinor, p.Method, p.Reference = amount, "bank_transfer", "GARCIA TERM 1"
	p.ReceiveTime = time.Date(2027, 2, 4, 23, 30, 0, 0, time.UTC) // 5 February in Brisbane
	return p
}

// TestStatesAndSettlement: a draft and a void invoice say so on every page;
// the credit notes and payments are listed with their dates in the school's
// zone.
func TestStatesAndSettlement(t *testing.T) {
	t.Parallel()
	inv := issued(t, pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}, specLines)
	x := riverside
	x.CreditNotes = []ledger.CreditNote{creditNote("CN-2027-000003", 5000)}
	x.Payments = []ledger.Payment{payment(10000)}
	inv.State, inv.Credited, inv.Paid = ledger.StatePartiallyPaid, 5000, 10000
	rows := render(t, invoicepdf.FromInvoice(inv, x))
	for _, want := range []string{
		"Brisbane QLD 4000 | Status | Partly paid",
		"Credit notes | -$50.00", "Paid | -$100.00", "Amount due | $245.00",
		"CN-2027-000003 | 3 February 2027 | Lesson cancelled by the school | $50.00",
		"5 February 2027 | Bank transfer | GARCIA TERM 1 | $100.00",
	} {
		if !slices.ContainsFunc(rows, func(r pdftext.Row) bool { return r.String() == want }) {
			t.Errorf("no row %q in\n%s", want, dump(rows))
		}
	}

	draft := issued(t, pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}, specLines)
	draft.State, draft.Number, draft.IssueDate, draft.DueDate = ledger.StateDraft, "", time.Time{}, time.Time{}
	rows = render(t, invoicepdf.FromInvoice(draft, riverside))
	if rows[0].String() != "DRAFT: not yet issued, not payable" || !slices.ContainsFunc(rows, func(r pdftext.Row) bool {
		return r.String() == "Riverside Music School | Draft invoice"
	}) || slices.ContainsFunc(rows, func(r pdftext.Row) bool { return strings.Contains(r.String(), "Invoice number") }) {
		t.Errorf("draft:\n%s", dump(rows))
	}
	if got := invoicepdf.Filename(draft); got != "draft-"+draft.ID.String()+".pdf" {
		t.Errorf("draft filename %q", got)
	}
	if got := invoicepdf.Filename(inv); got != "INV-2027-000042.pdf" {
		t.Errorf("filename %q", got)
	}

	void := inv
	void.State, void.VoidReason = ledger.StateVoid, "Family left before term\nstarted"
	rows = render(t, invoicepdf.FromInvoice(void, x))
	if rows[0].String() != "VOID: Family left before term started" {
		t.Errorf("void:\n%s", dump(rows))
	}
}

// TestLongInvoice: 200 lines with descriptions of 200 characters (the
// contract's bounds) go over pages, each page headed again, every line and
// total on one of them; a name outside the Go fonts' characters (their
// glyphs cover Latin, Greek and Cyrillic) prints as spaces rather than
// failing.
func TestLongInvoice(t *testing.T) {
	t.Parallel()
	var lines []pricing.Line
	for i := range 200 {
		lines = append(lines, pricing.Line{Kind: pricing.Custom, Quantity: 1000, UnitMinor: 100_000_000,
			Description: fmt.Sprintf("%03d ", i) + strings.Repeat("Exam entry fee and accompanist ", 7)[:196]})
	}
	lines[7].Description = "Ensemble — 李小龍, Zoë and Дмитрий"
	inv := issued(t, pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive, Rounding: pricing.PerLine}, lines)
	x := riverside
	x.PaymentInstructions = strings.Repeat("Pay by bank transfer; quote the number. ", 25)
	d := invoicepdf.FromInvoice(inv, x)
	d.Notes = strings.Repeat("x", 1000) // one word longer than a line
	rows := render(t, d)
	pages := 0
	for _, r := range rows {
		if strings.HasPrefix(r.String(), "Riverside Music School · INV-2027-000042 | Page ") {
			pages++
		}
	}
	if pages < 5 {
		t.Errorf("%d pages for 200 lines of two rows each", pages)
	}
	if got := countRows(rows, "Description | Qty | Unit price | GST 10% | Amount"); got != pages && got != pages-1 {
		t.Errorf("the table's header on %d of %d pages", got, pages)
	}
	if !slices.ContainsFunc(rows, func(r pdftext.Row) bool {
		return strings.HasPrefix(r.String(), "Ensemble — ") && strings.Contains(r[0], "Zoë and Дмитрий")
	}) {
		t.Errorf("the line of names is missing:\n%s", dump(rows))
	}
	found := 0
	for _, r := range rows {
		if len(r) == 5 && strings.HasSuffix(r[4], ".00") && r[1] == "1000" {
			found++
		}
	}
	if found != 200 {
		t.Errorf("%d line amounts of 200", found)
	}
	if want := "Total | " + pricing.FormatMinor("AUD", inv.Totals.Total); countRows(rows, want) != 1 {
		t.Errorf("no row %q", want)
	}
}

func countRows(rows []pdftext.Row, s string) int {
	n := 0
	for _, r := range rows {
		if r.String() == s {
			n++
		}
	}
	return n
}

// TestConcurrentRenders: renders running at once (sharing the parsed
// fonts) make the same bytes as one alone.
func TestConcurrentRenders(t *testing.T) {
	t.Parallel()
	d := invoicepdf.FromInvoice(issued(t, pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}, specLines), riverside)
	want, err := invoicepdf.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				got, err := invoicepdf.Render(d)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(got, want) {
					t.Error("a concurrent render differs from the one alone")
					return
				}
			}
		})
	}
	wg.Wait()
}

func dump(rows []pdftext.Row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  " + r.String() + "\n")
	}
	return b.String()
}

// BenchmarkRender renders a typical term invoice (two students, two classes
// each, a sibling discount, a payment). cpu-ns/op is the process's CPU time
// per render (garbage collection included), which other processes on the
// machine do not inflate as they do ns/op.
func BenchmarkRender(b *testing.B) {
	lines := append(slices.Clone(specLines),
		pricing.Line{Kind: pricing.GroupWeeks, Description: "Violin — Leo, 8 group weeks × $30.00", Quantity: 8, UnitMinor: 3000},
		pricing.Line{Kind: pricing.IndividualWeeks, Description: "Violin — Leo, 2 individual weeks × $55.00", Quantity: 2, UnitMinor: 5500},
		pricing.Line{Kind: pricing.Discount, Description: "Sibling discount 5%", PercentBP: 500},
	)
	inv := issued(b, pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}, lines)
	d := invoicepdf.FromInvoice(inv, riverside)
	b.ReportAllocs()
	before := cpuTime(b)
	size := 0
	for b.Loop() {
		p, err := invoicepdf.Render(d)
		if err != nil {
			b.Fatal(err)
		}
		size = len(p)
	}
	b.ReportMetric(float64((cpuTime(b)-before).Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(size), "bytes")
}

func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
