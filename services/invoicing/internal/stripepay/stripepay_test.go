package stripepay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v84"
	"github.com/stripe/stripe-go/v84/webhook"

	"steward.dev/platform/catalog"
	"steward.dev/platform/stripetest"
	"steward.dev/services/invoicing/internal/stripepay"
)

const webhookSecret = "whsec_stripepaytest"

func newClient(t *testing.T, apiURL string) *stripepay.Client {
	t.Helper()
	cfg, err := stripepay.ConfigFrom(env(map[string]string{
		stripepay.SecretKeyEnv: stripetest.SecretKey, stripepay.WebhookSecretEnv: webhookSecret, stripepay.APIURLEnv: apiURL,
	}))
	if err != nil {
		t.Fatal(err)
	}
	return stripepay.NewClient(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func env(vars map[string]string) func(string, string) string {
	return func(key, fallback string) string {
		if v, ok := vars[key]; ok && v != "" {
			return v
		}
		return fallback
	}
}

// TestCreateSessionAgainstStripeMock: stripe-mock, which checks every
// request against Stripe's OpenAPI description, accepts the Checkout
// Session stripe-go sends for an invoice, and answers an id and a URL.
func TestCreateSessionAgainstStripeMock(t *testing.T) {
	t.Parallel()
	mock := stripetest.Start(t)
	c := newClient(t, mock.URL)
	for _, req := range []stripepay.SessionRequest{
		{TenantID: uuid.New(), InvoiceID: uuid.New(), Description: "Invoice INV-2027-000042", Currency: "AUD", AmountMinor: 39500,
			SuccessURL: "https://school.example/paid", CancelURL: "https://school.example/invoices"},
		// A currency without minor digits: the amount is whole yen.
		{TenantID: uuid.New(), InvoiceID: uuid.New(), Description: "Invoice INV-2027-000043", Currency: "JPY", AmountMinor: 3500,
			SuccessURL: "https://school.example/paid?session={CHECKOUT_SESSION_ID}", CancelURL: "https://school.example/invoices"},
	} {
		s, err := c.CreateSession(t.Context(), req)
		if err != nil {
			t.Fatalf("CreateSession(%+v): %v", req, err)
		}
		if !strings.HasPrefix(s.ID, "cs_") || !strings.HasPrefix(s.URL, "https://") {
			t.Errorf("session %+v: want a cs_ id and an https URL", s)
		}
	}
}

// TestCreateSessionStripeDown: a Stripe that does not answer is
// ErrUnavailable, after stripe-go's retries, within the call's bound.
func TestCreateSessionStripeDown(t *testing.T) {
	t.Parallel()
	c := newClient(t, "http://127.0.0.1:1") // nothing listens on port 1
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := c.CreateSession(ctx, stripepay.SessionRequest{TenantID: uuid.New(), InvoiceID: uuid.New(), Description: "x", Currency: "AUD", AmountMinor: 100})
	if !errors.Is(err, stripepay.ErrUnavailable) {
		t.Fatalf("CreateSession against nothing = %v, want ErrUnavailable", err)
	}
}

// sessionEvent is a checkout.session.* event as Stripe sends it, for a
// session of tenant's invoice paid with payment intent pi.
func sessionEvent(t *testing.T, eventID, eventType, apiVersion string, tenant, invoice uuid.UUID, pi any, paymentStatus string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": eventID, "object": "event", "type": eventType, "api_version": apiVersion, "created": time.Now().Unix(),
		"livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": map[string]any{
			"id": "cs_test_" + eventID, "object": "checkout.session", "mode": "payment",
			"payment_intent": pi, "payment_status": paymentStatus, "status": "complete",
			"amount_total": 39500, "currency": "aud", "client_reference_id": invoice.String(),
			"metadata": map[string]string{stripepay.MetadataTenant: tenant.String(), stripepay.MetadataInvoice: invoice.String()},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sign is the Stripe-Signature Stripe sends: t=<unix>,v1=<hex HMAC-SHA256
// of "<t>.<payload>"> with the endpoint's secret.
func sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// TestVerifyEvent: an event signed with the webhook secret within the
// tolerance verifies and reads back what it reports, whatever its API
// version; anything else is ErrSignature.
func TestVerifyEvent(t *testing.T) {
	t.Parallel()
	c := newClient(t, "")
	tenant, invoice := uuid.New(), uuid.New()
	now := time.Now()

	for _, version := range []string{stripe.APIVersion, "2024-06-20", "2025-03-31.basil"} {
		payload := sessionEvent(t, "evt_ok", stripepay.EventSessionCompleted, version, tenant, invoice, "pi_123", "paid")
		e, err := c.VerifyEvent(payload, sign(payload, webhookSecret, now))
		if err != nil {
			t.Fatalf("api_version %s: %v", version, err)
		}
		want := stripepay.CheckoutSession{ID: "cs_test_evt_ok", PaymentIntentID: "pi_123", PaymentStatus: "paid", AmountTotal: 39500, Currency: "AUD",
			TenantID: tenant, InvoiceID: invoice}
		if e.ID != "evt_ok" || e.Type != stripepay.EventSessionCompleted || e.Session != want || !e.Paid() {
			t.Errorf("api_version %s: event %+v, want session %+v, paid", version, e, want)
		}
	}

	payload := sessionEvent(t, "evt_bad", stripepay.EventSessionCompleted, stripe.APIVersion, tenant, invoice, "pi_123", "paid")
	tampered := []byte(strings.Replace(string(payload), "39500", "39", 1))
	good := sign(payload, webhookSecret, now)
	goodMAC := strings.SplitN(good, "v1=", 2)[1]
	for _, tc := range []struct {
		name, header string
		body         []byte
	}{
		{"another secret", sign(payload, "whsec_someoneelse", now), payload},
		{"tampered payload", good, tampered},
		{"stale, 301 s old", sign(payload, webhookSecret, now.Add(-stripepay.Tolerance-time.Second)), payload},
		{"no header", "", payload},
		{"not a signature", "sha256=abc", payload},
		{"v0 scheme only", strings.Replace(good, "v1=", "v0=", 1), payload},
		{"timestamp not a number", "t=soon,v1=" + goodMAC, payload},
		{"signature of another timestamp", fmt.Sprintf("t=%d,v1=%s", now.Unix()-1, goodMAC), payload},
		{"signature not hex", fmt.Sprintf("t=%d,v1=zz", now.Unix()), payload},
		{"no timestamp", "v1=" + goodMAC, payload},
	} {
		if _, err := c.VerifyEvent(tc.body, tc.header); !errors.Is(err, stripepay.ErrSignature) {
			t.Errorf("%s: VerifyEvent = %v, want ErrSignature", tc.name, err)
		}
	}
	// Within the tolerance, however close to its edge.
	if _, err := c.VerifyEvent(payload, sign(payload, webhookSecret, now.Add(-stripepay.Tolerance+5*time.Second))); err != nil {
		t.Errorf("signed %v ago: %v", stripepay.Tolerance-5*time.Second, err)
	}
	// Signed properly but no event: not a signature problem.
	junk := []byte(`{"object":"balance"}`)
	if _, err := c.VerifyEvent(junk, sign(junk, webhookSecret, now)); err == nil || errors.Is(err, stripepay.ErrSignature) {
		t.Errorf("a signed non-event = %v, want a payload error", err)
	}
}

// TestParseEvent: what decides whether an event records a payment.
func TestParseEvent(t *testing.T) {
	t.Parallel()
	tenant, invoice := uuid.New(), uuid.New()
	for _, tc := range []struct {
		name                string
		eventType           string
		pi                  any
		status              string
		interesting, paid   bool
		wantPaymentIntentID string
	}{
		{"card payment completed", stripepay.EventSessionCompleted, "pi_1", "paid", true, true, "pi_1"},
		{"delayed method completed, not paid yet", stripepay.EventSessionCompleted, "pi_2", "unpaid", true, false, "pi_2"},
		{"delayed method succeeded", stripepay.EventSessionAsyncPaymentSucceeded, "pi_2", "paid", true, true, "pi_2"},
		{"payment intent expanded", stripepay.EventSessionCompleted, map[string]any{"id": "pi_3", "object": "payment_intent"}, "paid", true, true, "pi_3"},
		{"no payment intent", stripepay.EventSessionCompleted, nil, "paid", true, false, ""},
		{"expired", "checkout.session.expired", nil, "unpaid", false, false, ""},
		{"delayed method failed", "checkout.session.async_payment_failed", "pi_4", "unpaid", false, false, "pi_4"},
	} {
		e, err := stripepay.ParseEvent(sessionEvent(t, "evt_1", tc.eventType, stripe.APIVersion, tenant, invoice, tc.pi, tc.status))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if e.Interesting() != tc.interesting || e.Paid() != tc.paid || e.Session.PaymentIntentID != tc.wantPaymentIntentID {
			t.Errorf("%s: interesting %v paid %v pi %q, want %v %v %q", tc.name, e.Interesting(), e.Paid(), e.Session.PaymentIntentID,
				tc.interesting, tc.paid, tc.wantPaymentIntentID)
		}
	}
	other, err := stripepay.ParseEvent([]byte(`{"id":"evt_2","object":"event","type":"customer.created","created":1,"data":{"object":{"object":"customer","id":"cus_1"}}}`))
	if err != nil || other.Interesting() || other.Session != (stripepay.CheckoutSession{}) {
		t.Errorf("customer.created = %+v, %v: want an uninteresting event without a session", other, err)
	}
	foreign, err := stripepay.ParseEvent([]byte(`{"id":"evt_3","object":"event","type":"checkout.session.completed","created":1,
		"data":{"object":{"object":"checkout.session","id":"cs_1","metadata":{"steward_tenant":"not-an-id"}}}}`))
	if err != nil || foreign.Session.TenantID != uuid.Nil || foreign.Session.InvoiceID != uuid.Nil {
		t.Errorf("a session Steward did not open = %+v, %v: want no tenant and no invoice", foreign, err)
	}
	for _, bad := range []string{`not json`, `{"object":"event"}`, `{"id":"evt_4","object":"list","type":"x"}`} {
		if _, err := stripepay.ParseEvent([]byte(bad)); err == nil {
			t.Errorf("ParseEvent(%s) succeeded", bad)
		}
	}
}

// TestConfigFrom: both keys or neither; a key that is not one is an error
// at start rather than a failure at the first payment.
func TestConfigFrom(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		enabled bool
		fails   bool
	}{
		{"nothing set: off", nil, false, false},
		{"both keys", map[string]string{stripepay.SecretKeyEnv: "sk_test_1", stripepay.WebhookSecretEnv: "whsec_1"}, true, false},
		{"restricted key and a mock", map[string]string{stripepay.SecretKeyEnv: "rk_test_1", stripepay.WebhookSecretEnv: "whsec_1", stripepay.APIURLEnv: "http://127.0.0.1:12111"}, true, false},
		{"secret key alone", map[string]string{stripepay.SecretKeyEnv: "sk_test_1"}, false, true},
		{"webhook secret alone", map[string]string{stripepay.WebhookSecretEnv: "whsec_1"}, false, true},
		{"a publishable key", map[string]string{stripepay.SecretKeyEnv: "pk_test_1", stripepay.WebhookSecretEnv: "whsec_1"}, false, true},
		{"not a webhook secret", map[string]string{stripepay.SecretKeyEnv: "sk_test_1", stripepay.WebhookSecretEnv: "secret"}, false, true},
		{"an API URL alone", map[string]string{stripepay.APIURLEnv: "http://127.0.0.1:12111"}, false, true},
		{"an API URL that is none", map[string]string{stripepay.SecretKeyEnv: "sk_test_1", stripepay.WebhookSecretEnv: "whsec_1", stripepay.APIURLEnv: "127.0.0.1:12111"}, false, true},
	} {
		cfg, err := stripepay.ConfigFrom(env(tc.vars))
		if (err != nil) != tc.fails || cfg.Enabled() != tc.enabled {
			t.Errorf("%s: enabled %v, error %v; want enabled %v, failing %v", tc.name, cfg.Enabled(), err, tc.enabled, tc.fails)
		}
	}
}

// TestClientFromSaysWhetherStripeIsOn: the service's log says at start
// whether card payments are on, and against which API.
func TestClientFromSaysWhetherStripeIsOn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		vars   map[string]string
		on     bool
		logged string
	}{
		{nil, false, "Stripe is off"},
		{map[string]string{stripepay.SecretKeyEnv: stripetest.SecretKey, stripepay.WebhookSecretEnv: webhookSecret}, true, "Stripe is on"},
	} {
		var log strings.Builder
		c, err := stripepay.ClientFrom(catalog.Env{Logger: slog.New(slog.NewTextHandler(&log, nil)),
			Getenv: func(k string) string { return tc.vars[k] }})
		if err != nil || (c != nil) != tc.on || !strings.Contains(log.String(), tc.logged) {
			t.Errorf("%v: client %v, error %v, log %q; want on %v and %q logged", tc.vars, c, err, log.String(), tc.on, tc.logged)
		}
	}
	if _, err := stripepay.ClientFrom(catalog.Env{Getenv: func(k string) string {
		return map[string]string{stripepay.SecretKeyEnv: "sk_test_1"}[k]
	}}); err == nil {
		t.Error("a secret key without a webhook secret started")
	}
}
