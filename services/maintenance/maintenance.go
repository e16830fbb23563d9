// Package maintenance assembles steward-maintenance, for its main package and
// for tests that run it the way main does: maintenance plans and the tasks
// they generate, predictions and health from each asset's usage, reminders
// and the household dashboard. Its facts about homes, assets and meter
// readings come from Asset Management's API, never its tables.
package maintenance

import (
	"time"

	"github.com/riverqueue/river"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/jobs"
	"steward.dev/platform/mail"
	"steward.dev/platform/outbox"
	"steward.dev/platform/rpcclient"
	"steward.dev/services/maintenance/internal/reminders"
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
// queue's workers: the reminders, and the delivery of their emails.
func Services(env catalog.Env) ([]grpcserver.Service, error) {
	svcs := []grpcserver.Service{
		{Desc: reminders.Constraints.Register(&maintenancev1.ReminderService_ServiceDesc), Impl: reminders.NewServer(env.DB)},
	}
	if env.DB == nil { // described, not run (the catalog's checks): no queue to work
		return svcs, nil
	}
	queue, err := newQueue(env)
	if err != nil {
		return nil, err
	}
	return append(svcs, queue.Background()), nil
}

// newQueue is the service's job queue with its workers.
func newQueue(env catalog.Env) (*jobs.Client, error) {
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
		job = reminders.NewJob(env.DB, accounts, time.Now)
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
