package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/timestamppb"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/jobs"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/insight"
	"steward.dev/services/maintenance/internal/recurrence"
	"steward.dev/services/maintenance/internal/store"
)

// InsightServer implements maintenancev1.InsightServiceServer.
type InsightServer struct {
	maintenancev1.UnimplementedInsightServiceServer
	db   *tenantdb.DB
	jobs *jobs.Client
	now  func() time.Time
}

// NewInsightServer returns an InsightServer reading the time from now, which
// starts tenants' nightly recomputes on q.
func NewInsightServer(db *tenantdb.DB, q *jobs.Client, now func() time.Time) *InsightServer {
	return &InsightServer{db: db, jobs: q, now: now}
}

var insightPattern = resname.Of(&maintenancev1.AssetInsight{})

// assetRef is the asset an insight request names.
type assetRef struct{ tenant, home, asset uuid.UUID }

func (a assetRef) insightName() string {
	return insightPattern.Format(a.tenant, a.home, a.asset)
}

func parseInsight(field, name string) (assetRef, error) {
	n, err := insightPattern.Parse(field, name)
	if err != nil {
		return assetRef{}, err
	}
	return assetRef{tenant: n.ID("tenant"), home: n.ID("home"), asset: n.ID("asset")}, nil
}

// GetAssetInsight answers the stored insight, computing it first when it
// is missing (a new asset, or a tenant whose nightly chain this starts) or
// older than a plan, task, reading or fact of the asset: a completed task
// shows in the health at once, not the next night.
func (s *InsightServer) GetAssetInsight(ctx context.Context, req *maintenancev1.GetAssetInsightRequest) (*maintenancev1.AssetInsight, error) {
	ref, err := parseInsight("name", req.GetName())
	if err != nil {
		return nil, err
	}
	var out *maintenancev1.AssetInsight
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		a, err := q.GetInsightAsset(ctx, store.GetInsightAssetParams{TenantID: ref.tenant, HomeID: ref.home, AssetID: ref.asset})
		if err != nil {
			return err // another tenant's, or unknown: NOT_FOUND
		}
		if err := inUse(a); err != nil {
			return err
		}
		fresh, err := q.InsightIsFresh(ctx, store.InsightIsFreshParams{TenantID: ref.tenant, AssetID: ref.asset})
		if err != nil {
			return err
		}
		if !fresh {
			if err := recompute(ctx, q, ref, s.now()); err != nil {
				return err
			}
			if err := ScheduleNightlyInsight(ctx, s.jobs, tx, ref.tenant, s.now()); err != nil {
				return err
			}
		}
		out, err = read(ctx, q, ref)
		return err
	})
	return out, err
}

// RecomputeAssetInsight computes the asset's insight now and answers it.
func (s *InsightServer) RecomputeAssetInsight(ctx context.Context, req *maintenancev1.RecomputeAssetInsightRequest) (*maintenancev1.AssetInsight, error) {
	ref, err := parseInsight("name", req.GetName())
	if err != nil {
		return nil, err
	}
	var out *maintenancev1.AssetInsight
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		if err := recompute(ctx, q, ref, s.now()); err != nil {
			return err
		}
		if err := ScheduleNightlyInsight(ctx, s.jobs, tx, ref.tenant, s.now()); err != nil {
			return err
		}
		out, err = read(ctx, q, ref)
		return err
	})
	return out, err
}

// RecomputeTenant recomputes the insight of every asset in use of the
// tenant in ctx's scope, each asset in a transaction of its own so that one
// asset's failure or a long run holds no locks on the rest, and drops the
// insight of assets retired or deleted since: the nightly job's work. It
// returns how many assets it computed.
func RecomputeTenant(ctx context.Context, db *tenantdb.DB, tenant uuid.UUID, now time.Time) (int, error) {
	const page = 200
	after, done := uuid.Nil, 0
	for {
		assets, err := store.New(db.Scoped(ctx)).ListInsightAssets(ctx, store.ListInsightAssetsParams{TenantID: tenant, AssetID: after, Limit: page})
		if err != nil {
			return done, err
		}
		for _, a := range assets {
			ref := assetRef{tenant: tenant, home: a.HomeID, asset: a.AssetID}
			after = a.AssetID
			err := db.InTx(ctx, func(tx tenantdb.DBTX) error { return recompute(ctx, store.New(tx), ref, now) })
			switch {
			case errors.Is(err, pgx.ErrNoRows) || apierror.ReasonOf(err) == retiredReason:
				continue // deleted or retired since the page was read: dropped below
			case err != nil:
				return done, fmt.Errorf("asset %s: %w", a.AssetID, err)
			}
			done++
		}
		if len(assets) < page {
			break
		}
	}
	q := store.New(db.Scoped(ctx))
	if err := q.DeleteRetiredPlanPredictions(ctx, tenant); err != nil {
		return done, err
	}
	return done, q.DeleteRetiredAssetHealth(ctx, tenant)
}

// retiredReason is how inUse's refusal reads back.
var retiredReason = apierror.Reason(maintenancev1.ErrorReason_ERROR_REASON_ASSET_RETIRED)

// inUse refuses a retired asset: it is out of use, so it has no due dates
// and no health to watch (the nightly job drops what it had).
func inUse(a store.GetInsightAssetRow) error {
	if a.Status == "retired" {
		return apierror.FailedPrecondition(maintenancev1.ErrorReason_ERROR_REASON_ASSET_RETIRED,
			"the asset is retired: it has no insight")
	}
	return nil
}

// recompute reads the asset, its plans, readings and work, runs the insight
// package over them and replaces the stored predictions and health.
func recompute(ctx context.Context, q *store.Queries, ref assetRef, now time.Time) error {
	if _, err := q.LockInsightAsset(ctx, store.LockInsightAssetParams{TenantID: ref.tenant, HomeID: ref.home, AssetID: ref.asset}); err != nil {
		return err
	}
	a, err := q.GetInsightAsset(ctx, store.GetInsightAssetParams{TenantID: ref.tenant, HomeID: ref.home, AssetID: ref.asset})
	if err != nil {
		return err
	}
	if err := inUse(a); err != nil {
		return err
	}
	loc, err := aip.LoadTimeZone(a.TimeZone)
	if err != nil {
		return fmt.Errorf("home %s: %w", ref.home, err)
	}
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	plans, err := q.ListInsightPlans(ctx, store.ListInsightPlansParams{TenantID: ref.tenant, AssetID: ref.asset})
	if err != nil {
		return err
	}
	rows, err := q.ListInsightReadings(ctx, store.ListInsightReadingsParams{TenantID: ref.tenant, AssetID: ref.asset})
	if err != nil {
		return err
	}
	readings, units := map[string][]insight.Reading{}, map[string]string{}
	for _, r := range rows {
		readings[r.Meter] = append(readings[r.Meter], insight.Reading{Time: r.ReadTime, Value: r.Value, Reset: r.Reset})
		units[r.Meter] = r.Unit
	}
	if err := q.DeletePlanPredictions(ctx, store.DeletePlanPredictionsParams{TenantID: ref.tenant, AssetID: ref.asset}); err != nil {
		return err
	}
	for _, p := range plans {
		plan := planOf(p, loc)
		pr := insight.Predict(plan, readings[meterOf(plan, units)], now, loc)
		if err := q.InsertPlanPrediction(ctx, store.InsertPlanPredictionParams{
			TenantID: ref.tenant, PlanID: p.PlanID, AssetID: ref.asset,
			Method: methodNames[pr.Method], Trigger: triggerNames[pr.Trigger],
			PredictedDate: dateOf(pr.Date), EarliestDate: dateOf(pr.Earliest), LatestDate: dateOf(pr.Latest),
			WeeklyUsage: pr.WeeklyRate, Explanation: pr.Explanation,
		}); err != nil {
			return err
		}
	}

	work, err := q.ListInsightWork(ctx, store.ListInsightWorkParams{TenantID: ref.tenant, AssetID: uuid.NullUUID{UUID: ref.asset, Valid: true}, Since: today.AddDate(-3, 0, -1)})
	if err != nil {
		return err
	}
	h := insight.Score(assetOf(a), workOf(work, loc), today)
	reasons := make([]storedReason, len(h.Reasons))
	for i, r := range h.Reasons {
		reasons[i] = storedReason{Kind: reasonNames[r.Code], Points: r.Points, Description: r.Text}
	}
	js, err := json.Marshal(reasons)
	if err != nil {
		return err
	}
	return q.InsertAssetHealth(ctx, store.InsertAssetHealthParams{
		TenantID: ref.tenant, AssetID: ref.asset, Score: int32(h.Score), Reasons: js,
		Hint: hintNames[h.Hint.Kind], HintDescription: h.Hint.Text,
		RepairSpendMinor: h.Hint.RepairSpendMinor, RepairSpendCurrency: a.PurchaseCostCurrency,
		RepairSpendPercent: int32(h.Hint.SpendPercent),
	})
}

// meterOf is the meter whose readings a plan's usage trigger counts: the
// meter it names, or else the asset's one meter of the plan's unit (a
// template's "runtime" on an air conditioner whose household records
// "compressor" hours).
func meterOf(plan insight.Plan, units map[string]string) string {
	if _, ok := units[plan.Meter]; ok || plan.Meter == "" {
		return plan.Meter
	}
	match := ""
	for meter, unit := range units {
		if unit == plan.Unit {
			if match != "" {
				return plan.Meter // two of that unit: which one is the household's to say
			}
			match = meter
		}
	}
	if match == "" {
		return plan.Meter
	}
	return match
}

// planOf is what the insight package needs of a plan row. A plan never done
// counts from its start date; its calendar date is its open task's due date
// (the generator's), else one interval after it was last done or started.
func planOf(p store.ListInsightPlansRow, loc *time.Location) insight.Plan {
	plan := insight.Plan{Title: p.DisplayName, Meter: p.Meter.String, Unit: p.MeterUnit.String, MeterInterval: p.MeterInterval.Float64}
	from := p.StartDate.Time
	if p.LastDoneDate.Valid {
		from = p.LastDoneDate.Time
	}
	plan.LastDone = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	if p.LastDoneMeter.Valid && p.LastDoneDate.Valid {
		plan.LastDoneMeter, plan.LastDoneMeterKnown = p.LastDoneMeter.Float64, true
	}
	switch {
	case p.OpenDueDate.Valid:
		plan.CalendarDue = p.OpenDueDate.Time
	case p.IntervalCount.Valid:
		// The generator's arithmetic, month ends clamped alike.
		plan.CalendarDue = recurrence.Add(from, int(p.IntervalCount.Int32), recurrence.Unit(p.IntervalUnit.String))
	}
	return plan
}

func assetOf(a store.GetInsightAssetRow) insight.Asset {
	return insight.Asset{
		InstallDate: dateTime(a.InstallDate), PurchaseDate: dateTime(a.PurchaseDate),
		LifespanMonths: int(a.ExpectedLifespanMonths), PurchaseCostMinor: a.PurchaseCostMinor.Int64,
		PurchaseCurrency: a.PurchaseCostCurrency.String, OutOfService: a.Status == "out_of_service",
	}
}

var (
	workKinds  = map[string]insight.WorkKind{"maintenance": insight.KindMaintenance, "repair": insight.KindRepair, "inspection": insight.KindInspection}
	workStates = map[string]insight.WorkState{"open": insight.StateOpen, "in_progress": insight.StateInProgress,
		"done": insight.StateDone, "skipped": insight.StateSkipped, "cancelled": insight.StateCancelled}
)

// workOf is what the health score needs of task rows, with completion and
// closing times as local dates of the home.
func workOf(rows []store.ListInsightWorkRow, loc *time.Location) []insight.Work {
	out := make([]insight.Work, len(rows))
	for i, r := range rows {
		w := insight.Work{Title: r.Title, Kind: workKinds[r.Kind], State: workStates[r.State], DueDate: dateTime(r.DueDate),
			CostMinor: r.CostMinor.Int64, CostCurrency: r.CostCurrency.String}
		switch {
		case r.CompletedTime.Valid:
			w.CompletedDate = r.CompletedTime.Time.In(loc)
		case r.ClosedTime.Valid:
			w.CompletedDate = r.ClosedTime.Time.In(loc)
		}
		out[i] = w
	}
	return out
}

// storedReason is one element of asset_health.reasons.
type storedReason struct {
	Kind        string `json:"kind"`
	Points      int    `json:"points"`
	Description string `json:"description"`
}

// The stored names of the insight package's enums, and their contract
// values.
var (
	methodNames = map[insight.Method]string{insight.MethodNone: "none", insight.MethodCalendar: "calendar",
		insight.MethodUsage: "usage", insight.MethodSeasonal: "seasonal"}
	triggerNames = map[insight.Trigger]string{insight.TriggerNone: "none", insight.TriggerCalendar: "calendar", insight.TriggerUsage: "usage"}
	reasonNames  = map[insight.ReasonCode]string{insight.ReasonGood: "good", insight.ReasonAge: "age", insight.ReasonOverdue: "overdue",
		insight.ReasonRepairs: "repairs", insight.ReasonSkipped: "skipped", insight.ReasonOutOfService: "out_of_service"}
	hintNames = map[insight.HintKind]string{insight.HintNone: "none", insight.HintRepair: "repair", insight.HintReplace: "replace"}

	methodValues = map[string]maintenancev1.PlanPrediction_Method{"none": maintenancev1.PlanPrediction_METHOD_NONE,
		"calendar": maintenancev1.PlanPrediction_METHOD_CALENDAR, "usage": maintenancev1.PlanPrediction_METHOD_USAGE,
		"seasonal": maintenancev1.PlanPrediction_METHOD_SEASONAL}
	triggerValues = map[string]maintenancev1.PlanPrediction_Trigger{"calendar": maintenancev1.PlanPrediction_TRIGGER_CALENDAR,
		"usage": maintenancev1.PlanPrediction_TRIGGER_USAGE}
	reasonValues = map[string]maintenancev1.HealthReason_Kind{"good": maintenancev1.HealthReason_KIND_GOOD,
		"age": maintenancev1.HealthReason_KIND_AGE, "overdue": maintenancev1.HealthReason_KIND_OVERDUE,
		"repairs": maintenancev1.HealthReason_KIND_REPAIRS, "skipped": maintenancev1.HealthReason_KIND_SKIPPED,
		"out_of_service": maintenancev1.HealthReason_KIND_OUT_OF_SERVICE}
	hintValues = map[string]maintenancev1.RepairOrReplace_Advice{"none": maintenancev1.RepairOrReplace_ADVICE_NONE,
		"repair": maintenancev1.RepairOrReplace_ADVICE_REPAIR, "replace": maintenancev1.RepairOrReplace_ADVICE_REPLACE}
)

// read builds the AssetInsight from the stored rows.
func read(ctx context.Context, q *store.Queries, ref assetRef) (*maintenancev1.AssetInsight, error) {
	h, err := q.GetAssetHealth(ctx, store.GetAssetHealthParams{TenantID: ref.tenant, AssetID: ref.asset})
	if err != nil {
		return nil, err
	}
	preds, err := q.ListPlanPredictions(ctx, store.ListPlanPredictionsParams{TenantID: ref.tenant, AssetID: ref.asset})
	if err != nil {
		return nil, err
	}
	var reasons []storedReason
	if err := json.Unmarshal(h.Reasons, &reasons); err != nil {
		return nil, err
	}
	out := &maintenancev1.AssetInsight{
		Name:        ref.insightName(),
		Asset:       assetPattern.Format(ref.tenant, ref.home, ref.asset),
		HealthScore: h.Score,
		Hint: &maintenancev1.RepairOrReplace{Advice: hintValues[h.Hint], Description: h.HintDescription,
			RepairSpendPercent: h.RepairSpendPercent},
		ComputeTime: timestamppb.New(h.ComputeTime),
	}
	if h.RepairSpendCurrency.Valid {
		out.Hint.RepairSpend = &typev1.Money{CurrencyCode: h.RepairSpendCurrency.String, AmountMinor: h.RepairSpendMinor}
	}
	for _, r := range reasons {
		out.HealthReasons = append(out.HealthReasons, &maintenancev1.HealthReason{Kind: reasonValues[r.Kind],
			Points: int32(r.Points), Description: r.Description})
	}
	for _, p := range preds {
		out.Predictions = append(out.Predictions, &maintenancev1.PlanPrediction{
			Plan: planName(ref, p.PlanID), PlanDisplayName: p.DisplayName,
			Method: methodValues[p.Method], Trigger: triggerValues[p.Trigger],
			PredictedDate: aip.FormatDate(p.PredictedDate), EarliestDate: aip.FormatDate(p.EarliestDate), LatestDate: aip.FormatDate(p.LatestDate),
			WeeklyUsage: p.WeeklyUsage, Explanation: p.Explanation,
		})
	}
	return out, nil
}

func planName(ref assetRef, plan uuid.UUID) string {
	return planPattern.Format(ref.tenant, ref.home, ref.asset, plan)
}

func dateOf(t time.Time) pgtype.Date {
	if t.IsZero() {
		return pgtype.Date{}
	}
	return pgtype.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), Valid: true}
}

func dateTime(d pgtype.Date) time.Time {
	if !d.Valid {
		return time.Time{}
	}
	return d.Time
}
