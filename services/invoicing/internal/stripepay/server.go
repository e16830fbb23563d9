package stripepay

import (
	"context"
	"errors"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/jobs"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/store"
)

var (
	tenantPattern  = resname.Of(&accountsv1.Tenant{})
	invoicePattern = resname.Of(&invoicingv1.Invoice{})
)

// The refusals of this package, as the contract declares them.
var (
	errNotConfigured = apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_STRIPE_NOT_CONFIGURED,
		"card payments are off: this deployment has no Stripe keys")
	errUnavailable = &apierror.Error{Code: codes.Unavailable,
		Reason:  apierror.Reason(invoicingv1.ErrorReason_ERROR_REASON_STRIPE_UNAVAILABLE),
		Message: "Stripe did not answer or refused the call; try again later"}
	errNotPayable = apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_INVOICE_NOT_PAYABLE,
		"the invoice takes no payment: it is a draft, void or paid")
)

// errSignature is a webhook that does not verify: 400, and nothing is
// recorded.
func errSignature(cause error) *apierror.Error {
	return &apierror.Error{Code: codes.InvalidArgument,
		Reason:     apierror.Reason(invoicingv1.ErrorReason_ERROR_REASON_STRIPE_SIGNATURE_INVALID),
		Message:    "the payload does not verify against its Stripe-Signature, or was signed too long ago",
		Violations: []apierror.FieldViolation{{Field: "signature", Description: cause.Error()}}}
}

// Server is PaymentService's Stripe half: CreateCheckoutSession and
// ReceiveStripeEvent. The service serves it joined with the manual half
// (RecordPayment, ListPayments) as one PaymentService (Join).
type Server struct {
	db *tenantdb.DB
	// stripe is nil when Stripe is off.
	stripe *Client
	queue  *jobs.Client
	logger *slog.Logger
}

// NewServer returns the handlers over db, calling Stripe through c (nil:
// Stripe off) and enqueuing the payment job on queue.
func NewServer(db *tenantdb.DB, c *Client, queue *jobs.Client, logger *slog.Logger) *Server {
	return &Server{db: db, stripe: c, queue: queue, logger: orDiscard(logger)}
}

func orDiscard(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return logger
}

// Join serves PaymentService with manual's RecordPayment and ListPayments
// (the ledger's manual payments) and the Stripe methods of s.
func (s *Server) Join(manual invoicingv1.PaymentServiceServer) invoicingv1.PaymentServiceServer {
	return joined{PaymentServiceServer: manual, stripe: s}
}

type joined struct {
	invoicingv1.PaymentServiceServer
	stripe *Server
}

func (j joined) CreateCheckoutSession(ctx context.Context, req *invoicingv1.CreateCheckoutSessionRequest) (*invoicingv1.CheckoutSession, error) {
	return j.stripe.CreateCheckoutSession(ctx, req)
}

func (j joined) ReceiveStripeEvent(ctx context.Context, req *invoicingv1.ReceiveStripeEventRequest) (*emptypb.Empty, error) {
	return j.stripe.ReceiveStripeEvent(ctx, req)
}

// CreateCheckoutSession opens a Stripe Checkout Session for what the
// invoice still owes and keeps it in checkout_sessions. The invoice is read
// as the caller may see it: a PARENT only their family's, never a draft;
// another family's is NOT_FOUND, like another tenant's, Stripe on or off.
func (s *Server) CreateCheckoutSession(ctx context.Context, req *invoicingv1.CreateCheckoutSessionRequest) (*invoicingv1.CheckoutSession, error) {
	n, err := invoicePattern.Parse("invoice", req.GetInvoice())
	if err != nil {
		return nil, err
	}
	tenant, invoiceID := n.ID("tenant"), n.ID("invoice")
	q := store.New(s.db.Scoped(ctx))
	row, err := q.GetInvoice(ctx, store.GetInvoiceParams{TenantID: tenant, InvoiceID: invoiceID, ViewerFamily: ledger.ViewerFamily(ctx)})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apierror.NotFound(req.GetInvoice())
	}
	if err != nil {
		return nil, err
	}
	// Off only once the invoice is one the caller may see: an invoice they
	// may not is NOT_FOUND whatever the deployment.
	if s.stripe == nil {
		return nil, errNotConfigured
	}
	if row.State != ledger.StateIssued && row.State != ledger.StatePartiallyPaid {
		return nil, errNotPayable
	}
	// An issued invoice's totals are the row's, frozen at issue: its lines
	// are not needed for what it still owes.
	inv := ledger.Assemble(row, nil, store.InvoicingBillingSetting{})
	due := inv.AmountDue()
	if due <= 0 {
		return nil, errNotPayable
	}
	session, err := s.stripe.CreateSession(ctx, SessionRequest{
		TenantID: tenant, InvoiceID: invoiceID, Description: "Invoice " + inv.Number,
		Currency: inv.Currency, AmountMinor: due, SuccessURL: req.GetSuccessUrl(), CancelURL: req.GetCancelUrl(),
	})
	if err != nil {
		s.logger.ErrorContext(ctx, "stripe: checkout session", "invoice", req.GetInvoice(), "error", err)
		return nil, errUnavailable
	}
	if err := q.InsertCheckoutSession(ctx, store.InsertCheckoutSessionParams{
		TenantID: tenant, StripeSessionID: session.ID, InvoiceID: invoiceID, AmountMinor: due, Currency: inv.Currency,
		Url: session.URL, ExpireTime: pgtype.Timestamptz{Time: session.ExpireTime, Valid: !session.ExpireTime.IsZero()},
	}); err != nil {
		return nil, err
	}
	out := &invoicingv1.CheckoutSession{Id: session.ID, Url: session.URL,
		Amount: &typev1.Money{CurrencyCode: inv.Currency, AmountMinor: due}}
	if !session.ExpireTime.IsZero() {
		out.ExpireTime = timestamppb.New(session.ExpireTime)
	}
	return out, nil
}

// ReceiveStripeEvent takes one webhook delivery. It is anonymous (Stripe
// sends no credentials) and scoped to the tenant parent names; the payload
// must verify against the Stripe-Signature with the webhook secret, within
// Tolerance, and name that same tenant. A verified payment event is kept
// once by its event id, and the payment job enqueued with it in one
// transaction: a redelivery finds the event kept and does nothing, and the
// job, not this call, records the payment. Other events are acknowledged
// and forgotten.
func (s *Server) ReceiveStripeEvent(ctx context.Context, req *invoicingv1.ReceiveStripeEventRequest) (*emptypb.Empty, error) {
	p, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if s.stripe == nil {
		return nil, errNotConfigured
	}
	event, err := s.stripe.VerifyEvent(req.GetPayload(), req.GetSignature())
	if errors.Is(err, ErrSignature) {
		s.logger.WarnContext(ctx, "stripe: webhook refused", "tenant", req.GetParent(), "error", err)
		return nil, errSignature(err)
	}
	if err != nil {
		return nil, apierror.InvalidField("payload", "a verified payload that is no Stripe event Steward reads: "+err.Error())
	}
	tenant := p.ID("tenant")
	if !event.Interesting() {
		s.logger.DebugContext(ctx, "stripe: event ignored", "event", event.ID, "type", event.Type)
		return &emptypb.Empty{}, nil
	}
	if event.Session.TenantID != tenant {
		return nil, apierror.InvalidField("parent", "is not the tenant the event's Checkout Session names")
	}
	if event.Session.InvoiceID == uuid.Nil {
		// Signed by Stripe and naming this tenant, but no session Steward
		// opened: nothing to record, and a redelivery would change nothing.
		s.logger.WarnContext(ctx, "stripe: event of a session without an invoice ignored", "event", event.ID, "session", event.Session.ID)
		return &emptypb.Empty{}, nil
	}
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		kept, err := store.New(tx).InsertStripeEvent(ctx, store.InsertStripeEventParams{
			TenantID: tenant, StripeEventID: event.ID, EventType: event.Type, Payload: req.GetPayload(),
		})
		if err != nil || kept == 0 { // a redelivery: its job exists already
			return err
		}
		_, err = s.queue.EnqueueTx(ctx, tx, PaymentArgs{TenantID: tenant, EventID: event.ID}, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}
