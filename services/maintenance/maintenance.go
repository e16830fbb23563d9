// Package maintenance assembles steward-maintenance, for its main package and
// for tests that run it the way main does: maintenance plans and the tasks
// they generate, predictions and health from each asset's usage, reminders
// and the household dashboard. Its facts about homes, assets and meter
// readings come from Asset Management's API, never its tables.
package maintenance

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/jobs"
	"steward.dev/platform/rpcclient"
	"steward.dev/services/maintenance/internal/sync"
)

// Queue is the service's job queue.
const Queue = "maintenance"

// Services returns the gRPC services of steward-maintenance, and the
// background work that keeps its facts current.
func Services(env catalog.Env) ([]grpcserver.Service, error) {
	target, ok := env.Targets["assets"]
	if !ok {
		return nil, errors.New("maintenance: no address for assets")
	}
	// Relays the caller's credentials while serving a request; a job's calls
	// carry the service identity (nil: they fail, sending nothing).
	conn, err := rpcclient.Dial(target, rpcclient.Options{Identity: env.ServiceIdentity})
	if err != nil {
		return nil, err
	}
	facts := sync.New(env.DB, assetsv1.NewAssetServiceClient(conn), nil)
	queue, err := jobs.New(env.DB, jobs.Config{Queue: Queue, Logger: env.Logger,
		Workers: func(w *river.Workers) { river.AddWorker(w, sync.NewWorker(facts)) }})
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	facts.KeepCurrent(queue)
	return []grpcserver.Service{
		queue.Background(),
		{Background: func(ctx context.Context) error { <-ctx.Done(); return conn.Close() }},
	}, nil
}
