package reminders

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"steward.dev/platform/jobs"
	"steward.dev/platform/tenantdb"
)

// Interval is how often each tenant's reminders are looked at: an hour, so
// a task's DUE and OVERDUE reminders and a warranty's arrive within an hour
// of midnight in their home's zone.
const Interval = time.Hour

// Args is the job of one tenant's reminders at one slot of Interval.
type Args struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind is the job's kind in River.
func (Args) Kind() string { return "maintenance_reminders" }

// Worker runs Job for the tenant its job names, and schedules the tenant's
// next run, one Interval slot later. The slot is the job's unique
// period, so however many times a tenant's reminders are scheduled (Schedule
// called again, a run retried) one job per tenant and slot runs.
type Worker struct {
	river.WorkerDefaults[Args]
	job *Job
}

// NewWorker returns the worker running job.
func NewWorker(job *Job) *Worker { return &Worker{job: job} }

// Work schedules the tenant's next run and then writes its reminders. The
// next run comes first so that a run failing until River gives up on it
// (steward-accounts down for days) does not end the tenant's reminders; a
// retry schedules nothing twice (the slot is unique), and writes nothing
// twice (once per dedupe key).
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	if _, err := w.job.queue.Enqueue(ctx, job.Args, nextSlot(w.job.now())); err != nil {
		return err
	}
	_, err := w.job.Run(jobs.ForTenant(ctx, job.Args.TenantID), job.Args.TenantID)
	return err
}

// Schedule starts a tenant's reminders in tx, the transaction that gives the
// tenant something to be reminded of (its first homes' facts): a run now,
// and from then on one every Interval. Calling it again is harmless.
func Schedule(ctx context.Context, tx tenantdb.DBTX, queue *jobs.Client, tenant uuid.UUID, now time.Time) error {
	_, err := queue.EnqueueTx(ctx, tx, Args{TenantID: tenant}, slot(now))
	return err
}

// slot is the insert options of a run in now's Interval slot: unique per
// tenant (the args) and slot.
func slot(now time.Time) *river.InsertOpts {
	return &river.InsertOpts{ScheduledAt: now, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: Interval}}
}

// nextSlot is the run at the start of the slot after now's.
func nextSlot(now time.Time) *river.InsertOpts { return slot(now.Truncate(Interval).Add(Interval)) }
