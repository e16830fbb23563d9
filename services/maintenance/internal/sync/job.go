package sync

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"steward.dev/platform/jobs"
	"steward.dev/platform/tenantdb"
)

// JobArgs is the job keeping one tenant's facts current between requests,
// so that jobs reading the facts (generation, reminders, insight) and the
// first read after a quiet spell find them fresh.
type JobArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind names the job in River's tables.
func (JobArgs) Kind() string { return "maintenance_sync_facts" }

// JobInterval is how long a tenant's job waits between runs.
const JobInterval = 15 * time.Minute

// Enqueuer is the job queue (*jobs.Client), for enqueueing a tenant's job
// in the transaction that first syncs the tenant.
type Enqueuer interface {
	EnqueueTx(ctx context.Context, tx tenantdb.DBTX, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// KeepCurrent has every tenant's first sync also enqueue the tenant's job on
// queue, in the same transaction; call it before the server serves. A
// tenant's job is its only one (unique by its arguments): the set of those
// jobs is the set of tenants whose facts Maintenance keeps, which no query
// under row-level security could list.
func (s *Syncer) KeepCurrent(queue Enqueuer) { s.queue = queue }

// enqueueTenant adds tenantID's job in tx, if a queue is set.
func (s *Syncer) enqueueTenant(ctx context.Context, tx tenantdb.DBTX, tenantID uuid.UUID) error {
	if s.queue == nil {
		return nil
	}
	_, err := s.queue.EnqueueTx(ctx, tx, JobArgs{TenantID: tenantID}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

// Worker runs a tenant's job: a refresh with the service's own identity
// acting for the tenant, then the same job again after JobInterval. A
// failed refresh is retried with River's backoff.
type Worker struct {
	river.WorkerDefaults[JobArgs]
	syncer *Syncer
}

// NewWorker returns the worker of s's jobs, for the service's queue
// (river.AddWorker).
func NewWorker(s *Syncer) *Worker { return &Worker{syncer: s} }

// Work refreshes the job's tenant and snoozes: a snooze costs the job no
// attempt, so it runs for as long as the tenant is kept.
func (w *Worker) Work(ctx context.Context, job *river.Job[JobArgs]) error {
	if err := w.syncer.Refresh(jobs.ForTenant(ctx, job.Args.TenantID)); err != nil {
		return err
	}
	return river.JobSnooze(JobInterval)
}
