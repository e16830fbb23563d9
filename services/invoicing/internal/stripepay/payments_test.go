package stripepay_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v84"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"steward.dev/db/dbtest"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/scope"
	"steward.dev/platform/servertest"
	"steward.dev/platform/stripetest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/accounts"
	"steward.dev/services/booking"
	"steward.dev/services/gateway/edge"
	"steward.dev/services/invoicing"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/stripepay"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// stack is steward-invoicing served as main serves it (with Accounts and
// Booking, which it dials) behind the real interceptor chain on a database
// of its own, the gateway in front of it, and a school with one family
// whose issued invoice is $395.00.
type stack struct {
	env      *servertest.Env
	payments invoicingv1.PaymentServiceClient
	gateway  string // the gateway's URL
	school   uuid.UUID
	family   uuid.UUID
	invoice  ledger.Invoice
	admin    servertest.User
	parent   servertest.User
	ledger   *ledger.Ledger
	db       *tenantdb.DB
}

// stripeSetting is whether a stack's Invoicing has Stripe keys.
type stripeSetting int

const (
	// stripeOn configures Stripe against a stripe-mock of the test's own.
	stripeOn stripeSetting = iota + 1
	// stripeOff leaves the keys unset.
	stripeOff
)

// setup starts the stack.
func setup(t *testing.T, keys stripeSetting) *stack {
	t.Helper()
	vars := map[string]string{}
	if keys == stripeOn {
		vars = map[string]string{stripepay.SecretKeyEnv: stripetest.SecretKey, stripepay.WebhookSecretEnv: webhookSecret,
			stripepay.APIURLEnv: stripetest.Start(t).URL}
	}
	env := servertest.New(t)
	s := &stack{env: env, school: env.Tenant(t, "school"), family: uuid.New()}
	// Invoicing as main assembles it, with the services it dials.
	_, accountsAddr := env.ServeAt(t, accounts.Services)
	_, bookingAddr := env.ServeAt(t, booking.Services)
	conn, addr := env.ServeAt(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return invoicing.Services(catalog.Env{DB: db, Logger: env.Logger, DataDir: t.TempDir(),
			Getenv:  func(k string) string { return vars[k] },
			Targets: map[string]string{"accounts": accountsAddr, "booking": bookingAddr}})
	})
	s.payments = invoicingv1.NewPaymentServiceClient(conn)
	s.admin = env.User(t, s.school, "admin")
	s.parent = env.Member(t, s.school, servertest.MemberSpec{Roles: []string{"parent"}, Family: s.family})

	gw, err := edge.New(t.Context(), edge.Config{Backends: []edge.Backend{{Name: "invoicing", Addr: addr}},
		OpenAPI: []byte(`{"swagger":"2.0","info":{"title":"test","version":"1"},"paths":{}}`),
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	s.gateway = srv.URL

	s.db = tenantdb.New(env.DB.AppPool(t))
	s.ledger = ledger.New(s.db, nil, time.Now)
	s.invoice = s.issuedInvoice(t, s.family)
	return s
}

// issuedInvoice drafts and issues, through the ledger, the spec's invoice
// for family: 7 group weeks × $35.00 and 3 individual weeks × $50.00, GST
// inclusive, $395.00.
func (s *stack) issuedInvoice(t *testing.T, family uuid.UUID) ledger.Invoice {
	t.Helper()
	ctx := scope.WithTenant(t.Context(), scope.Tenant{TenantID: s.school})
	var inv ledger.Invoice
	if err := s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		d, _, err := s.ledger.DraftTermInvoice(ctx, tx, ledger.DraftInput{FamilyID: family, Currency: "AUD", Lines: []pricing.Line{
			{Kind: pricing.GroupWeeks, Description: "Piano — Mia, 7 group weeks × $35.00", Quantity: 7, UnitMinor: 3500},
			{Kind: pricing.IndividualWeeks, Description: "Piano — Mia, 3 individual weeks × $50.00", Quantity: 3, UnitMinor: 5000},
		}})
		if err != nil {
			return err
		}
		inv, err = s.ledger.Issue(ctx, tx, d.ID, time.UTC)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if inv.AmountDue() != 39500 || inv.Number == "" {
		t.Fatalf("fixture invoice %s due %d, want a number and 39500", inv.Number, inv.AmountDue())
	}
	return inv
}

func (s *stack) invoiceName(inv ledger.Invoice) string {
	return fmt.Sprintf("tenants/%s/invoices/%s", s.school, inv.ID)
}

// count runs a count(*) over the school's rows as the owner (row security
// still scoping it to the school).
func (s *stack) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	dbtest.QueryRowAsTenant(t, s.env.Owner, s.school, sql, args, &n)
	return n
}

// settled waits until the payment jobs are all finished (River marks a
// job completed just after its work commits).
func (s *stack) settled(t *testing.T) {
	t.Helper()
	owner := dbtest.Connect(t, s.env.DB.OwnerURL)
	deadline := time.Now().Add(time.Minute)
	for {
		var unfinished int
		if err := owner.QueryRow(t.Context(), `SELECT count(*) FROM jobs.river_job
			WHERE kind = 'invoicing_stripe_payment' AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&unfinished); err != nil {
			t.Fatal(err)
		}
		if unfinished == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d payment jobs unfinished after a minute", unfinished)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not waiting for luck
	}
}

// event is a checkout.session.* event for the stack's invoice, as Stripe
// sends it.
func (s *stack) event(t *testing.T, eventID, eventType, pi, paymentStatus string) []byte {
	t.Helper()
	return sessionEvent(t, eventID, eventType, stripe.APIVersion, s.school, s.invoice.ID, pi, paymentStatus)
}

// deliver posts payload to the gateway's webhook with header as its
// Stripe-Signature, and returns the status and body.
func (s *stack) deliver(t *testing.T, payload []byte, header string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.gateway+"/v1/webhooks/stripe", strings.NewReader(string(payload)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if header != "" {
		req.Header.Set("Stripe-Signature", header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestWebhookBadSignatureRecordsNothing: through the gateway, a delivery
// signed with another secret, signed too long ago, altered after signing,
// or unsigned is 400, and no event, job or payment exists afterwards.
func TestWebhookBadSignatureRecordsNothing(t *testing.T) {
	t.Parallel()
	s := setup(t, stripeOn)
	payload := s.event(t, "evt_bad", stripepay.EventSessionCompleted, "pi_bad", "paid")
	now := time.Now()
	for _, tc := range []struct {
		name, header string
		body         []byte
		reason       string
	}{
		{"another secret", sign(payload, "whsec_attacker", now), payload, "STRIPE_SIGNATURE_INVALID"},
		{"stale: signed 301 s ago", sign(payload, webhookSecret, now.Add(-stripepay.Tolerance-time.Second)), payload, "STRIPE_SIGNATURE_INVALID"},
		{"stale by a day", sign(payload, webhookSecret, now.Add(-24*time.Hour)), payload, "STRIPE_SIGNATURE_INVALID"},
		{"amount altered after signing", sign(payload, webhookSecret, now),
			[]byte(strings.Replace(string(payload), `"amount_total":39500`, `"amount_total":3950000`, 1)), "STRIPE_SIGNATURE_INVALID"},
		{"garbage signature", "t=1,v1=deadbeef", payload, "STRIPE_SIGNATURE_INVALID"},
		{"no Stripe-Signature", "", payload, "INVALID_ARGUMENT"},
	} {
		code, body := s.deliver(t, tc.body, tc.header)
		if code != http.StatusBadRequest || !strings.Contains(body, `"reason":"`+tc.reason+`"`) {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, code, body, tc.reason)
		}
	}
	// Not even routable: no tenant in the metadata, or no JSON.
	for _, junk := range []string{`{"id":"evt_x","object":"event","type":"checkout.session.completed","data":{"object":{}}}`, `not json`} {
		if code, body := s.deliver(t, []byte(junk), sign([]byte(junk), webhookSecret, now)); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", junk, code, body)
		}
	}
	// Larger than any event, the contract's 256 KiB: refused before the
	// service, with 413.
	huge := []byte(strings.Replace(string(payload), `"mode":"payment"`, `"mode":"payment","padding":"`+strings.Repeat("x", 256<<10)+`"`, 1))
	if code, body := s.deliver(t, huge, sign(huge, webhookSecret, now)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte delivery: %d %s, want 413", len(huge), code, body)
	}
	if n := s.count(t, "SELECT count(*) FROM invoicing.stripe_events WHERE tenant_id = $1", s.school); n != 0 {
		t.Errorf("%d stripe events kept, want none", n)
	}
	if n := s.count(t, "SELECT count(*) FROM invoicing.payments WHERE tenant_id = $1", s.school); n != 0 {
		t.Errorf("%d payments, want none", n)
	}
	var jobsQueued int
	if err := dbtest.Connect(t, s.env.DB.OwnerURL).QueryRow(t.Context(),
		"SELECT count(*) FROM jobs.river_job WHERE kind = 'invoicing_stripe_payment'").Scan(&jobsQueued); err != nil {
		t.Fatal(err)
	}
	if jobsQueued != 0 {
		t.Errorf("%d payment jobs, want none", jobsQueued)
	}
}

// TestWebhookSameEventFiveTimes: Stripe delivering one event five times,
// all at once, records one payment: one kept event, one job, the invoice
// paid once.
func TestWebhookSameEventFiveTimes(t *testing.T) {
	t.Parallel()
	s := setup(t, stripeOn)
	payload := s.event(t, "evt_five", stripepay.EventSessionCompleted, "pi_five", "paid")
	var wg sync.WaitGroup
	codes := make([]int, 5)
	for i := range codes {
		wg.Go(func() {
			// Each delivery signed anew, as Stripe signs each attempt.
			codes[i], _ = s.deliver(t, payload, sign(payload, webhookSecret, time.Now()))
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("delivery %d: %d, want 200", i+1, c)
		}
	}
	s.settled(t)
	s.checkPaid(t, map[string]int64{"pi_five": 39500}, 1)
}

// TestWebhookEventsOutOfOrder: the events of one payment, each delivered
// more than once, in a shuffled order and concurrently (the delayed
// method's async success before its session's completion, completion
// reported "paid" and "unpaid"), record one payment; a second payment of
// the same invoice, another payment intent, is a second payment, not a
// repeat.
func TestWebhookEventsOutOfOrder(t *testing.T) {
	t.Parallel()
	s := setup(t, stripeOn)
	var deliveries [][]byte
	for range 3 {
		deliveries = append(deliveries,
			s.event(t, "evt_async", stripepay.EventSessionAsyncPaymentSucceeded, "pi_1", "paid"),
			s.event(t, "evt_done_unpaid", stripepay.EventSessionCompleted, "pi_1", "unpaid"),
			s.event(t, "evt_done_paid", stripepay.EventSessionCompleted, "pi_1", "paid"),
			s.event(t, "evt_expired", "checkout.session.expired", "", "unpaid"),
		)
	}
	rand.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })
	var wg sync.WaitGroup
	for _, p := range deliveries {
		wg.Go(func() {
			if code, body := s.deliver(t, p, sign(p, webhookSecret, time.Now())); code != http.StatusOK {
				t.Errorf("delivery: %d %s", code, body)
			}
		})
	}
	wg.Wait()
	s.settled(t)
	s.checkPaid(t, map[string]int64{"pi_1": 39500}, 3) // expired is of no interest: not kept

	// The family pays again (another session, another payment intent):
	// money taken is recorded, the overpayment shows as a negative amount due.
	again := s.event(t, "evt_again", stripepay.EventSessionCompleted, "pi_2", "paid")
	if code, body := s.deliver(t, again, sign(again, webhookSecret, time.Now())); code != http.StatusOK {
		t.Fatalf("second payment: %d %s", code, body)
	}
	s.settled(t)
	s.checkPaid(t, map[string]int64{"pi_1": 39500, "pi_2": 39500}, 4)
}

// checkPaid checks in SQL that the school has exactly the payments want
// (payment intent → amount), kept events, and an invoice paid by their sum.
func (s *stack) checkPaid(t *testing.T, want map[string]int64, events int) {
	t.Helper()
	var total int64
	for pi, amount := range want {
		total += amount
		if n := s.count(t, "SELECT count(*) FROM invoicing.payments WHERE tenant_id = $1 AND stripe_payment_ref = $2 AND amount_minor = $3 AND method = 'stripe'",
			s.school, pi, amount); n != 1 {
			t.Errorf("payments of %s for %d: %d, want 1", pi, amount, n)
		}
	}
	if n := s.count(t, "SELECT count(*) FROM invoicing.payments WHERE tenant_id = $1", s.school); n != len(want) {
		t.Errorf("%d payments, want %d", n, len(want))
	}
	if n := s.count(t, "SELECT count(*) FROM invoicing.stripe_events WHERE tenant_id = $1 AND process_time IS NOT NULL", s.school); n != events {
		t.Errorf("%d kept events processed, want %d", n, events)
	}
	if n := s.count(t, "SELECT count(*) FROM invoicing.stripe_events WHERE tenant_id = $1", s.school); n != events {
		t.Errorf("%d kept events, want %d", n, events)
	}
	// One job per kept event, each done at its first attempt: nothing was
	// left to a retry to get right.
	var jobsDone, jobsAll int
	if err := dbtest.Connect(t, s.env.DB.OwnerURL).QueryRow(t.Context(),
		`SELECT count(*) FILTER (WHERE state = 'completed' AND attempt = 1 AND coalesce(cardinality(errors), 0) = 0), count(*)
		FROM jobs.river_job WHERE kind = 'invoicing_stripe_payment'`).Scan(&jobsDone, &jobsAll); err != nil {
		t.Fatal(err)
	}
	if jobsDone != events || jobsAll != events {
		t.Errorf("payment jobs: %d done at the first attempt of %d, want %d", jobsDone, jobsAll, events)
	}
	var paid int64
	var state string
	dbtest.QueryRowAsTenant(t, s.env.Owner, s.school, "SELECT paid_minor, state FROM invoicing.invoices WHERE tenant_id = $1 AND invoice_id = $2",
		[]any{s.school, s.invoice.ID}, &paid, &state)
	if paid != total || state != ledger.StatePaid {
		t.Errorf("invoice paid %d (%s), want %d (paid)", paid, state, total)
	}
}

// TestWebhookOtherTenantOrOtherEvents: straight to the service, a verified
// event naming another school than the one it is delivered for is refused;
// a verified event of no interest is acknowledged and not kept.
func TestWebhookOtherTenantOrOtherEvents(t *testing.T) {
	t.Parallel()
	s := setup(t, stripeOn)
	other := s.env.Tenant(t, "school")
	ctx := t.Context()
	payload := s.event(t, "evt_elsewhere", stripepay.EventSessionCompleted, "pi_x", "paid")
	_, err := s.payments.ReceiveStripeEvent(ctx, &invoicingv1.ReceiveStripeEventRequest{
		Parent: "tenants/" + other.String(), Payload: payload, Signature: sign(payload, webhookSecret, time.Now())})
	if status.Code(err) != codes.InvalidArgument || !slices.Contains(apierror.ViolatedFields(err), "parent") {
		t.Errorf("event of another school = %v, want INVALID_ARGUMENT on parent", err)
	}
	customer := []byte(fmt.Sprintf(`{"id":"evt_cus","object":"event","type":"customer.created","created":%d,"data":{"object":{"object":"customer","id":"cus_1"}}}`, time.Now().Unix()))
	if _, err := s.payments.ReceiveStripeEvent(ctx, &invoicingv1.ReceiveStripeEventRequest{
		Parent: "tenants/" + s.school.String(), Payload: customer, Signature: sign(customer, webhookSecret, time.Now())}); err != nil {
		t.Errorf("customer.created = %v, want OK", err)
	}
	for _, tenant := range []uuid.UUID{s.school, other} {
		var n int
		dbtest.QueryRowAsTenant(t, s.env.Owner, tenant, "SELECT count(*) FROM invoicing.stripe_events WHERE tenant_id = $1", []any{tenant}, &n)
		if n != 0 {
			t.Errorf("tenant %s: %d kept events, want none", tenant, n)
		}
	}
}

// post sends body to the gateway's path as u (no one when u is nil) and
// returns the status and body.
func (s *stack) post(t *testing.T, path string, u *servertest.User, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.gateway+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if u != nil {
		req.Header.Set("Authorization", "Bearer "+s.env.UserToken(t, *u))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const returnURLs = `{"successUrl": "https://school.example/paid", "cancelUrl": "https://school.example/invoices"}`

// TestCheckoutSessionAgainstStripeMock: the family's PARENT opens a
// Checkout Session through the gateway, which stripe-go creates at
// stripe-mock, for what the invoice still owes (after a manual payment);
// it is kept in checkout_sessions. What the caller may not pay or see is
// refused before Stripe is called.
func TestCheckoutSessionAgainstStripeMock(t *testing.T) {
	t.Parallel()
	s := setup(t, stripeOn)
	ctx := scope.WithTenant(t.Context(), scope.Tenant{TenantID: s.school})
	if err := s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		_, _, err := s.ledger.RecordPayment(ctx, tx, ledger.PaymentInput{InvoiceID: s.invoice.ID, AmountMinor: 10000, Currency: "AUD", Method: "bank_transfer"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	path := "/v1/" + s.invoiceName(s.invoice) + ":checkout"
	code, body := s.post(t, path, &s.parent, returnURLs)
	if code != http.StatusOK {
		t.Fatalf("checkout: %d %s", code, body)
	}
	var got struct {
		ID     string `json:"id"`
		URL    string `json:"url"`
		Amount struct {
			CurrencyCode string `json:"currencyCode"`
			AmountMinor  string `json:"amountMinor"`
		} `json:"amount"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.ID, "cs_") || !strings.HasPrefix(got.URL, "https://") || got.Amount.CurrencyCode != "AUD" || got.Amount.AmountMinor != "29500" {
		t.Errorf("session %s: want a cs_ id, an https URL and AUD 29500 (395.00 less the 100.00 paid)", body)
	}
	if n := s.count(t, `SELECT count(*) FROM invoicing.checkout_sessions
		WHERE tenant_id = $1 AND stripe_session_id = $2 AND invoice_id = $3 AND amount_minor = 29500 AND currency = 'AUD' AND url = $4`,
		s.school, got.ID, s.invoice.ID, got.URL); n != 1 {
		t.Errorf("checkout_sessions rows for %s: %d, want 1", got.ID, n)
	}

	// Another family's PARENT: the invoice does not exist for them.
	other := s.env.Member(t, s.school, servertest.MemberSpec{Roles: []string{"parent"}, Family: uuid.New()})
	if code, body := s.post(t, path, &other, returnURLs); code != http.StatusNotFound {
		t.Errorf("another family's parent: %d %s, want 404", code, body)
	}
	// A draft: invisible to the family, not payable for the ADMIN.
	ctxDraft := scope.WithTenant(t.Context(), scope.Tenant{TenantID: s.school})
	var draft ledger.Invoice
	if err := s.db.InTx(ctxDraft, func(tx tenantdb.DBTX) error {
		var err error
		draft, _, err = s.ledger.DraftTermInvoice(ctxDraft, tx, ledger.DraftInput{FamilyID: s.family, Currency: "AUD",
			Lines: []pricing.Line{{Kind: pricing.Custom, Description: "Exam entry fee", UnitMinor: 6000}}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	draftPath := "/v1/" + s.invoiceName(draft) + ":checkout"
	if code, body := s.post(t, draftPath, &s.parent, returnURLs); code != http.StatusNotFound {
		t.Errorf("the family's draft: %d %s, want 404", code, body)
	}
	if code, body := s.post(t, draftPath, &s.admin, returnURLs); code != http.StatusPreconditionFailed || !strings.Contains(body, "INVOICE_NOT_PAYABLE") {
		t.Errorf("a draft for the admin: %d %s, want 412 INVOICE_NOT_PAYABLE", code, body)
	}
	// Paid in full: nothing left to pay.
	if err := s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		_, _, err := s.ledger.RecordPayment(ctx, tx, ledger.PaymentInput{InvoiceID: s.invoice.ID, AmountMinor: 29500, Currency: "AUD", Method: "cash"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if code, body := s.post(t, path, &s.parent, returnURLs); code != http.StatusPreconditionFailed || !strings.Contains(body, "INVOICE_NOT_PAYABLE") {
		t.Errorf("a paid invoice: %d %s, want 412 INVOICE_NOT_PAYABLE", code, body)
	}
	if n := s.count(t, "SELECT count(*) FROM invoicing.checkout_sessions WHERE tenant_id = $1", s.school); n != 1 {
		t.Errorf("%d checkout sessions kept, want only the first", n)
	}
}

// TestStripeOff: without keys the service starts, and both Stripe methods
// say card payments are off (412 STRIPE_NOT_CONFIGURED), keeping nothing.
func TestStripeOff(t *testing.T) {
	t.Parallel()
	s := setup(t, stripeOff)
	code, body := s.post(t, "/v1/"+s.invoiceName(s.invoice)+":checkout", &s.parent, returnURLs)
	if code != http.StatusPreconditionFailed || !strings.Contains(body, "STRIPE_NOT_CONFIGURED") {
		t.Errorf("checkout: %d %s, want 412 STRIPE_NOT_CONFIGURED", code, body)
	}
	// Another family's invoice is still not there for them.
	other := s.env.Member(t, s.school, servertest.MemberSpec{Roles: []string{"parent"}, Family: uuid.New()})
	if code, body := s.post(t, "/v1/"+s.invoiceName(s.invoice)+":checkout", &other, returnURLs); code != http.StatusNotFound {
		t.Errorf("another family's parent, Stripe off: %d %s, want 404", code, body)
	}
	payload := s.event(t, "evt_off", stripepay.EventSessionCompleted, "pi_off", "paid")
	code, body = s.deliver(t, payload, sign(payload, webhookSecret, time.Now()))
	if code != http.StatusPreconditionFailed || !strings.Contains(body, "STRIPE_NOT_CONFIGURED") {
		t.Errorf("webhook: %d %s, want 412 STRIPE_NOT_CONFIGURED", code, body)
	}
	if n := s.count(t, "SELECT count(*) FROM invoicing.stripe_events WHERE tenant_id = $1", s.school); n != 0 {
		t.Errorf("%d events kept with Stripe off", n)
	}
}

// TestWebhookPaymentTheLedgerRefuses: a verified event whose payment the
// ledger cannot record (an invoice the school does not have, a currency
// not the invoice's) is acknowledged and kept, and its job is cancelled at
// its first attempt with the reason, not retried for days; no payment is
// recorded and the event stays unprocessed for someone to look at.
func TestWebhookPaymentTheLedgerRefuses(t *testing.T) {
	t.Parallel()
	s := setup(t, stripeOn)
	unknown := sessionEvent(t, "evt_unknown_invoice", stripepay.EventSessionCompleted, stripe.APIVersion, s.school, uuid.New(), "pi_u", "paid")
	usd := []byte(strings.Replace(string(s.event(t, "evt_usd", stripepay.EventSessionCompleted, "pi_usd", "paid")), `"currency":"aud"`, `"currency":"usd"`, 1))
	for _, p := range [][]byte{unknown, usd} {
		if code, body := s.deliver(t, p, sign(p, webhookSecret, time.Now())); code != http.StatusOK {
			t.Fatalf("delivery: %d %s", code, body)
		}
	}
	s.settled(t)
	var cancelled int
	if err := dbtest.Connect(t, s.env.DB.OwnerURL).QueryRow(t.Context(),
		`SELECT count(*) FROM jobs.river_job WHERE kind = 'invoicing_stripe_payment' AND state = 'cancelled' AND attempt = 1`).Scan(&cancelled); err != nil {
		t.Fatal(err)
	}
	if cancelled != 2 {
		t.Errorf("%d payment jobs cancelled at their first attempt, want 2", cancelled)
	}
	if n := s.count(t, "SELECT count(*) FROM invoicing.payments WHERE tenant_id = $1", s.school); n != 0 {
		t.Errorf("%d payments, want none", n)
	}
	if n := s.count(t, "SELECT count(*) FROM invoicing.stripe_events WHERE tenant_id = $1 AND process_time IS NULL", s.school); n != 2 {
		t.Errorf("%d kept events unprocessed, want 2", n)
	}
}
