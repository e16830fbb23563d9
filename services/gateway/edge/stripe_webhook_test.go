package edge_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/services/gateway/edge"
)

// paymentServer keeps the webhook deliveries it is forwarded.
type paymentServer struct {
	invoicingv1.UnimplementedPaymentServiceServer
	recorder
	mu  sync.Mutex
	got []*invoicingv1.ReceiveStripeEventRequest
}

func (s *paymentServer) ReceiveStripeEvent(ctx context.Context, req *invoicingv1.ReceiveStripeEventRequest) (*emptypb.Empty, error) {
	s.record(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, proto.Clone(req).(*invoicingv1.ReceiveStripeEventRequest))
	return &emptypb.Empty{}, nil
}

const webhookTenant = "6f1c2b1e-2f6a-4b0e-9a57-0c6f3d1e8a42"

// TestStripeWebhookForwardsTheDeliveryAsIs: the edge routes a delivery by
// the tenant in its object's metadata and hands the service the body byte
// for byte (its spacing is what Stripe signed) with the Stripe-Signature;
// what names no tenant, and what is larger than 256 KiB, never reaches it.
func TestStripeWebhookForwardsTheDeliveryAsIs(t *testing.T) {
	t.Parallel()
	payments := &paymentServer{}
	be := startBackend(t, func(s *grpc.Server) { invoicingv1.RegisterPaymentServiceServer(s, payments) })
	url := serveEdge(t, edge.Config{Backends: []edge.Backend{{Name: "invoicing", Addr: be.addr}},
		OpenAPI: []byte(testOpenAPI), Logger: slog.New(slog.DiscardHandler)})

	body := "{\"id\": \"evt_1\",\n  \"object\": \"event\", \"data\": {\"object\": {\"metadata\": {\"steward_tenant\": \"" + webhookTenant + "\"}}}}"
	const sig = "t=1700000000,v1=abc"
	r := do(t, http.MethodPost, url+"/v1/webhooks/stripe", strings.NewReader(body),
		map[string]string{"Content-Type": "application/json", "Stripe-Signature": sig, "X-Request-Id": "req-stripe-1"})
	if r.status != http.StatusOK || strings.TrimSpace(r.body) != "{}" || r.header.Get("X-Request-Id") != "req-stripe-1" {
		t.Fatalf("delivery: %d %q (request id %q), want 200 {} with the request id", r.status, r.body, r.header.Get("X-Request-Id"))
	}
	payments.mu.Lock()
	got := payments.got
	payments.mu.Unlock()
	if len(got) != 1 || got[0].GetParent() != "tenants/"+webhookTenant || !bytes.Equal(got[0].GetPayload(), []byte(body)) || got[0].GetSignature() != sig {
		t.Fatalf("forwarded %v, want the body as sent, its signature, parent tenants/%s", got, webhookTenant)
	}
	if id := payments.last().Get("x-request-id"); len(id) != 1 || id[0] != "req-stripe-1" {
		t.Errorf("request id metadata %v, want the delivery's", id)
	}

	for name, b := range map[string]string{
		"no metadata":            `{"id":"evt_2","object":"event","data":{"object":{}}}`,
		"a tenant that is no id": `{"id":"evt_3","object":"event","data":{"object":{"metadata":{"steward_tenant":"../accounts"}}}}`,
		"not JSON":               `t=1,v1=abc`,
	} {
		if r := do(t, http.MethodPost, url+"/v1/webhooks/stripe", strings.NewReader(b), map[string]string{"Stripe-Signature": sig}); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, r.status, r.body)
		}
	}
	huge := strings.Replace(body, `"evt_1"`, `"`+strings.Repeat("x", 256<<10)+`"`, 1)
	if r := do(t, http.MethodPost, url+"/v1/webhooks/stripe", strings.NewReader(huge), map[string]string{"Stripe-Signature": sig}); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("%d bytes: %d, want 413", len(huge), r.status)
	}
	if r := do(t, http.MethodGet, url+"/v1/webhooks/stripe", nil, nil); r.status == http.StatusOK {
		t.Errorf("GET: %d, want no route", r.status)
	}
	payments.mu.Lock()
	defer payments.mu.Unlock()
	if len(payments.got) != 1 {
		t.Errorf("%d deliveries reached the service, want only the first", len(payments.got))
	}
}

// TestStripeWebhookNeedsInvoicing: an edge without Invoicing has no
// webhook route.
func TestStripeWebhookNeedsInvoicing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	if r := postJSON(t, f.url+"/v1/webhooks/stripe", `{}`); r.status != http.StatusNotFound {
		t.Errorf("POST /v1/webhooks/stripe without Invoicing: %d %s, want 404", r.status, r.body)
	}
}
