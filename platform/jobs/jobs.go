// Package jobs is a service's background work: River on PostgreSQL, its
// tables in the schema "jobs" (migrated by db.Migrate), shared by every
// service, each working only its own queue.
//
// A job is enqueued in the same transaction as the change that causes it
// (EnqueueTx inside tenantdb.InTx), so it exists exactly when the change
// does. Jobs are retried until they succeed or run out of attempts, so a
// worker must be idempotent: doing its work twice leaves what doing it once
// does (a unique key, a state checked and set in one transaction).
//
// A job's rows name no tenant; the tenant a job works for is in its
// arguments, and its work reaches tenant rows only through a context from
// ForTenant, with the same tenant scope (and row-level security) as a
// request's. Nothing in a job runs without one.
package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"steward.dev/platform/grpcserver"
	"steward.dev/platform/rpcclient"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

// Schema is where River's tables live (db.JobsSchema).
const Schema = "jobs"

// Config is what a service's queue is made of.
type Config struct {
	// Queue names the service's queue: its client works only these jobs.
	Queue string
	// Workers registers the service's workers (river.AddWorker).
	Workers func(*river.Workers)
	// Periodic are jobs River enqueues on a schedule (only the elected
	// leader among a service's instances does, so each runs once).
	Periodic []*river.PeriodicJob
	// MaxWorkers bounds the jobs worked at once; 0 means 4.
	MaxWorkers int
	// PollInterval is how often the queue is looked at besides the
	// notifications new jobs send; 0 means River's default (1 s). Tests set
	// it low.
	PollInterval time.Duration
	Logger       *slog.Logger
}

// Client is a service's job queue.
type Client struct {
	river *river.Client[pgx.Tx]
	queue string
}

// New returns the queue of cfg over db's pool. Nothing is worked until the
// client's Background runs (the server starts it).
func New(db *tenantdb.DB, cfg Config) (*Client, error) {
	if cfg.Queue == "" || cfg.Workers == nil {
		return nil, errors.New("jobs: a queue needs a name and workers")
	}
	workers := river.NewWorkers()
	cfg.Workers(workers)
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rc, err := river.NewClient(riverpgxv5.New(db.JobQueuePool()), &river.Config{
		Schema:            Schema,
		Queues:            map[string]river.QueueConfig{cfg.Queue: {MaxWorkers: cmp.Or(cfg.MaxWorkers, 4)}},
		Workers:           workers,
		PeriodicJobs:      cfg.Periodic,
		FetchPollInterval: cfg.PollInterval,
		Logger:            logger.With("queue", cfg.Queue),
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Client{river: rc, queue: cfg.Queue}, nil
}

// EnqueueTx adds a job in the transaction of tx, an executor from
// tenantdb.InTx: it commits or rolls back with the change that caused it.
// The job goes to the client's queue unless opts name another.
func (c *Client) EnqueueTx(ctx context.Context, tx tenantdb.DBTX, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	pgxTx, ok := tenantdb.TxOf(tx)
	if !ok {
		return nil, errors.New("jobs: EnqueueTx needs an executor from tenantdb.InTx")
	}
	return c.river.InsertTx(ctx, pgxTx, args, c.onQueue(opts))
}

// Enqueue adds a job on its own, for work no transaction causes.
func (c *Client) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return c.river.Insert(ctx, args, c.onQueue(opts))
}

func (c *Client) onQueue(opts *river.InsertOpts) *river.InsertOpts {
	o := river.InsertOpts{}
	if opts != nil {
		o = *opts
	}
	o.Queue = cmp.Or(o.Queue, c.queue)
	return &o
}

// Subscribe returns the client's events of the given kinds (a job
// completed, failed, …), for tests waiting on work; call cancel when done.
func (c *Client) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return c.river.Subscribe(kinds...)
}

// stopTimeout bounds how long stopping waits for running jobs; after it
// they are cancelled, and River retries them later.
const stopTimeout = 10 * time.Second

// Background is the client's workers as part of a server: they start with
// it and stop after its calls have drained.
func (c *Client) Background() grpcserver.Service {
	return grpcserver.Service{Background: func(ctx context.Context) error {
		if err := c.river.Start(ctx); err != nil {
			if ctx.Err() != nil { // stopped while starting
				return nil
			}
			return fmt.Errorf("jobs: %w", err)
		}
		<-ctx.Done()
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
		defer cancel()
		if err := c.river.Stop(stopCtx); err != nil {
			return c.river.StopAndCancel(context.WithoutCancel(ctx))
		}
		return nil
	}}
}

// ForTenant returns the context a job's work for tenant runs in: the
// tenant scope tenantdb requires, so every row it reads or writes is the
// tenant's, and, for calls to other services (platform/rpcclient), the
// service's own identity acting for that tenant. No caller is set: a job
// serves no request, so it has no one's credentials to relay and no roles.
func ForTenant(ctx context.Context, tenant uuid.UUID) context.Context {
	return rpcclient.ForTenant(scope.WithTenant(ctx, scope.Tenant{TenantID: tenant}), tenant)
}
