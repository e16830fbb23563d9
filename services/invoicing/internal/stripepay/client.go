package stripepay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v84"
)

// The metadata keys a Checkout Session (and its payment intent) carries:
// the webhook routes on the tenant and records the payment against the
// invoice, both read back from the verified event.
const (
	MetadataTenant  = "steward_tenant"
	MetadataInvoice = "steward_invoice"
)

// callTimeout bounds one Stripe call, retries included; a Checkout Session
// is created while the family waits.
const callTimeout = 20 * time.Second

// Client calls Stripe's API and verifies its webhooks.
type Client struct {
	stripe        *stripe.Client
	webhookSecret string
}

// NewClient returns the client of cfg, which must be Enabled, logging
// stripe-go's own messages to logger.
func NewClient(cfg Config, logger *slog.Logger) *Client {
	backend := &stripe.BackendConfig{
		HTTPClient: &http.Client{Timeout: callTimeout},
		// stripe-go retries what failed in transit (with an idempotency key
		// of its own on POSTs, so a retried create makes one session).
		MaxNetworkRetries: stripe.Int64(2),
		LeveledLogger:     slogLogger{orDiscard(logger)},
	}
	if cfg.APIURL != "" {
		backend.URL = stripe.String(strings.TrimSuffix(cfg.APIURL, "/"))
	}
	return &Client{
		stripe:        stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(backend))),
		webhookSecret: cfg.WebhookSecret,
	}
}

// SessionRequest is what a Checkout Session is opened for: one line, the
// invoice's amount due.
type SessionRequest struct {
	TenantID, InvoiceID uuid.UUID
	// Description names what is paid on Stripe's page ("Invoice
	// INV-2027-000042").
	Description string
	// Currency is ISO 4217 ("AUD"); AmountMinor in its minor units, which
	// are Stripe's "smallest currency unit" too.
	Currency    string
	AmountMinor int64
	// Where Stripe sends the payer after paying, and after giving up.
	SuccessURL, CancelURL string
}

// Session is a Checkout Session Stripe opened.
type Session struct {
	ID  string
	URL string
	// ExpireTime is when Stripe closes it unpaid; zero if Stripe did not say.
	ExpireTime time.Time
}

// ErrUnavailable wraps every failed Stripe call: Stripe down, slow, or
// refusing the request. The message of the wrapped error is for the log.
var ErrUnavailable = errors.New("stripe: call failed")

// CreateSession opens a Checkout Session in payment mode. The tenant and
// invoice go into the session's metadata and its payment intent's, so
// every event about the payment names them.
func (c *Client) CreateSession(ctx context.Context, req SessionRequest) (Session, error) {
	metadata := map[string]string{MetadataTenant: req.TenantID.String(), MetadataInvoice: req.InvoiceID.String()}
	params := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(req.InvoiceID.String()),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(req.Currency)),
				UnitAmount:  stripe.Int64(req.AmountMinor),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(req.Description)},
			},
		}},
		Metadata:          metadata,
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: metadata},
		// The family pays the invoice's amount in the invoice's currency,
		// the numbers of the API and the PDF: no Adaptive Pricing, which
		// would offer a converted amount in their card's currency (and, on
		// the older API versions the webhook accepts, report that one).
		AdaptivePricing: &stripe.CheckoutSessionCreateAdaptivePricingParams{Enabled: stripe.Bool(false)},
		SuccessURL:      stripe.String(req.SuccessURL),
		CancelURL:       stripe.String(req.CancelURL),
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	s, err := c.stripe.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return Session{}, fmt.Errorf("%w: create checkout session: %w", ErrUnavailable, err)
	}
	if s.ID == "" || s.URL == "" {
		return Session{}, fmt.Errorf("%w: checkout session without id or url", ErrUnavailable)
	}
	out := Session{ID: s.ID, URL: s.URL}
	if s.ExpiresAt > 0 {
		out.ExpireTime = time.Unix(s.ExpiresAt, 0).UTC()
	}
	return out, nil
}

// slogLogger is stripe-go's leveled logger writing to slog. stripe-go logs
// each request at Info and every failure at Error; its Info lines go to
// Debug here, since a service logs its own calls.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Debugf(format string, v ...any) {
	s.l.Debug("stripe: " + fmt.Sprintf(format, v...))
}
func (s slogLogger) Infof(format string, v ...any) { s.l.Debug("stripe: " + fmt.Sprintf(format, v...)) }
func (s slogLogger) Warnf(format string, v ...any) { s.l.Warn("stripe: " + fmt.Sprintf(format, v...)) }
func (s slogLogger) Errorf(format string, v ...any) {
	s.l.Error("stripe: " + fmt.Sprintf(format, v...))
}
