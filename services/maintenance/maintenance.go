// Package maintenance assembles steward-maintenance, for its main package and
// for tests that run it the way main does: maintenance plans and the tasks
// they generate, predictions and health from each asset's usage, reminders
// and the household dashboard. Its facts about homes, assets and meter
// readings come from Asset Management's API, never its tables.
package maintenance

import (
	"time"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/dashboard"
	"steward.dev/services/maintenance/internal/server"
)

// Services returns the gRPC services of steward-maintenance.
func Services(env catalog.Env) ([]grpcserver.Service, error) {
	return ServicesWithClock(time.Now)(env.DB)
}

// ServicesWithClock is Services on a database alone, reading the time from
// now: tests stand on a chosen day (a DST change, a month's end) with it.
func ServicesWithClock(now func() time.Time) func(db *tenantdb.DB) ([]grpcserver.Service, error) {
	return func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return []grpcserver.Service{
			{Desc: &maintenancev1.InsightService_ServiceDesc, Impl: server.NewInsightServer(db, now)},
			{Desc: dashboard.Constraints.Register(&maintenancev1.DashboardService_ServiceDesc), Impl: dashboard.New(db, now)},
		}, nil
	}
}
