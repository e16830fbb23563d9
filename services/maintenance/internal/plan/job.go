package plan

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"steward.dev/platform/jobs"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/store"
)

// Queue is steward-maintenance's job queue.
const Queue = "maintenance"

// GenerateArgs asks for one tenant's generation of its plans' next tasks on
// one day. The day makes the job unique (River's ByArgs): however many
// writes ask for it, a tenant's generation runs once a day.
type GenerateArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	// Day is the UTC date (YYYY-MM-DD) the run is for.
	Day string `json:"day"`
}

// Kind names the job in River's tables.
func (GenerateArgs) Kind() string { return "maintenance_generate" }

// InsertOpts makes the job unique by its arguments.
func (GenerateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// runAt is when, in the UTC day after now, a tenant's next daily run is
// scheduled: just after midnight, before any home's morning.
const runAt = 5 * time.Minute

// GenerateWorker runs a tenant's daily generation, then schedules the next
// day's in the same transaction, so that each tenant with active plans has
// one chain of daily runs and no job needs to list every tenant (which row
// security would not let it). A tenant with no active plans ends its chain;
// EnqueueGeneration starts it again when plans come.
//
// A run retried after a crash does nothing twice: Generate is idempotent by
// the tasks' unique keys, and the next day's job by its arguments.
type GenerateWorker struct {
	river.WorkerDefaults[GenerateArgs]
	db  *tenantdb.DB
	now func() time.Time
	// queue is set once the client that works this worker exists
	// (SetQueue): the client is built from its workers.
	queue *jobs.Client
}

// NewGenerateWorker returns a worker generating through db on the clock of
// now.
func NewGenerateWorker(db *tenantdb.DB, now func() time.Time) *GenerateWorker {
	return &GenerateWorker{db: db, now: now}
}

// SetQueue gives the worker the queue it schedules the next day's run on.
func (w *GenerateWorker) SetQueue(q *jobs.Client) { w.queue = q }

// Work generates the tenant's due tasks and schedules tomorrow's run.
func (w *GenerateWorker) Work(ctx context.Context, job *river.Job[GenerateArgs]) error {
	tenant := job.Args.TenantID
	ctx = jobs.ForTenant(ctx, tenant)
	now := w.now()
	return w.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		if _, err := Generate(ctx, q, Scope{Tenant: tenant}, now); err != nil {
			return err
		}
		active, err := q.HasActivePlans(ctx, tenant)
		if err != nil || !active {
			return err
		}
		next := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
		_, err = w.queue.EnqueueTx(ctx, tx, GenerateArgs{TenantID: tenant, Day: next.Format(time.DateOnly)},
			&river.InsertOpts{ScheduledAt: next.Add(runAt), UniqueOpts: river.UniqueOpts{ByArgs: true}})
		return err
	})
}

// EnqueueGeneration asks, in tx (an executor of tenantdb.InTx), for the
// tenant's generation today, which starts its daily chain when it has none:
// a write that creates plans calls it. Once a day it is a job; after that
// the unique arguments make it a no-op.
func EnqueueGeneration(ctx context.Context, queue *jobs.Client, tx tenantdb.DBTX, tenant uuid.UUID, now time.Time) error {
	_, err := queue.EnqueueTx(ctx, tx, GenerateArgs{TenantID: tenant, Day: now.UTC().Format(time.DateOnly)}, nil)
	return err
}
