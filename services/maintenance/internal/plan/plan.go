// Package plan is what every writer of maintenance plans shares, whether it
// serves a request (the PlanService and TaskService), follows Asset
// Management's change feed (a newly seen asset gets its category's
// templates) or runs as a job (each tenant's daily generation): turning a
// plan row into its recurrence.Trigger, applying templates, and generating
// each plan's next occurrence as a task. Every function works inside the
// caller's transaction and tenant scope.
package plan

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"steward.dev/platform/aip"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/recurrence"
	"steward.dev/services/maintenance/internal/store"
)

// HorizonDays is how far past a plan's lead time its next task is made: a
// task exists once it is due within lead_days + HorizonDays, so the list
// shows what is coming a month before it is DUE.
const HorizonDays = 30

// Trigger is the recurrence of a plan's trigger columns.
type Trigger struct {
	IntervalCount pgtype.Int4
	IntervalUnit  pgtype.Text
	Anchor        string
	Season        pgtype.Text
	MeterInterval pgtype.Float8
	StartDate     pgtype.Date
}

// Recurrence converts the columns, with the home's hemisphere.
func (t Trigger) Recurrence(hemisphere string) recurrence.Trigger {
	return recurrence.Trigger{
		Every: int(t.IntervalCount.Int32), Unit: recurrence.Unit(t.IntervalUnit.String), Anchor: recurrence.Anchor(t.Anchor),
		Season: recurrence.Season(t.Season.String), Hemisphere: recurrence.Hemisphere(hemisphere),
		MeterEvery: t.MeterInterval.Float64, Start: t.StartDate.Time,
	}
}

// ApplyCategoryTemplates gives asset a plan from every template of its
// category that it does not have yet (one per template and asset, by the
// plans_tenant_id_asset_id_template_id_key), starting today in the home's
// zone, and generates their first tasks. It returns how many plans it
// created; a deleted or retired asset gets none. q is the store on the
// caller's transaction in the asset's tenant scope; the transaction itself
// is in the signature agreed with the sync (DESIGN-9.md), which holds both.
func ApplyCategoryTemplates(ctx context.Context, _ tenantdb.DBTX, q *store.Queries, asset store.MaintenanceAssetFact) (int, error) {
	return applyCategoryTemplates(ctx, q, asset, time.Now())
}

// ApplyCategoryTemplatesAt is ApplyCategoryTemplates on the clock of now,
// for the servers (whose tests set it).
func ApplyCategoryTemplatesAt(ctx context.Context, q *store.Queries, asset store.MaintenanceAssetFact, now time.Time) (int, error) {
	return applyCategoryTemplates(ctx, q, asset, now)
}

func applyCategoryTemplates(ctx context.Context, q *store.Queries, asset store.MaintenanceAssetFact, now time.Time) (int, error) {
	if asset.Deleted || asset.Status == "retired" {
		return 0, nil
	}
	home, err := q.GetHomeFact(ctx, store.GetHomeFactParams{TenantID: asset.TenantID, HomeID: asset.HomeID})
	if err != nil {
		return 0, fmt.Errorf("plan: the home of asset %s: %w", asset.AssetID, err)
	}
	loc, err := aip.LoadTimeZone(home.TimeZone)
	if err != nil {
		return 0, fmt.Errorf("plan: home %s: %w", home.HomeID, err)
	}
	templates, err := q.UnscopedPlanTemplatesOfCategory(ctx, asset.CategoryID)
	if err != nil {
		return 0, err
	}
	today := pgtype.Date{Time: recurrence.DateIn(now, loc), Valid: true}
	created := 0
	for _, t := range templates {
		n, err := q.CreateTemplatePlan(ctx, store.CreateTemplatePlanParams{
			TenantID: asset.TenantID, PlanID: uuid.Must(uuid.NewV7()), HomeID: asset.HomeID, AssetID: asset.AssetID,
			TemplateID: pgtype.Text{String: t.TemplateID, Valid: true}, DisplayName: t.DisplayName, Description: t.Description,
			IntervalCount: t.IntervalCount, IntervalUnit: t.IntervalUnit, Meter: t.Meter, MeterUnit: t.MeterUnit,
			MeterInterval: t.MeterInterval, Anchor: t.Anchor, Season: t.Season, LeadDays: t.LeadDays, StartDate: today,
		})
		if err != nil {
			return created, err
		}
		created += int(n)
	}
	if created > 0 {
		if _, err := Generate(ctx, q, Scope{Tenant: asset.TenantID, Asset: uuid.NullUUID{UUID: asset.AssetID, Valid: true}}, now); err != nil {
			return created, err
		}
	}
	return created, nil
}

// Scope is which plans Generate looks at: every one of the tenant's, or
// one plan's, or one asset's.
type Scope struct {
	Tenant uuid.UUID
	Plan   uuid.NullUUID
	Asset  uuid.NullUUID
}

// Generate makes the next occurrence task of each active plan in scope that
// has no open task and whose next occurrence falls due within its lead time
// plus HorizonDays of today (the home's local date at now). It returns how
// many tasks it created.
//
// It is idempotent however often and however concurrently it runs: each
// task is inserted with ON CONFLICT DO NOTHING against the occurrence's
// unique key (tasks_tenant_id_plan_id_occurrence_key) and the one open task
// a plan may have (tasks_one_open_per_plan_idx), so a second run, or a
// concurrent one that computed the same occurrence, inserts nothing; a
// concurrent insert waits for the first to commit, then finds the conflict.
func Generate(ctx context.Context, q *store.Queries, s Scope, now time.Time) (int, error) {
	rows, err := q.PlansToGenerate(ctx, store.PlansToGenerateParams{TenantID: s.Tenant, PlanID: s.Plan, AssetID: s.Asset})
	if err != nil {
		return 0, err
	}
	created := 0
	for _, r := range rows {
		loc, err := aip.LoadTimeZone(r.TimeZone)
		if err != nil {
			return created, fmt.Errorf("plan %s: home zone: %w", r.PlanID, err)
		}
		trig := Trigger{IntervalCount: r.IntervalCount, IntervalUnit: r.IntervalUnit, Anchor: r.Anchor, Season: r.Season,
			MeterInterval: r.MeterInterval, StartDate: r.StartDate}
		o, err := recurrence.Next(trig.Recurrence(r.Hemisphere), history(r), usage(r), loc)
		if err != nil { // the schema's checks admit only triggers
			return created, fmt.Errorf("plan %s: %w", r.PlanID, err)
		}
		today := recurrence.DateIn(now, loc)
		if o.Due.After(today.AddDate(0, 0, int(r.LeadDays)+HorizonDays)) {
			continue
		}
		n, err := q.InsertGeneratedTask(ctx, store.InsertGeneratedTaskParams{
			TenantID: s.Tenant, TaskID: uuid.Must(uuid.NewV7()), HomeID: r.HomeID,
			AssetID: uuid.NullUUID{UUID: r.AssetID, Valid: true}, PlanID: uuid.NullUUID{UUID: r.PlanID, Valid: true},
			Occurrence: pgtype.Date{Time: o.Date, Valid: true}, Title: r.DisplayName, Description: r.Description,
			DueDate: pgtype.Date{Time: o.Due, Valid: true}, LeadDays: r.LeadDays,
			DueMeter: pgtype.Float8{Float64: o.DueMeter, Valid: o.HasDueMeter},
		})
		if err != nil {
			return created, err
		}
		created += int(n)
	}
	return created, nil
}

// GenerateTenant is Generate over every plan of the tenant in ctx's scope,
// in a transaction of its own: one tenant's share of the daily generation
// (a job's context carries the tenant, jobs.ForTenant).
func GenerateTenant(ctx context.Context, db *tenantdb.DB, tenant uuid.UUID, now time.Time) (int, error) {
	var created int
	err := db.InTx(ctx, func(tx tenantdb.DBTX) error {
		n, err := Generate(ctx, store.New(tx), Scope{Tenant: tenant}, now)
		created = n
		return err
	})
	return created, err
}

func history(r store.PlansToGenerateRow) recurrence.History {
	h := recurrence.History{
		LastDone: r.LastDoneDate.Time, LastMeter: r.LastDoneMeter.Float64, HasLastMeter: r.LastDoneMeter.Valid,
		StartMeter: r.StartValue,
	}
	if r.LastOccurrence.Valid {
		h.Previous = &recurrence.Previous{
			Occurrence: r.LastOccurrence.Time, Due: r.LastDue.Time,
			DueMeter: r.LastDueMeter.Float64, HasDueMeter: r.LastDueMeter.Valid, Done: r.LastState == "done",
		}
	}
	return h
}

// usage is the plan's meter now. The rate is the average over the year of
// readings before the latest: Maintenance's fitted prediction replaces it
// where one exists (recurrence.UsageDate takes any rate).
func usage(r store.PlansToGenerateRow) recurrence.Usage {
	if !r.HasLatest {
		return recurrence.Usage{}
	}
	latest := recurrence.Reading{Value: r.LatestValue, Time: r.LatestTime}
	u := recurrence.Usage{Latest: latest, HasLatest: true}
	if r.HasEarly {
		u.PerDay = recurrence.AverageRate(recurrence.Reading{Value: r.EarlyValue, Time: r.EarlyTime}, latest)
	}
	return u
}
