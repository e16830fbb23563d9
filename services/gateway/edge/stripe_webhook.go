package edge

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/google/uuid"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/apierror"
)

// Stripe's webhook: a plain route, not a generated one, because Stripe
// posts its own JSON (an event), which must reach the service byte for byte
// for its signature to verify.
const (
	stripeWebhookPath = "/v1/webhooks/stripe"
	// stripeWebhookBackend is the service that takes Stripe's events.
	stripeWebhookBackend = "invoicing"
	// maxStripeWebhookBytes is the largest event accepted, the contract's
	// bound on ReceiveStripeEventRequest.payload; a Checkout Session event
	// is a few KiB.
	maxStripeWebhookBytes = 256 << 10
	// stripeTenantMetadata is the key of the Checkout Session's metadata
	// that names the tenant (stripepay.MetadataTenant writes it).
	stripeTenantMetadata = "steward_tenant"
)

// registerStripeWebhook adds POST /v1/webhooks/stripe when the edge serves
// Invoicing.
func (e *Edge) registerStripeWebhook() error {
	var conn *grpc.ClientConn
	for _, c := range e.conns {
		if c.name == stripeWebhookBackend {
			conn = c.conn
		}
	}
	if conn == nil {
		return nil
	}
	payments := invoicingv1.NewPaymentServiceClient(conn)
	e.routeLimits[http.MethodPost+" "+stripeWebhookPath] = maxStripeWebhookBytes
	if err := e.mux.HandlePath(http.MethodPost, stripeWebhookPath, e.stripeWebhook(payments)); err != nil {
		return fmt.Errorf("edge: route POST %s: %w", stripeWebhookPath, err)
	}
	return nil
}

// stripeWebhook forwards one delivery to ReceiveStripeEvent, which verifies
// it: the edge holds no secret, and reads the unverified payload only for
// the tenant to route to, which the service checks against the verified
// one. Its answer maps like every route's: a bad or stale signature is 400,
// and Stripe sends the event again on anything but a 2xx.
func (e *Edge) stripeWebhook(payments invoicingv1.PaymentServiceClient) runtime.HandlerFunc {
	const method = "/steward.invoicing.v1.PaymentService/ReceiveStripeEvent"
	return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		// As a generated handler does: the request id and the allowed
		// headers go along as metadata.
		ctx, err := runtime.AnnotateContext(r.Context(), e.mux, r, method, runtime.WithHTTPPathPattern(stripeWebhookPath))
		if err != nil {
			e.writeError(r.Context(), w, r, err)
			return
		}
		payload, err := io.ReadAll(r.Body) // limited by limitBody to maxStripeWebhookBytes
		if err != nil {
			e.writeError(ctx, w, r, apierror.InvalidField("payload", "the body could not be read").Status().Err())
			return
		}
		tenant, ok := stripeEventTenant(payload)
		if !ok {
			// Not an event of a Checkout Session Steward opened: nothing to
			// route, and nothing is recorded.
			e.writeError(ctx, w, r, apierror.InvalidField("payload",
				"not a Stripe event whose object's metadata names a Steward tenant ("+stripeTenantMetadata+")").Status().Err())
			return
		}
		var md runtime.ServerMetadata
		resp, err := payments.ReceiveStripeEvent(ctx, &invoicingv1.ReceiveStripeEventRequest{
			Parent:    "tenants/" + tenant.String(),
			Payload:   payload,
			Signature: r.Header.Get("Stripe-Signature"),
		}, grpc.Header(&md.HeaderMD), grpc.Trailer(&md.TrailerMD))
		ctx = runtime.NewServerMetadataContext(ctx, md)
		if err != nil {
			e.writeError(ctx, w, r, err)
			return
		}
		_, marshaler := runtime.MarshalerForRequest(e.mux, r)
		runtime.ForwardResponseMessage(ctx, e.mux, marshaler, w, r, resp)
	}
}

// stripeEventTenant reads the tenant from an event's object's metadata,
// unverified.
func stripeEventTenant(payload []byte) (uuid.UUID, bool) {
	var event struct {
		Data struct {
			Object struct {
				Metadata map[string]string `json:"metadata"`
			} `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(payload, &event); err != nil {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(event.Data.Object.Metadata[stripeTenantMetadata])
	return id, err == nil
}
