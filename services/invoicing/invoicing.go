// Package invoicing assembles steward-invoicing, for its main package and
// for tests that run it the way main does: billing settings and price
// lists, invoices and credit notes, payments and billing runs. Its facts
// about families, enrolments and the school come from Booking's and
// Accounts' APIs, never their tables.
package invoicing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/jobs"
	"steward.dev/platform/rpcclient"
	"steward.dev/services/invoicing/internal/billingrun"
	"steward.dev/services/invoicing/internal/bookingsrc"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/receipts"
	"steward.dev/services/invoicing/internal/server"
	"steward.dev/services/invoicing/internal/stripepay"
)

// Queue is the River queue of Invoicing's jobs.
const Queue = "invoicing"

// BillingRunBatchEnv sets how many families a billing run drafts (and how
// many drafts it issues) per transaction; unset or 0 is
// billingrun.DefaultBatch.
const BillingRunBatchEnv = "INVOICING_BILLING_RUN_BATCH"

// Services returns the gRPC services of steward-invoicing.
func Services(env catalog.Env) ([]grpcserver.Service, error) { return ServicesWithClock(time.Now)(env) }

// ServicesWithClock is Services reading the time from now: tests issue on
// a year's last evening in the school's zone with it.
func ServicesWithClock(now func() time.Time) func(env catalog.Env) ([]grpcserver.Service, error) {
	return func(env catalog.Env) ([]grpcserver.Service, error) {
		// Calls to Booking and Accounts relay the credentials of the request
		// being served; a job's carry the service identity.
		bookingConn, err := rpcclient.Dial(env.Targets["booking"], rpcclient.Options{Identity: env.ServiceIdentity})
		if err != nil {
			return nil, fmt.Errorf("invoicing: dial booking: %w", err)
		}
		accountsConn, err := rpcclient.Dial(env.Targets["accounts"], rpcclient.Options{Identity: env.ServiceIdentity})
		if err != nil {
			return nil, errors.Join(fmt.Errorf("invoicing: dial accounts: %w", err), bookingConn.Close())
		}
		closeConns := func() error { return errors.Join(bookingConn.Close(), accountsConn.Close()) }
		src := bookingsrc.New(bookingConn, accountsConn)
		// The receipts: the ledger's Notifier, whose jobs write the emails
		// that the outbox's deliverer sends, both on the service's queue.
		notify := receipts.New(env.DB, src)
		deliver, err := receipts.NewDeliverer(env.DB, env.Get)
		if err != nil {
			return nil, errors.Join(err, closeConns())
		}
		books := ledger.New(env.DB, notify, now)
		// Card payments through Stripe (internal/stripepay): off, as the log
		// says at start, without STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.
		stripeClient, err := stripepay.ClientFrom(env)
		if err != nil {
			return nil, errors.Join(err, closeConns())
		}
		// The billing run (internal/billingrun): its worker, its batch size.
		batch, err := strconv.Atoi(env.Get(BillingRunBatchEnv, "0"))
		if err != nil || batch < 0 {
			return nil, errors.Join(fmt.Errorf("invoicing: %s: a number of families, 0 for the default", BillingRunBatchEnv), closeConns())
		}
		runs := billingrun.NewWorker(env.DB, books, src, billingrun.Config{Batch: batch, Logger: env.Logger})
		// The service's one job queue: receipts, their delivery, Stripe's
		// payments and the billing runs.
		// Sixteen at once: a receipt job mostly waits (on Booking, on
		// PostgreSQL, on SMTP), and a billing run enqueues one per invoice.
		queue, err := jobs.New(env.DB, jobs.Config{Queue: Queue, Logger: env.Logger, MaxWorkers: 16, Workers: func(w *river.Workers) {
			river.AddWorker(w, notify.Worker())
			river.AddWorker(w, deliver.Worker())
			river.AddWorker(w, stripepay.NewPaymentWorker(env.DB, books, env.Logger))
			river.AddWorker(w, runs)
		}})
		if err != nil {
			return nil, errors.Join(err, closeConns())
		}
		notify.SetQueue(queue)
		return []grpcserver.Service{
			{Desc: server.Constraints.Register(&invoicingv1.PriceService_ServiceDesc), Impl: server.NewPriceServer(env.DB)},
			{Desc: server.Constraints.Register(&invoicingv1.InvoiceService_ServiceDesc), Impl: server.NewInvoiceServer(books, src)},
			{Desc: server.Constraints.Register(&invoicingv1.PaymentService_ServiceDesc),
				Impl: stripepay.NewServer(env.DB, stripeClient, queue, env.Logger).Join(server.NewPaymentServer(books))},
			{Desc: &invoicingv1.BillingRunService_ServiceDesc, Impl: billingrun.NewServer(env.DB, queue)},
			queue.Background(),
			{Background: func(ctx context.Context) error { <-ctx.Done(); return closeConns() }},
		}, nil
	}
}
