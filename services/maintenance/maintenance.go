// Package maintenance assembles steward-maintenance, for its main package and
// for tests that run it the way main does: maintenance plans and the tasks
// they generate, predictions and health from each asset's usage, reminders
// and the household dashboard. Its facts about homes, assets and meter
// readings come from Asset Management's API, never its tables.
package maintenance

import (
	"fmt"
	"time"

	"github.com/riverqueue/river"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/jobs"
	"steward.dev/platform/mail"
	"steward.dev/platform/outbox"
	"steward.dev/platform/rpcclient"
	"steward.dev/services/maintenance/internal/reminders"
	"steward.dev/services/maintenance/internal/server"
)

// Queue is steward-maintenance's job queue (platform/jobs).
const Queue = "maintenance"

// The mail settings: where reminders go out (SMTP, no authentication: the
// development sink, or a local relay) and from whom. `make run` points them
// at its mail sink.
const (
	MailSMTPAddrEnv = "MAIL_SMTP_ADDR"
	MailFromEnv     = "MAIL_FROM"
	defaultSMTPAddr = "127.0.0.1:1025"
	defaultMailFrom = "Steward <steward@steward.localhost>"
)

// Services returns the gRPC services of steward-maintenance and its job
// queue's workers.
func Services(env catalog.Env) ([]grpcserver.Service, error) { return ServicesWithClock(time.Now)(env) }

// ServicesWithClock is Services reading the time from now: tests stand on a
// month end, a leap day or a DST change with it.
func ServicesWithClock(now func() time.Time) func(env catalog.Env) ([]grpcserver.Service, error) {
	return func(env catalog.Env) ([]grpcserver.Service, error) {
		// Calls to Assets relay the credentials of the request being
		// served: a completion's reading is recorded as the caller.
		conn, err := rpcclient.Dial(env.Targets["assets"], rpcclient.Options{})
		if err != nil {
			return nil, fmt.Errorf("maintenance: dial assets: %w", err)
		}
		assets := assetsv1.NewAssetServiceClient(conn)
		svcs := []grpcserver.Service{
			{Desc: server.Constraints.Register(&maintenancev1.PlanService_ServiceDesc), Impl: server.NewPlanServer(env.DB, now)},
			{Desc: server.Constraints.Register(&maintenancev1.TaskService_ServiceDesc), Impl: server.NewTaskServer(env.DB, assets, now)},
			{Desc: reminders.Constraints.Register(&maintenancev1.ReminderService_ServiceDesc), Impl: reminders.NewServer(env.DB)},
		}
		if env.DB == nil { // described, not run: no queue to work
			return svcs, nil
		}
		queue, err := newQueue(env, now)
		if err != nil {
			return nil, err
		}
		return append(svcs, queue.Background()), nil
	}
}

// newQueue is the service's job queue with its workers: the reminders, and
// the delivery of their emails.
func newQueue(env catalog.Env, now func() time.Time) (*jobs.Client, error) {
	sender, err := mail.NewSender(env.Get(MailSMTPAddrEnv, defaultSMTPAddr), env.Get(MailFromEnv, defaultMailFrom))
	if err != nil {
		return nil, err
	}
	deliverer := outbox.NewDeliverer(env.DB, sender, outbox.DeliveryConfig{Service: reminders.Service})
	var job *reminders.Job
	if addr, ok := env.Targets["accounts"]; ok {
		// Calls outside a request (the jobs') carry the service's own
		// identity; without one configured they fail before anything is
		// sent, and the reminder job is retried until there is one.
		accounts, err := rpcclient.Dial(addr, rpcclient.Options{Identity: env.ServiceIdentity})
		if err != nil {
			return nil, err
		}
		job = reminders.NewJob(env.DB, accounts, now)
	} else if env.Logger != nil {
		// Only a test builds the service without the catalog's Dials.
		env.Logger.Warn("no address of steward-accounts: no reminders are written (their emails still go out)")
	}
	queue, err := jobs.New(env.DB, jobs.Config{Queue: Queue, Logger: env.Logger, Workers: func(w *river.Workers) {
		river.AddWorker(w, deliverer.Worker())
		if job != nil {
			river.AddWorker(w, reminders.NewWorker(job))
		}
	}})
	if err != nil {
		return nil, err
	}
	if job != nil {
		job.SetQueue(queue)
	}
	return queue, nil
}
