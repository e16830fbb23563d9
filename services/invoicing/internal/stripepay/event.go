package stripepay

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v84/webhook"
)

// Tolerance is how old a webhook's signed timestamp may be: stripe-go's
// default, which is what Stripe recommends. An older one is a replay (or a
// clock far off) and is refused like a bad signature.
const Tolerance = webhook.DefaultTolerance

// The event types that report a paid Checkout Session. A card payment is
// paid when the session completes; a delayed method (a bank debit)
// completes "unpaid" and then succeeds (or fails) later. Stripe may deliver
// the two in either order and each more than once; both name the same
// payment intent, which the payment is recorded by, once.
const (
	EventSessionCompleted             = "checkout.session.completed"
	EventSessionAsyncPaymentSucceeded = "checkout.session.async_payment_succeeded"
)

// ErrSignature is a payload that does not verify against its
// Stripe-Signature with the webhook secret, or whose signature is older
// than Tolerance, or a header that is no Stripe signature at all.
var ErrSignature = errors.New("stripe: webhook signature does not verify")

// Event is the part of a Stripe event Invoicing reads.
type Event struct {
	ID   string
	Type string
	// Created is when Stripe made the event; zero if it did not say.
	Created time.Time
	// Session is the event's object when it is a Checkout Session (the
	// checkout.session.* events); zero otherwise.
	Session CheckoutSession
}

// CheckoutSession is the part of a Checkout Session Invoicing reads.
type CheckoutSession struct {
	ID string
	// PaymentIntentID is the payment ("pi_…"); empty until the session has
	// one.
	PaymentIntentID string
	// PaymentStatus is "paid", "unpaid" (a delayed method, not yet) or
	// "no_payment_required".
	PaymentStatus string
	// AmountTotal and Currency are what was charged, Currency upper-case
	// ISO 4217 like Steward's.
	AmountTotal int64
	Currency    string
	// TenantID and InvoiceID are the session's metadata; uuid.Nil when
	// missing or not an id (a session Steward did not open).
	TenantID, InvoiceID uuid.UUID
}

// Interesting reports whether the event may record a payment; the others
// are acknowledged and ignored.
func (e Event) Interesting() bool {
	return e.Type == EventSessionCompleted || e.Type == EventSessionAsyncPaymentSucceeded
}

// Paid reports whether the event says the session's payment was taken.
func (e Event) Paid() bool {
	return e.Interesting() && e.Session.PaymentStatus == "paid" && e.Session.PaymentIntentID != "" && e.Session.AmountTotal > 0
}

// VerifyEvent checks payload against the Stripe-Signature header with the
// webhook secret and Tolerance, with stripe-go's webhook package, and parses
// it. A payload that does not verify is ErrSignature; one that verifies but
// is no event Invoicing can read is another error.
func (c *Client) VerifyEvent(payload []byte, header string) (Event, error) {
	_, err := webhook.ConstructEventWithOptions(payload, header, c.webhookSecret, webhook.ConstructEventOptions{
		Tolerance: Tolerance,
		// stripe-go refuses events of another API "release train" than the
		// one it was generated for (v84: 2026-02-25.clover), because it
		// would decode their objects into its own structs. Invoicing reads
		// only the few fields ParseEvent names (id, type, and the session's
		// payment_intent, payment_status, amount_total, currency and
		// metadata), which no API version has renamed since they appeared,
		// into structs of its own; so the webhook endpoint may stay on the
		// account's API version and need not move with the library.
		IgnoreAPIVersionMismatch: true,
	})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return Event{}, fmt.Errorf("%w: %w", ErrSignature, err)
	case err != nil:
		return Event{}, fmt.Errorf("stripe: webhook payload: %w", err)
	}
	return ParseEvent(payload)
}

// ParseEvent reads an event without verifying it: the payment job reads
// back an event ReceiveStripeEvent verified and stored.
func ParseEvent(payload []byte) (Event, error) {
	// Decoded into structs of this package's own, not stripe.Event's
	// object types, so an account pinned to another API version still
	// decodes (see VerifyEvent).
	var raw struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Type    string `json:"type"`
		Created int64  `json:"created"`
		Data    struct {
			Object struct {
				Object        string            `json:"object"`
				ID            string            `json:"id"`
				PaymentIntent json.RawMessage   `json:"payment_intent"`
				PaymentStatus string            `json:"payment_status"`
				AmountTotal   int64             `json:"amount_total"`
				Currency      string            `json:"currency"`
				Metadata      map[string]string `json:"metadata"`
			} `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Event{}, fmt.Errorf("stripe: event: %w", err)
	}
	if raw.Object != "event" || raw.ID == "" || raw.Type == "" {
		return Event{}, errors.New("stripe: event: not a Stripe event (object, id and type)")
	}
	e := Event{ID: raw.ID, Type: raw.Type}
	if raw.Created > 0 {
		e.Created = time.Unix(raw.Created, 0).UTC()
	}
	obj := raw.Data.Object
	if obj.Object != "checkout.session" {
		return e, nil
	}
	pi, err := expandableID(obj.PaymentIntent)
	if err != nil {
		return Event{}, fmt.Errorf("stripe: event %s: payment_intent: %w", raw.ID, err)
	}
	e.Session = CheckoutSession{
		ID: obj.ID, PaymentIntentID: pi, PaymentStatus: obj.PaymentStatus,
		AmountTotal: obj.AmountTotal, Currency: strings.ToUpper(obj.Currency),
		TenantID: metadataID(obj.Metadata, MetadataTenant), InvoiceID: metadataID(obj.Metadata, MetadataInvoice),
	}
	return e, nil
}

// expandableID reads a field Stripe sends as an id or, when expanded, as
// the object with its id; null is "".
func expandableID(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var id string
	if err := json.Unmarshal(raw, &id); err == nil {
		return id, nil
	}
	var obj struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", err
	}
	return obj.ID, nil
}

func metadataID(m map[string]string, key string) uuid.UUID {
	id, err := uuid.Parse(m[key])
	if err != nil {
		return uuid.Nil
	}
	return id
}
