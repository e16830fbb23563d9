package stripepay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"steward.dev/platform/apierror"
	"steward.dev/platform/jobs"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/store"
)

// PaymentArgs asks for one kept Stripe event to be recorded.
type PaymentArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	EventID  string    `json:"event_id"`
}

// Kind names the job in River's tables.
func (PaymentArgs) Kind() string { return "invoicing_stripe_payment" }

// PaymentWorker records the payment a kept event reports, through the
// ledger, and marks the event processed, in one transaction. It is
// idempotent twice over: a processed event is skipped (its row locked, so
// a retry racing the first run waits for it), and the ledger records a
// Stripe payment once by its payment intent, so checkout.session.completed
// and checkout.session.async_payment_succeeded for one payment, in either
// order, make one payment.
type PaymentWorker struct {
	river.WorkerDefaults[PaymentArgs]
	db     *tenantdb.DB
	ledger *ledger.Ledger
	logger *slog.Logger
}

// NewPaymentWorker returns the worker recording through l on db.
func NewPaymentWorker(db *tenantdb.DB, l *ledger.Ledger, logger *slog.Logger) *PaymentWorker {
	return &PaymentWorker{db: db, ledger: l, logger: orDiscard(logger)}
}

// Work records one event's payment.
func (w *PaymentWorker) Work(ctx context.Context, job *river.Job[PaymentArgs]) error {
	a := job.Args
	ctx = jobs.ForTenant(ctx, a.TenantID)
	err := w.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		row, err := q.LockStripeEvent(ctx, store.LockStripeEventParams{TenantID: a.TenantID, StripeEventID: a.EventID})
		if err != nil {
			return err
		}
		if row.ProcessTime.Valid {
			return nil
		}
		e, err := ParseEvent(row.Payload)
		if err != nil {
			return fmt.Errorf("%w: %w", errUnreadable, err)
		}
		if e.Paid() {
			p, created, err := w.ledger.RecordPayment(ctx, tx, ledger.PaymentInput{
				InvoiceID: e.Session.InvoiceID, AmountMinor: e.Session.AmountTotal, Currency: e.Session.Currency,
				Method: "stripe", Reference: e.Session.ID, StripeRef: e.Session.PaymentIntentID, ReceiveTime: e.Created,
			})
			if err != nil {
				return err
			}
			w.logger.InfoContext(ctx, "stripe: payment", "tenant", a.TenantID, "event", e.ID, "type", e.Type,
				"payment_intent", e.Session.PaymentIntentID, "payment", p.PaymentID, "recorded", created)
		}
		return q.MarkStripeEventProcessed(ctx, store.MarkStripeEventProcessedParams{TenantID: a.TenantID, StripeEventID: a.EventID})
	})
	if permanent(err) {
		// Retrying cannot help (the event's invoice is gone, or takes no
		// payment, or the event does not parse): River keeps the job
		// cancelled, with the error, for someone to look at.
		w.logger.ErrorContext(ctx, "stripe: payment not recorded", "tenant", a.TenantID, "event", a.EventID, "error", err)
		return river.JobCancel(fmt.Errorf("stripe event %s: %w", a.EventID, err))
	}
	return err
}

// errUnreadable is a kept event that no longer parses, which verified and
// parsed when it arrived.
var errUnreadable = errors.New("stripe: kept event unreadable")

// permanent reports an error of the event or the invoice rather than of
// the moment (a database or network failure, retried).
func permanent(err error) bool {
	var apiErr *apierror.Error
	return errors.Is(err, pgx.ErrNoRows) || errors.As(err, &apiErr) || errors.Is(err, errUnreadable)
}
