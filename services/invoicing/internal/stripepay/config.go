// Package stripepay is Invoicing's card payments through Stripe, with the
// official stripe-go library: a Checkout Session for an invoice's amount
// due (PaymentService.CreateCheckoutSession), and Stripe's webhook
// (PaymentService.ReceiveStripeEvent, behind the gateway's
// POST /v1/webhooks/stripe), whose payload is verified against its
// Stripe-Signature, kept once by its event id and recorded by a background
// job (PaymentJob) through the ledger, once per Stripe payment whatever the
// events that report it and their order.
//
// Without keys Stripe is off: both RPCs answer STRIPE_NOT_CONFIGURED and the
// service says so at start.
package stripepay

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"steward.dev/platform/catalog"
)

// The settings, read from the service's environment.
const (
	// SecretKeyEnv is the account's secret API key ("sk_test_…" or
	// "sk_live_…", or a restricted "rk_…").
	SecretKeyEnv = "STRIPE_SECRET_KEY"
	// WebhookSecretEnv is the signing secret of the webhook endpoint
	// ("whsec_…"), the gateway's /v1/webhooks/stripe.
	WebhookSecretEnv = "STRIPE_WEBHOOK_SECRET"
	// APIURLEnv replaces Stripe's API root, https://api.stripe.com: `make
	// run` and the tests point it at stripe-mock.
	APIURLEnv = "STRIPE_API_URL"
)

// Config is how the service reaches Stripe.
type Config struct {
	SecretKey     string
	WebhookSecret string
	// APIURL is the API root; empty means Stripe's own.
	APIURL string
}

// ConfigFrom reads the settings through getenv (catalog.Env.Get's shape:
// the value, or fallback when unset). Neither key is Stripe off (the zero
// Config); one without the other is an error, so a half-configured service
// does not start and then take card payments it can never hear about, or
// listen for payments it cannot take.
func ConfigFrom(getenv func(key, fallback string) string) (Config, error) {
	c := Config{
		SecretKey:     getenv(SecretKeyEnv, ""),
		WebhookSecret: getenv(WebhookSecretEnv, ""),
		APIURL:        getenv(APIURLEnv, ""),
	}
	var errs []error
	switch {
	case c.SecretKey == "" && c.WebhookSecret == "":
		if c.APIURL != "" {
			errs = append(errs, fmt.Errorf("%s is set without %s and %s", APIURLEnv, SecretKeyEnv, WebhookSecretEnv))
		}
	case c.SecretKey == "" || c.WebhookSecret == "":
		errs = append(errs, fmt.Errorf("%s and %s go together: set both or neither", SecretKeyEnv, WebhookSecretEnv))
	case !strings.HasPrefix(c.SecretKey, "sk_") && !strings.HasPrefix(c.SecretKey, "rk_"):
		errs = append(errs, fmt.Errorf("%s is not a Stripe secret key (sk_… or rk_…)", SecretKeyEnv))
	case !strings.HasPrefix(c.WebhookSecret, "whsec_"):
		errs = append(errs, fmt.Errorf("%s is not a webhook signing secret (whsec_…)", WebhookSecretEnv))
	}
	if c.APIURL != "" {
		if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q is not an http(s) URL", APIURLEnv, c.APIURL))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("stripe: %w", err)
	}
	return c, nil
}

// Enabled reports whether Stripe is configured.
func (c Config) Enabled() bool { return c.SecretKey != "" }

// LiveMode reports whether the key moves real money.
func (c Config) LiveMode() bool { return strings.Contains(c.SecretKey, "_live_") }

// ClientFrom reads the settings from env and returns the client, or nil
// when Stripe is off; either way the service's log says which, at start.
func ClientFrom(env catalog.Env) (*Client, error) {
	cfg, err := ConfigFrom(env.Get)
	if err != nil {
		return nil, err
	}
	logger := orDiscard(env.Logger)
	if !cfg.Enabled() {
		logger.Warn("Stripe is off: " + SecretKeyEnv + " and " + WebhookSecretEnv + " are not set; " +
			"checkout sessions and webhooks answer STRIPE_NOT_CONFIGURED")
		return nil, nil
	}
	api := cfg.APIURL
	if api == "" {
		api = "https://api.stripe.com"
	}
	logger.Info("Stripe is on", "live", cfg.LiveMode(), "api", api)
	return NewClient(cfg, logger), nil
}
