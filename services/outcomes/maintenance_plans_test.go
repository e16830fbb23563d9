package outcomes_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"steward.dev/db/dbtest"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
)

// maintenancePlanOutcomes are the plans' and tasks' rows (README,
// Permissions): maintenance.read is OWNER's, MEMBER's, ADMIN's and
// TEACHER's; maintenance.manage OWNER's and ADMIN's; tasks.complete (start,
// complete) the four of them; PARENT and STUDENT hold none, and neither do
// services. The template catalogue is Steward's, open to any authenticated
// principal that names its tenant, as the asset categories are.
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var maintenancePlanOutcomes = map[string][principals]codes.Code{
	"/steward.maintenance.v1.PlanService/ListPlanTemplates":     {ok, ok, ok, ok, ok, ok, ok, ok, una, ok, pd},
	"/steward.maintenance.v1.PlanService/CreateMaintenancePlan": {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.PlanService/GetMaintenancePlan":    {ok, ok, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.PlanService/ListMaintenancePlans":  {ok, ok, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.PlanService/UpdateMaintenancePlan": {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.PlanService/DeleteMaintenancePlan": {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.PlanService/ApplyPlanTemplates":    {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.TaskService/CreateTask":            {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.TaskService/GetTask":               {ok, ok, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.TaskService/ListTasks":             {ok, ok, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.TaskService/UpdateTask":            {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.TaskService/StartTask":             {ok, ok, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.TaskService/CompleteTask":          {ok, ok, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.TaskService/SkipTask":              {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.TaskService/CancelTask":            {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
}

func init() {
	services = append(services, &maintenancev1.PlanService_ServiceDesc, &maintenancev1.TaskService_ServiceDesc)
	maps.Copy(outcomes, maintenancePlanOutcomes)
	maps.Copy(calls, maintenancePlanCalls)
}

// maintFixtures are a world's standing plan (of its asset) and task (of its
// home).
type maintFixtures struct{ plan, task string }

// newMaintenance gives both worlds Maintenance's copy of their home and
// asset, as the sync from Assets would, and a standing plan and task.
func (m *matrix) newMaintenance(t *testing.T) {
	t.Helper()
	for _, w := range []*world{m.household, m.school} {
		tenant := idOf(w.tenant)
		dbtest.ExecAsTenant(t, m.env.Owner, tenant, `INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone)
			VALUES ($1, $2, $3, $4)`, tenant, idOf(w.home.GetName()), w.home.GetDisplayName(), w.home.GetTimeZone())
		dbtest.ExecAsTenant(t, m.env.Owner, tenant, `INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id)
			VALUES ($1, $2, $3, $4, 'hvac-boiler')`, tenant, idOf(w.asset.GetName()), idOf(w.home.GetName()), w.asset.GetDisplayName())
		w.maint = maintFixtures{plan: w.newPlan(t).GetName(), task: w.newTask(t).GetName()}
	}
}

func (w *world) newPlan(t *testing.T) *maintenancev1.MaintenancePlan {
	t.Helper()
	return must(w.c.plans.CreateMaintenancePlan(w.admin, &maintenancev1.CreateMaintenancePlanRequest{Parent: w.asset.GetName(), MaintenancePlan: planFixture()}))(t)
}

func planFixture() *maintenancev1.MaintenancePlan {
	return &maintenancev1.MaintenancePlan{DisplayName: "Bleed the radiators", LeadDays: 7,
		Trigger: &maintenancev1.Trigger{IntervalCount: 1, IntervalUnit: maintenancev1.Trigger_INTERVAL_UNIT_YEAR}}
}

func (w *world) newTask(t *testing.T) *maintenancev1.Task {
	t.Helper()
	return must(w.c.tasks.CreateTask(w.admin, taskFixture(w)))(t)
}

func taskFixture(w *world) *maintenancev1.CreateTaskRequest {
	return &maintenancev1.CreateTaskRequest{Parent: w.home.GetName(), Task: &maintenancev1.Task{DisplayName: "Fix the dripping tap",
		Kind: maintenancev1.Task_KIND_REPAIR, DueDate: time.Now().AddDate(0, 0, 10).Format(time.DateOnly), Asset: w.asset.GetName()}}
}

var maintenancePlanCalls = map[string]func(t *testing.T, ctx context.Context, c clients, w *world) error{
	"/steward.maintenance.v1.PlanService/ListPlanTemplates": func(_ *testing.T, ctx context.Context, c clients, _ *world) error {
		_, err := c.plans.ListPlanTemplates(ctx, &maintenancev1.ListPlanTemplatesRequest{})
		return err
	},
	"/steward.maintenance.v1.PlanService/CreateMaintenancePlan": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.plans.CreateMaintenancePlan(ctx, &maintenancev1.CreateMaintenancePlanRequest{Parent: w.asset.GetName(), MaintenancePlan: planFixture()})
		return err
	},
	"/steward.maintenance.v1.PlanService/GetMaintenancePlan": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.plans.GetMaintenancePlan(ctx, &maintenancev1.GetMaintenancePlanRequest{Name: w.maint.plan})
		return err
	},
	"/steward.maintenance.v1.PlanService/ListMaintenancePlans": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.plans.ListMaintenancePlans(ctx, &maintenancev1.ListMaintenancePlansRequest{Parent: w.asset.GetName()})
		return err
	},
	"/steward.maintenance.v1.PlanService/UpdateMaintenancePlan": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		p := w.newPlan(t)
		_, err := c.plans.UpdateMaintenancePlan(ctx, &maintenancev1.UpdateMaintenancePlanRequest{
			MaintenancePlan: &maintenancev1.MaintenancePlan{Name: p.GetName(), LeadDays: 14, Etag: p.GetEtag()},
			UpdateMask:      &fieldmaskpb.FieldMask{Paths: []string{"lead_days"}}})
		return err
	},
	"/steward.maintenance.v1.PlanService/DeleteMaintenancePlan": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		p := w.newPlan(t)
		_, err := c.plans.DeleteMaintenancePlan(ctx, &maintenancev1.DeleteMaintenancePlanRequest{Name: p.GetName(), Etag: p.GetEtag()})
		return err
	},
	"/steward.maintenance.v1.PlanService/ApplyPlanTemplates": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.plans.ApplyPlanTemplates(ctx, &maintenancev1.ApplyPlanTemplatesRequest{Name: w.asset.GetName()})
		return err
	},
	"/steward.maintenance.v1.TaskService/CreateTask": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.tasks.CreateTask(ctx, taskFixture(w))
		return err
	},
	"/steward.maintenance.v1.TaskService/GetTask": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.tasks.GetTask(ctx, &maintenancev1.GetTaskRequest{Name: w.maint.task})
		return err
	},
	"/steward.maintenance.v1.TaskService/ListTasks": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.tasks.ListTasks(ctx, &maintenancev1.ListTasksRequest{Parent: w.home.GetName(), Filter: "status = DUE"})
		return err
	},
	"/steward.maintenance.v1.TaskService/UpdateTask": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		task := w.newTask(t)
		_, err := c.tasks.UpdateTask(ctx, &maintenancev1.UpdateTaskRequest{
			Task:       &maintenancev1.Task{Name: task.GetName(), DisplayName: "Fix the tap and the seal", Etag: task.GetEtag()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
		return err
	},
	"/steward.maintenance.v1.TaskService/StartTask": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.tasks.StartTask(ctx, &maintenancev1.StartTaskRequest{Name: w.newTask(t).GetName()})
		return err
	},
	"/steward.maintenance.v1.TaskService/CompleteTask": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.tasks.CompleteTask(ctx, &maintenancev1.CompleteTaskRequest{Name: w.newTask(t).GetName(), Notes: "New washer fitted"})
		return err
	},
	"/steward.maintenance.v1.TaskService/SkipTask": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.tasks.SkipTask(ctx, &maintenancev1.SkipTaskRequest{Name: w.newTask(t).GetName(), Reason: "Plumber booked"})
		return err
	},
	"/steward.maintenance.v1.TaskService/CancelTask": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.tasks.CancelTask(ctx, &maintenancev1.CancelTaskRequest{Name: w.newTask(t).GetName(), Reason: "Not needed"})
		return err
	},
}
