// Package server implements steward-maintenance's PlanService and
// TaskService on the platform's standard methods (platform/aip). The
// schedule's arithmetic is internal/recurrence's and the generation of
// plans' tasks internal/plan's; what is here is turning requests into rows
// and rows into resources, and the tasks' life (start, complete, skip,
// cancel).
package server

import (
	"google.golang.org/grpc/codes"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/store"
)

// The resource names of the contract: Assets' homes, assets, categories and
// readings (Maintenance's resources live under them), accounts' members, and
// Maintenance's own.
var (
	homePattern     = resname.Of(&assetsv1.Home{})
	assetPattern    = resname.Of(&assetsv1.Asset{})
	categoryPattern = resname.Of(&assetsv1.AssetCategory{})
	readingPattern  = resname.Of(&assetsv1.MeterReading{})
	memberPattern   = resname.Of(&accountsv1.Member{})
	planPattern     = resname.Of(&maintenancev1.MaintenancePlan{})
	templatePattern = resname.Of(&maintenancev1.PlanTemplate{})
	taskPattern     = resname.Of(&maintenancev1.Task{})

	anyHomePattern  = homePattern.WithWildcards("home")
	anyAssetPattern = assetPattern.WithWildcards("home", "asset")
)

// The contract's enums as the schema stores them.
var (
	intervalUnits = aip.NewEnum(maintenancev1.Trigger_INTERVAL_UNIT_UNSPECIFIED)
	anchors       = aip.NewEnum(maintenancev1.Trigger_ANCHOR_FLOATING)
	seasons       = aip.NewEnum(maintenancev1.Trigger_SEASON_UNSPECIFIED)
	meterUnits    = aip.NewEnum(maintenancev1.Trigger_METER_UNIT_UNSPECIFIED)
	planStates    = aip.NewEnum(maintenancev1.MaintenancePlan_STATE_ACTIVE)
	taskKinds     = aip.NewEnum(maintenancev1.Task_KIND_MAINTENANCE)
	taskStatuses  = aip.NewEnum(maintenancev1.Task_STATUS_UNSPECIFIED)
)

// Constraints is what a violation of each of the plans' and tasks'
// constraints answers. The trigger checks stand behind the handlers' own
// (which name the rule broken); the generator's keys are met with ON
// CONFLICT DO NOTHING and answer only a write that bypassed it.
var Constraints = apierror.Constraints{
	"plans_tenant_id_asset_id_fkey": {Code: codes.NotFound, Field: "parent"},
	"plans_tenant_id_asset_id_template_id_key": {Code: codes.AlreadyExists, Field: "parent",
		Description: "already has this template's plan"},
	"plans_trigger_check": {Code: codes.InvalidArgument, Field: "maintenance_plan.trigger",
		Description: "needs a calendar interval, a season or a meter interval"},
	"plans_interval_pair_check": {Code: codes.InvalidArgument, Field: "maintenance_plan.trigger",
		Description: "interval_count and interval_unit go together"},
	"plans_meter_pair_check": {Code: codes.InvalidArgument, Field: "maintenance_plan.trigger",
		Description: "meter, meter_unit and meter_interval go together"},
	"plans_season_interval_check": {Code: codes.InvalidArgument, Field: "maintenance_plan.trigger",
		Description: "a seasonal plan is yearly: it takes no calendar interval"},
	"tasks_tenant_id_home_id_fkey": {Code: codes.NotFound, Field: "parent"},
	"tasks_tenant_id_asset_id_fkey": {Code: codes.InvalidArgument, Field: "task.asset",
		Description: "no such asset in this home"},
	"tasks_tenant_id_plan_id_occurrence_key": {Code: codes.Aborted, Field: "name",
		Description: "this plan occurrence has its task already"},
	"tasks_one_open_per_plan_idx": {Code: codes.Aborted, Field: "name",
		Description: "the plan has an open task already"},
	"task_parts_tenant_id_task_id_fkey": {Code: codes.NotFound, Field: "name"},
}

// queries opens the store on a connection or transaction.
func queries(tx tenantdb.DBTX) *store.Queries { return store.New(tx) }

// take sets *dst to v when the update's mask changes field.
func take[T any](mask aip.Mask, field string, dst *T, v T) {
	if mask.Has(field) {
		*dst = v
	}
}
