// Package maintenance assembles steward-maintenance, for its main package and
// for tests that run it the way main does: maintenance plans and the tasks
// they generate, predictions and health from each asset's usage, reminders
// and the household dashboard. Its facts about homes, assets and meter
// readings come from Asset Management's API, never its tables.
package maintenance

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/jobs"
	"steward.dev/platform/rpcclient"
	"steward.dev/services/maintenance/internal/dashboard"
	"steward.dev/services/maintenance/internal/plan"
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
		// One queue for the service's jobs; each part adds its workers.
		generate := plan.NewGenerateWorker(env.DB, now)
		facts := sync.New(env.DB, assets, plan.ApplyCategoryTemplates)
		queue, err := jobs.New(env.DB, jobs.Config{Queue: plan.Queue, Logger: env.Logger, Workers: func(w *river.Workers) {
			river.AddWorker(w, generate)
			river.AddWorker(w, &server.NightlyInsightWorker{DB: env.DB, Now: now})
			river.AddWorker(w, sync.NewWorker(facts))
		}})
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		generate.SetQueue(queue)
		facts.KeepCurrent(queue)
		return []grpcserver.Service{
			{Desc: server.Constraints.Register(&maintenancev1.PlanService_ServiceDesc), Impl: server.NewPlanServer(env.DB, queue, now)},
			{Desc: server.Constraints.Register(&maintenancev1.TaskService_ServiceDesc), Impl: server.NewTaskServer(env.DB, assets, now)},
			{Desc: &maintenancev1.InsightService_ServiceDesc, Impl: server.NewInsightServer(env.DB, queue, now)},
			{Desc: dashboard.Constraints.Register(&maintenancev1.DashboardService_ServiceDesc), Impl: dashboard.New(env.DB, now)},
			queue.Background(),
			{Background: func(ctx context.Context) error { <-ctx.Done(); return conn.Close() }},
		}, nil
	}
}
