package server

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/store"
)

// PaymentServer implements invoicingv1.PaymentServiceServer's manual
// payments and the list; CreateCheckoutSession and ReceiveStripeEvent are
// internal/stripepay's.
type PaymentServer struct {
	invoicingv1.UnimplementedPaymentServiceServer
	ledger *ledger.Ledger
}

// NewPaymentServer returns a PaymentServer recording through l.
func NewPaymentServer(l *ledger.Ledger) *PaymentServer { return &PaymentServer{ledger: l} }

func paymentToProto(p ledger.Payment) *invoicingv1.Payment {
	out := &invoicingv1.Payment{Name: paymentPattern.Format(p.TenantID, p.InvoiceID, p.PaymentID), Amount: money(p.Currency, p.AmountMinor),
		Method: paymentMethods.FromDB(p.Method), Reference: p.Reference, ReceiveTime: timestamppb.New(p.ReceiveTime),
		CreateTime: timestamppb.New(p.CreateTime)}
	if p.RecordedBy.Valid {
		out.RecordedBy = usersPrefix + p.RecordedBy.UUID.String()
	}
	return out
}

var payments = aip.Resource[txStore, ledger.Payment, *invoicingv1.Payment]{
	Pattern: paymentPattern, Parent: invoicePattern, Queries: newTxStore,
	// The invoice is locked first, also for a retry: payments to one
	// invoice queue, and each sees the balance the one before left.
	CheckParent: func(ctx context.Context, q txStore, p resname.Name) error {
		_, err := q.LockInvoice(ctx, store.LockInvoiceParams{TenantID: p.ID("tenant"), InvoiceID: p.ID("invoice")})
		return aip.NotFoundAs(err, p.String())
	},
	ByRequestID: func(ctx context.Context, q txStore, p resname.Name, rid uuid.NullUUID) (ledger.Payment, error) {
		row, err := q.PaymentCreatedBy(ctx, store.PaymentCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
		return ledger.Payment{InvoicingPayment: row.InvoicingPayment, Currency: row.Currency}, err
	},
	Fingerprint: func(r ledger.Payment) []byte { return r.RequestFingerprint },
	Proto:       func(r ledger.Payment, _ resname.Name) *invoicingv1.Payment { return paymentToProto(r) },
}

func (s *PaymentServer) RecordPayment(ctx context.Context, req *invoicingv1.RecordPaymentRequest) (*invoicingv1.Payment, error) {
	in := req.GetPayment()
	if in.GetAmount() == nil {
		return nil, apierror.InvalidField("payment.amount", "is required")
	}
	if in.GetMethod() == invoicingv1.Payment_METHOD_STRIPE {
		return nil, apierror.InvalidField("payment.method", "is BANK_TRANSFER, CASH or OTHER: Stripe's payments come from its webhook")
	}
	return payments.Create(ctx, s.ledger.DB(), req, "parent", req.GetParent(),
		func(ctx context.Context, q txStore, p resname.Name, key aip.Idempotency) (ledger.Payment, error) {
			method := in.GetMethod()
			if method == invoicingv1.Payment_METHOD_UNSPECIFIED {
				method = invoicingv1.Payment_METHOD_OTHER
			}
			var received time.Time // zero: the ledger's now
			if in.GetReceiveTime() != nil {
				received = in.GetReceiveTime().AsTime()
			}
			pay, _, err := s.ledger.RecordPayment(ctx, q.tx, ledger.PaymentInput{
				InvoiceID: p.ID("invoice"), AmountMinor: in.GetAmount().GetAmountMinor(), Currency: in.GetAmount().GetCurrencyCode(),
				Method: paymentMethods.ToDB(method), Reference: in.GetReference(), ReceiveTime: received,
				RecordedBy: callerUser(ctx), RequestID: key.RequestID, Fingerprint: key.Fingerprint,
			})
			return pay, err
		})
}

func (s *PaymentServer) ListPayments(ctx context.Context, req *invoicingv1.ListPaymentsRequest) (*invoicingv1.ListPaymentsResponse, error) {
	parent, err := anyInvoicePattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	q := queries(s.ledger.DB().Scoped(ctx))
	p := store.ListPaymentsParams{TenantID: parent.ID("tenant"), AfterID: after, PageLimit: size + 1, ViewerFamily: ledger.ViewerFamily(ctx)}
	if !parent.IsWildcard("invoice") {
		p.InvoiceID = uuid.NullUUID{UUID: parent.ID("invoice"), Valid: true}
	}
	rows, err := q.ListPayments(ctx, p)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if ok, err := invoiceVisible(ctx, q, parent); err != nil || !ok {
			return nil, orNotFound(err, req.GetParent())
		}
	}
	resp := &invoicingv1.ListPaymentsResponse{}
	resp.Payments, resp.NextPageToken = pagetoken.Page(rows, size,
		func(r store.ListPaymentsRow) []string { return []string{r.InvoicingPayment.PaymentID.String()} },
		func(r store.ListPaymentsRow) *invoicingv1.Payment {
			return paymentToProto(ledger.Payment{InvoicingPayment: r.InvoicingPayment, Currency: r.Currency})
		}, req.GetParent())
	return resp, nil
}
