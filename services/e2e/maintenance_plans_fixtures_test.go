package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"steward.dev/db/dbtest"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
)

// The plans' and tasks' part of the sweeps. Completing, skipping and
// cancelling close a task, after which it takes none of them: they are
// swept like deletes, on the deletable set. A household MEMBER starts and
// completes tasks (tasks.complete) and reads plans and tasks, and manages
// neither.
func init() {
	for _, op := range []string{"TaskService_CompleteTask", "TaskService_SkipTask", "TaskService_CancelTask"} {
		destructiveOperations[op] = true
	}
	memberWrites["TaskService_StartTask"] = true
	memberWrites["TaskService_CompleteTask"] = true
}

// newMaintenanceSet gives tree's home and asset their copies in
// Maintenance's facts (written past row-level security, as the sync from
// Assets' change feed would write them), then, through ctx (the tree's
// owner), a plan of the asset and an ad-hoc task of the home, by the
// collections of their names.
func (s *stack) newMaintenanceSet(t *testing.T, ctx context.Context, tree assetTree, must func(what string, err error)) map[string]string {
	t.Helper()
	tenant := uuid.MustParse(strings.Split(tree.home, "/")[1])
	db := s.bypassPool(t)
	dbtest.ExecAsTenant(t, db, tenant, `INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone)
		VALUES ($1, $2, 'Fixture home', 'Europe/London') ON CONFLICT DO NOTHING`, tenant, lastID(tree.home))
	dbtest.ExecAsTenant(t, db, tenant, `INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id)
		VALUES ($1, $2, $3, 'Boiler', 'hvac-boiler') ON CONFLICT DO NOTHING`, tenant, lastID(tree.asset), lastID(tree.home))
	plan, err := s.plans.CreateMaintenancePlan(ctx, &maintenancev1.CreateMaintenancePlanRequest{Parent: tree.asset, MaintenancePlan: &maintenancev1.MaintenancePlan{
		DisplayName: "Bleed the radiators", LeadDays: 7,
		Trigger: &maintenancev1.Trigger{IntervalCount: 1, IntervalUnit: maintenancev1.Trigger_INTERVAL_UNIT_YEAR}}})
	must("CreatePlan", err)
	task, err := s.tasks.CreateTask(ctx, &maintenancev1.CreateTaskRequest{Parent: tree.home, Task: &maintenancev1.Task{
		DisplayName: "Fix the dripping tap", Kind: maintenancev1.Task_KIND_REPAIR, Asset: tree.asset,
		DueDate: time.Now().AddDate(0, 0, 10).Format(time.DateOnly)}})
	must("CreateTask", err)
	return map[string]string{"tenants/homes/assets/plans": plan.GetName(), "tenants/homes/tasks": task.GetName()}
}

func lastID(name string) uuid.UUID { return uuid.MustParse(name[strings.LastIndex(name, "/")+1:]) }

// maintenancePlanBody is a well-formed body of the plans' and tasks'
// operations that take one.
func (p *sweepPlanner) maintenancePlanBody(op sweepOperation) (string, bool) {
	switch op.id {
	case "PlanService_CreateMaintenancePlan":
		return `{"displayName":"Sweep plan","description":"Every six months","leadDays":7,"startDate":"2026-01-01",` +
			`"trigger":{"intervalCount":6,"intervalUnit":"INTERVAL_UNIT_MONTH","anchor":"ANCHOR_FLOATING"}}`, true
	case "PlanService_UpdateMaintenancePlan":
		return `{"displayName":"Sweep renamed plan","leadDays":10,"state":"STATE_PAUSED"}`, true
	case "TaskService_CreateTask":
		return `{"displayName":"Sweep task","kind":"KIND_INSPECTION","dueDate":"2030-01-15","leadDays":3,"asset":"` +
			p.fx.owner["tenants/homes/assets"] + `"}`, true
	case "TaskService_UpdateTask":
		return `{"displayName":"Sweep renamed task","dueDate":"2030-02-01","leadDays":5}`, true
	case "TaskService_CompleteTask":
		return `{"notes":"Sweep done","cost":{"currencyCode":"USD","amountMinor":"1500"},` +
			`"parts":[{"description":"Washer","partNumber":"W-1","quantity":2,"cost":{"currencyCode":"USD","amountMinor":"300"}}],` +
			`"meterReading":{"meter":"sweep-complete","unit":"METER_UNIT_HOURS","value":5}}`, true
	case "TaskService_SkipTask":
		return `{"reason":"Sweep skip"}`, true
	case "TaskService_CancelTask":
		return `{"reason":"Sweep cancel"}`, true
	}
	return "", false
}
