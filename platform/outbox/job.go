package outbox

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"steward.dev/platform/jobs"
	"steward.dev/platform/outbox/outboxstore"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

// DeliverArgs is the job that delivers one message: enqueued in the
// transaction that adds the message (Enqueue), and retried with River's
// backoff until the send and its record both succeed.
type DeliverArgs struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	MessageID uuid.UUID `json:"message_id"`
}

// Kind is the job's kind in River; each service works it on its own queue.
func (DeliverArgs) Kind() string { return "outbox_deliver" }

// InsertOpts makes a second delivery job for a message that still has one
// waiting or running no job at all.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Worker works DeliverArgs with a Deliverer; register it with
// river.AddWorker in the service's jobs.Config.
type Worker struct {
	river.WorkerDefaults[DeliverArgs]
	d *Deliverer
}

// Worker returns the job worker delivering d's messages.
func (d *Deliverer) Worker() *Worker { return &Worker{d: d} }

// Work delivers the job's message in the job's tenant. A message another
// attempt holds (ErrBusy) is an error like any other: River tries again
// after its backoff, by when the holder has sent it or its lease has run
// out.
func (w *Worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.d.Deliver(jobs.ForTenant(ctx, job.Args.TenantID), job.Args.MessageID)
}

// Timeout bounds one attempt: one SMTP conversation and two short
// transactions.
func (w *Worker) Timeout(*river.Job[DeliverArgs]) time.Duration { return time.Minute }

// Enqueue adds the delivery job of message id to client's queue in the
// transaction tx that added the message, so the job exists exactly when the
// message does.
func Enqueue(ctx context.Context, tx tenantdb.DBTX, client *jobs.Client, tenant, id uuid.UUID) error {
	_, err := client.EnqueueTx(ctx, tx, DeliverArgs{TenantID: tenant, MessageID: id}, nil)
	return err
}

// pendingBatch bounds one EnqueuePending pass.
const pendingBatch = 500

// EnqueuePending adds, in tx, a delivery job for each of service's pending
// messages of the tenant in ctx that has no job waiting or running (the
// job's unique args): a message whose job River gave up on (discarded after
// its last attempt) is tried again. It returns how many jobs it added.
func EnqueuePending(ctx context.Context, tx tenantdb.DBTX, client *jobs.Client, service string) (int, error) {
	t, ok := scope.TenantFrom(ctx)
	if !ok {
		return 0, tenantdb.ErrNoScope
	}
	ids, err := outboxstore.New(tx).ListPendingMessages(ctx, outboxstore.ListPendingMessagesParams{
		TenantID: t.TenantID, Service: service, Limit: pendingBatch,
	})
	if err != nil {
		return 0, err
	}
	added := 0
	for _, id := range ids {
		res, err := client.EnqueueTx(ctx, tx, DeliverArgs{TenantID: t.TenantID, MessageID: id}, nil)
		if err != nil {
			return added, err
		}
		if !res.UniqueSkippedAsDuplicate {
			added++
		}
	}
	return added, nil
}
