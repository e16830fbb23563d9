// Package maintenance assembles steward-maintenance, for its main package and
// for tests that run it the way main does: maintenance plans and the tasks
// they generate, predictions and health from each asset's usage, reminders
// and the household dashboard. Its facts about homes, assets and meter
// readings come from Asset Management's API, never its tables.
package maintenance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"google.golang.org/grpc"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/jobs"
	"steward.dev/platform/mail"
	"steward.dev/platform/outbox"
	"steward.dev/platform/rpcclient"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/dashboard"
	"steward.dev/services/maintenance/internal/plan"
	"steward.dev/services/maintenance/internal/reminders"
	"steward.dev/services/maintenance/internal/server"
	"steward.dev/services/maintenance/internal/sync"
)

// Services returns the gRPC services of steward-maintenance.
func Services(env catalog.Env) ([]grpcserver.Service, error) { return ServicesWithClock(time.Now)(env) }

// ServicesWithClock is Services reading the time from now: tests stand on a
// month end, a leap day or a DST change with it.
func ServicesWithClock(now func() time.Time) func(env catalog.Env) ([]grpcserver.Service, error) {
	return func(env catalog.Env) ([]grpcserver.Service, error) {
		// Calls to Assets relay the credentials of the request being served
		// (a completion's reading is recorded as the caller); a job's carry
		// the service identity (none configured: they fail, sending nothing).
		conn, err := rpcclient.Dial(env.Targets["assets"], rpcclient.Options{Identity: env.ServiceIdentity})
		if err != nil {
			return nil, fmt.Errorf("maintenance: dial assets: %w", err)
		}
		assets := assetsv1.NewAssetServiceClient(conn)
		notify, err := newReminderWorkers(env, now)
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		// One queue for the service's jobs; each part adds its workers.
		generate := plan.NewGenerateWorker(env.DB, now)
		facts := sync.New(env.DB, assets, plan.ApplyCategoryTemplates)
		queue, err := jobs.New(env.DB, jobs.Config{Queue: plan.Queue, Logger: env.Logger, Workers: func(w *river.Workers) {
			river.AddWorker(w, generate)
			river.AddWorker(w, &server.NightlyInsightWorker{DB: env.DB, Now: now})
			river.AddWorker(w, sync.NewWorker(facts))
			notify.register(w)
		}})
		if err != nil {
			_ = conn.Close()
			return nil, errors.Join(err, notify.close())
		}
		generate.SetQueue(queue)
		facts.KeepCurrent(notify.startingReminders(queue))
		notify.bind(queue)
		return []grpcserver.Service{
			// What reads or writes the facts brings them up to date with
			// Assets first (sync.Refreshing); reminder preferences do not.
			{Desc: facts.Refreshing(server.Constraints.Register(&maintenancev1.PlanService_ServiceDesc), env.Logger), Impl: server.NewPlanServer(env.DB, queue, now)},
			{Desc: facts.Refreshing(server.Constraints.Register(&maintenancev1.TaskService_ServiceDesc), env.Logger), Impl: server.NewTaskServer(env.DB, assets, now)},
			{Desc: facts.Refreshing(&maintenancev1.InsightService_ServiceDesc, env.Logger), Impl: server.NewInsightServer(env.DB, queue, now)},
			{Desc: facts.Refreshing(dashboard.Constraints.Register(&maintenancev1.DashboardService_ServiceDesc), env.Logger), Impl: dashboard.New(env.DB, now)},
			{Desc: reminders.Constraints.Register(&maintenancev1.ReminderService_ServiceDesc), Impl: reminders.NewServer(env.DB)},
			queue.Background(),
			{Background: func(ctx context.Context) error { <-ctx.Done(); return errors.Join(conn.Close(), notify.close()) }},
		}, nil
	}
}

// reminderWorkers are the reminders' part of the queue: the delivery of
// Maintenance's outbox emails and, where steward-accounts is known (always
// but in tests that build the service without the catalog's Dials), the
// reminder job, which reads the members' emails from it.
type reminderWorkers struct {
	deliverer *outbox.Deliverer
	job       *reminders.Job
	accounts  *grpc.ClientConn
}

func newReminderWorkers(env catalog.Env, now func() time.Time) (reminderWorkers, error) {
	sender, err := mail.SenderFromEnv(env.Get)
	if err != nil {
		return reminderWorkers{}, err
	}
	r := reminderWorkers{deliverer: outbox.NewDeliverer(env.DB, sender, outbox.DeliveryConfig{Service: reminders.Service})}
	addr, ok := env.Targets["accounts"]
	if !ok {
		if env.Logger != nil {
			env.Logger.Warn("no address of steward-accounts: no reminders are written (their emails still go out)")
		}
		return r, nil
	}
	// The job's calls carry the service's own identity; without one
	// configured they fail before anything is sent, and the reminder job is
	// retried until there is one.
	if r.accounts, err = rpcclient.Dial(addr, rpcclient.Options{Identity: env.ServiceIdentity}); err != nil {
		return reminderWorkers{}, fmt.Errorf("maintenance: dial accounts: %w", err)
	}
	r.job = reminders.NewJob(env.DB, r.accounts, now)
	return r, nil
}

func (r reminderWorkers) register(w *river.Workers) {
	river.AddWorker(w, r.deliverer.Worker())
	if r.job != nil {
		river.AddWorker(w, reminders.NewWorker(r.job))
	}
}

func (r reminderWorkers) bind(queue *jobs.Client) {
	if r.job != nil {
		r.job.SetQueue(queue)
	}
}

// startingReminders is the queue the sync enqueues a tenant's job on, in
// the transaction of the tenant's first sync: that transaction then also
// starts the tenant's reminders (reminders.Schedule), since no job could
// list the tenants under row-level security.
func (r reminderWorkers) startingReminders(queue *jobs.Client) sync.Enqueuer {
	if r.job == nil {
		return queue
	}
	return firstSync{queue: queue}
}

type firstSync struct{ queue *jobs.Client }

func (f firstSync) EnqueueTx(ctx context.Context, tx tenantdb.DBTX, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := f.queue.EnqueueTx(ctx, tx, args, opts)
	if err != nil {
		return nil, err
	}
	if a, ok := args.(sync.JobArgs); ok {
		if err := reminders.Schedule(ctx, tx, f.queue, a.TenantID, time.Now()); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (r reminderWorkers) close() error {
	if r.accounts == nil {
		return nil
	}
	return r.accounts.Close()
}
