package invoicing_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/apierror"
)

// TestConcurrentIssuingIsGapless: 64 drafts issued by 16 goroutines at once
// (each also issuing some twice) take the numbers 1 to 64 of the year, each
// once, checked in SQL.
func TestConcurrentIssuingIsGapless(t *testing.T) {
	t.Parallel()
	const invoices, workers = 64, 16
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")
	names := make([]string, invoices)
	for i := range names {
		names[i] = s.draft(s.garcia, int64(1000+i)).GetName()
	}
	var wg sync.WaitGroup
	errs := make(chan error, invoices*2)
	for w := range workers {
		wg.Go(func() {
			// Each goroutine issues its share, then the next goroutine's
			// first invoice again: a second issue returns it as it is.
			for i := w; i < invoices; i += workers {
				if _, err := f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: names[i]}); err != nil {
					errs <- err
				}
			}
			if _, err := f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: names[(w+1)%workers]}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("issuing: %v", err)
	}
	var count, distinct, issued int
	var lowest, highest, sequence int64
	s.query(`SELECT count(*), count(DISTINCT number), count(*) FILTER (WHERE state = 'issued'),
			min(substring(number FROM 10)::bigint), max(substring(number FROM 10)::bigint)
		FROM invoicing.invoices WHERE number LIKE 'INV-2027-%'`, nil, &count, &distinct, &issued, &lowest, &highest)
	s.query(`SELECT last_value FROM invoicing.number_sequences WHERE series = 'invoice' AND year = 2027`, nil, &sequence)
	if count != invoices || distinct != invoices || issued != invoices || lowest != 1 || highest != invoices || sequence != invoices {
		t.Errorf("%d numbered (%d distinct, %d issued), numbers %d to %d, sequence at %d; want %d, gapless 1 to %d",
			count, distinct, issued, lowest, highest, sequence, invoices, invoices)
	}
	var wrongFormat int
	s.query(`SELECT count(*) FROM invoicing.invoices WHERE number !~ '^INV-2027-[0-9]{6}$'`, nil, &wrongFormat)
	if wrongFormat != 0 {
		t.Errorf("%d numbers not of the form INV-2027-000042", wrongFormat)
	}
}

// TestConcurrentPaymentsNeverExceedTheBalance: 16 payments of $30.00 at
// once against $100.00 due: three are recorded, the rest refused, and what
// is recorded adds up to the invoice's paid amount (SQL).
func TestConcurrentPaymentsNeverExceedTheBalance(t *testing.T) {
	t.Parallel()
	const payers = 16
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")
	inv := s.issued(s.garcia, 10000)
	var wg sync.WaitGroup
	codesSeen := make(chan string, payers)
	for range payers {
		wg.Go(func() {
			_, err := s.pay(inv.GetName(), 3000)
			codesSeen <- fmt.Sprintf("%v %s", status.Code(err), apierror.ReasonOf(err))
		})
	}
	wg.Wait()
	close(codesSeen)
	tally := map[string]int{}
	for c := range codesSeen {
		tally[c]++
	}
	if tally["OK "] != 3 || tally["FailedPrecondition PAYMENT_EXCEEDS_BALANCE"] != payers-3 {
		t.Errorf("answers %v; want 3 OK and %d PAYMENT_EXCEEDS_BALANCE", tally, payers-3)
	}
	var n int
	var sum, paid int64
	var state string
	s.query(`SELECT count(p.*), coalesce(sum(p.amount_minor), 0), i.paid_minor, i.state FROM invoicing.invoices i
		LEFT JOIN invoicing.payments p ON p.tenant_id = i.tenant_id AND p.invoice_id = i.invoice_id
		WHERE i.invoice_id = $1 GROUP BY i.paid_minor, i.state`, []any{idOf(inv.GetName())}, &n, &sum, &paid, &state)
	if n != 3 || sum != 9000 || paid != 9000 || state != "partially_paid" {
		t.Errorf("%d payments of %d, paid_minor %d, %s; want 3 of 9000, partially_paid", n, sum, paid, state)
	}
}

// TestRequestIDRetries: a create retried with its request_id returns what
// the first made, once (SQL); the same request_id on another request is
// REQUEST_ID_REUSED.
func TestRequestIDRetries(t *testing.T) {
	t.Parallel()
	f := setup(t, march2027)
	s := f.school("Australia/Sydney")

	rid := uuid.NewString()
	req := s.custom(s.garcia, charge("Exam entry fee", 1, 5000))
	req.RequestId = rid
	first := must(f.invoices.CreateInvoice(s.admin, req))(t)
	retry := must(f.invoices.CreateInvoice(s.admin, req))(t)
	if retry.GetName() != first.GetName() {
		t.Errorf("the retry made %s; want %s", retry.GetName(), first.GetName())
	}
	other := s.custom(s.garcia, charge("Exam entry fee", 2, 5000))
	other.RequestId = rid
	_, err := f.invoices.CreateInvoice(s.admin, other)
	refused(t, "another invoice under the request_id", err, codes.AlreadyExists, "REQUEST_ID_REUSED")
	var invoices int
	s.query(`SELECT count(*) FROM invoicing.invoices`, nil, &invoices)
	if invoices != 1 {
		t.Errorf("%d invoices; want 1", invoices)
	}

	must(f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: first.GetName()}))(t)
	pay := &invoicingv1.RecordPaymentRequest{Parent: first.GetName(), RequestId: uuid.NewString(),
		Payment: &invoicingv1.Payment{Amount: aud(2000), Method: invoicingv1.Payment_METHOD_CASH, Reference: "Receipt 7"}}
	p1 := must(f.payments.RecordPayment(s.admin, pay))(t)
	p2 := must(f.payments.RecordPayment(s.admin, pay))(t)
	if p1.GetName() != p2.GetName() || p1.GetRecordedBy() == "" {
		t.Errorf("the retried payment %s (by %q); want %s", p2.GetName(), p1.GetRecordedBy(), p1.GetName())
	}
	var payments int
	var paid int64
	s.query(`SELECT (SELECT count(*) FROM invoicing.payments), paid_minor FROM invoicing.invoices WHERE invoice_id = $1`,
		[]any{idOf(first.GetName())}, &payments, &paid)
	if payments != 1 || paid != 2000 {
		t.Errorf("%d payments, %d paid; want one of 2000", payments, paid)
	}

	cnReq := &invoicingv1.CreateCreditNoteRequest{Parent: first.GetName(), RequestId: uuid.NewString(),
		CreditNote: &invoicingv1.CreditNote{Reason: "Lesson cancelled", Amount: aud(1000)}}
	c1 := must(f.invoices.CreateCreditNote(s.admin, cnReq))(t)
	c2 := must(f.invoices.CreateCreditNote(s.admin, cnReq))(t)
	if c1.GetName() != c2.GetName() || c1.GetNumber() != "CN-2027-000001" {
		t.Errorf("the retried credit note %s %s; want %s CN-2027-000001", c2.GetName(), c2.GetNumber(), c1.GetName())
	}

	plReq := &invoicingv1.CreatePriceListRequest{Parent: s.name, RequestId: uuid.NewString(), PriceList: &invoicingv1.PriceList{
		Term: s.name + "/terms/" + uuid.NewString(), CurrencyCode: "AUD", DisplayName: "Term 1 fees",
		Rates: []*invoicingv1.PriceRate{{GroupWeek: aud(3500), IndividualWeek: aud(5000)}}}}
	l1 := must(f.prices.CreatePriceList(s.admin, plReq))(t)
	l2 := must(f.prices.CreatePriceList(s.admin, plReq))(t)
	if l1.GetName() != l2.GetName() || len(l2.GetRates()) != 1 {
		t.Errorf("the retried price list %s with %d rates; want %s with 1", l2.GetName(), len(l2.GetRates()), l1.GetName())
	}
}
