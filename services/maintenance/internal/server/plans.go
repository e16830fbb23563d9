package server

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/jobs"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/plan"
	"steward.dev/services/maintenance/internal/recurrence"
	"steward.dev/services/maintenance/internal/store"
)

// PlanServer implements maintenancev1.PlanServiceServer.
type PlanServer struct {
	maintenancev1.UnimplementedPlanServiceServer
	db *tenantdb.DB
	// queue takes the tenant's daily generation, started by the writes that
	// create plans (plan.EnqueueGeneration).
	queue *jobs.Client
	now   func() time.Time
}

// NewPlanServer returns a PlanServer reading the time from now: the home's
// today, which start dates default to and tasks are generated against.
func NewPlanServer(db *tenantdb.DB, queue *jobs.Client, now func() time.Time) *PlanServer {
	return &PlanServer{db: db, queue: queue, now: now}
}

// storeTx is the store with the executor it runs on, for a create that
// enqueues a job in its own transaction.
type storeTx struct {
	*store.Queries
	tx tenantdb.DBTX
}

func queriesTx(tx tenantdb.DBTX) storeTx { return storeTx{Queries: store.New(tx), tx: tx} }

var plans = aip.Resource[storeTx, store.MaintenancePlan, *maintenancev1.MaintenancePlan]{
	Pattern: planPattern, Parent: assetPattern, ListParent: &anyAssetPattern, Queries: queriesTx,
	Read: func(ctx context.Context, q storeTx, n resname.Name) (store.MaintenancePlan, error) {
		return q.GetPlan(ctx, store.GetPlanParams{TenantID: n.ID("tenant"), PlanID: n.ID("plan"), AssetID: n.ID("asset"), HomeID: n.ID("home")})
	},
	Lock: func(ctx context.Context, q storeTx, n resname.Name) (store.MaintenancePlan, error) {
		return q.LockPlan(ctx, store.LockPlanParams{TenantID: n.ID("tenant"), PlanID: n.ID("plan"), AssetID: n.ID("asset"), HomeID: n.ID("home")})
	},
	ByRequestID: func(ctx context.Context, q storeTx, p resname.Name, rid uuid.NullUUID) (store.MaintenancePlan, error) {
		return q.PlanCreatedBy(ctx, store.PlanCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
	},
	ParentExists: func(ctx context.Context, q storeTx, p resname.Name) (bool, error) {
		if p.IsWildcard("asset") {
			return true, nil
		}
		a, err := q.GetAssetFact(ctx, store.GetAssetFactParams{TenantID: p.ID("tenant"), AssetID: p.ID("asset")})
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		return err == nil && (p.IsWildcard("home") || a.HomeID == p.ID("home")), err
	},
	Revision:    func(r store.MaintenancePlan) int64 { return r.Revision },
	Fingerprint: func(r store.MaintenancePlan) []byte { return r.RequestFingerprint },
	Mutable:     []string{"display_name", "description", "trigger", "lead_days", "start_date", "state", "last_done_date", "last_done_meter"},
	Required:    []string{"display_name", "trigger"},
	Proto:       func(r store.MaintenancePlan, _ resname.Name) *maintenancev1.MaintenancePlan { return planToProto(r) },
}

func planToProto(r store.MaintenancePlan) *maintenancev1.MaintenancePlan {
	p := &maintenancev1.MaintenancePlan{
		Name:        planPattern.Format(r.TenantID, r.HomeID, r.AssetID, r.PlanID),
		DisplayName: r.DisplayName, Description: r.Description,
		Trigger:  triggerToProto(trigger{r.IntervalCount, r.IntervalUnit, r.Anchor, r.Season, r.Meter, r.MeterUnit, r.MeterInterval}),
		LeadDays: r.LeadDays, StartDate: aip.FormatDate(r.StartDate), State: planStates.FromDB(r.State),
		LastDoneDate: aip.FormatDate(r.LastDoneDate),
		CreateTime:   timestamppb.New(r.CreateTime), UpdateTime: timestamppb.New(r.UpdateTime), Etag: aip.Etag(r.Revision),
	}
	if r.TemplateID.Valid {
		p.Template = templatePattern.FormatIDs(r.TemplateID.String)
	}
	if r.LastDoneMeter.Valid {
		p.LastDoneMeter = proto.Float64(r.LastDoneMeter.Float64)
	}
	return p
}

// trigger is a plan's or template's trigger columns.
type trigger struct {
	intervalCount            pgtype.Int4
	intervalUnit             pgtype.Text
	anchor                   string
	season, meter, meterUnit pgtype.Text
	meterInterval            pgtype.Float8
}

func triggerToProto(t trigger) *maintenancev1.Trigger {
	return &maintenancev1.Trigger{
		IntervalCount: t.intervalCount.Int32, IntervalUnit: intervalUnits.FromDB(t.intervalUnit.String),
		Anchor: anchors.FromDB(t.anchor), Season: seasons.FromDB(t.season.String),
		Meter: t.meter.String, MeterUnit: meterUnits.FromDB(t.meterUnit.String), MeterInterval: t.meterInterval.Float64,
	}
}

// triggerFromProto checks a requested trigger (INVALID_ARGUMENT on field,
// naming the rule) and returns its columns.
func triggerFromProto(field string, in *maintenancev1.Trigger) (trigger, error) {
	t := trigger{anchor: anchors.ToDB(in.GetAnchor())}
	if in.GetIntervalCount() != 0 || in.GetIntervalUnit() != 0 {
		t.intervalCount = pgtype.Int4{Int32: in.GetIntervalCount(), Valid: true}
		t.intervalUnit = pgtype.Text{String: intervalUnits.ToDB(in.GetIntervalUnit()), Valid: true}
	}
	if in.GetSeason() != 0 {
		t.season = pgtype.Text{String: seasons.ToDB(in.GetSeason()), Valid: true}
	}
	metered := in.GetMeterInterval() != 0 || in.GetMeter() != "" || in.GetMeterUnit() != 0
	if metered {
		if in.GetMeterInterval() == 0 || in.GetMeter() == "" || in.GetMeterUnit() == 0 {
			return t, apierror.InvalidField(field, "meter, meter_unit and meter_interval go together")
		}
		t.meter = pgtype.Text{String: in.GetMeter(), Valid: true}
		t.meterUnit = pgtype.Text{String: meterUnits.ToDB(in.GetMeterUnit()), Valid: true}
		t.meterInterval = pgtype.Float8{Float64: in.GetMeterInterval(), Valid: true}
	}
	// The rules between the parts are the recurrence's, which hold for any
	// start date and hemisphere.
	rec := plan.Trigger{IntervalCount: t.intervalCount, IntervalUnit: t.intervalUnit, Anchor: t.anchor, Season: t.season,
		MeterInterval: t.meterInterval}.Recurrence("")
	if err := rec.Check(); err != nil {
		return t, apierror.InvalidField(field, err.Error())
	}
	return t, nil
}

// planFields are a plan's mutable columns, from a request.
type planFields struct {
	displayName, description string
	trigger                  trigger
	leadDays                 int32
	startDate, lastDone      pgtype.Date
	lastMeter                pgtype.Float8
	state                    string
}

func fieldsOf(r store.MaintenancePlan) planFields {
	return planFields{
		displayName: r.DisplayName, description: r.Description,
		trigger:  trigger{r.IntervalCount, r.IntervalUnit, r.Anchor, r.Season, r.Meter, r.MeterUnit, r.MeterInterval},
		leadDays: r.LeadDays, startDate: r.StartDate, lastDone: r.LastDoneDate, lastMeter: r.LastDoneMeter, state: r.State,
	}
}

// apply takes the masked fields of in, checked.
func (f *planFields) apply(in *maintenancev1.MaintenancePlan, mask aip.Mask) error {
	take(mask, "display_name", &f.displayName, in.GetDisplayName())
	take(mask, "description", &f.description, in.GetDescription())
	take(mask, "lead_days", &f.leadDays, in.GetLeadDays())
	if mask.Has("trigger") {
		t, err := triggerFromProto("maintenance_plan.trigger", in.GetTrigger())
		if err != nil {
			return err
		}
		f.trigger = t
	}
	if mask.Has("start_date") {
		d, ok := aip.ParseDate(in.GetStartDate())
		if !ok {
			return apierror.InvalidField("maintenance_plan.start_date", "is not a date (YYYY-MM-DD)")
		}
		if d.Valid { // empty keeps the start date: a plan always has one
			f.startDate = d
		}
	}
	if mask.Has("last_done_date") {
		d, ok := aip.ParseDate(in.GetLastDoneDate())
		if !ok {
			return apierror.InvalidField("maintenance_plan.last_done_date", "is not a date (YYYY-MM-DD)")
		}
		f.lastDone = d
	}
	if mask.Has("last_done_meter") {
		f.lastMeter = pgtype.Float8{Float64: in.GetLastDoneMeter(), Valid: in.LastDoneMeter != nil}
	}
	if mask.Has("state") {
		if in.GetState() == maintenancev1.MaintenancePlan_STATE_RETIRED {
			return apierror.InvalidField("maintenance_plan.state", "is RETIRED only when the asset is retired in Asset Management")
		}
		f.state = planStates.ToDB(in.GetState())
	}
	if f.lastMeter.Valid && (f.lastMeter.Float64 < 0 || math.IsInf(f.lastMeter.Float64, 0)) {
		return apierror.InvalidField("maintenance_plan.last_done_meter", "must be a reading of 0 or more")
	}
	return nil
}

// liveAsset locks the asset a request names (NOT_FOUND when it is not in
// that home) against a concurrent retirement and refuses a retired one.
func liveAsset(ctx context.Context, q *store.Queries, n resname.Name, name string) (store.MaintenanceAssetFact, error) {
	a, err := q.LockAssetFact(ctx, store.LockAssetFactParams{TenantID: n.ID("tenant"), AssetID: n.ID("asset")})
	if err != nil || a.HomeID != n.ID("home") {
		return a, aip.NotFoundAs(orNoRows(err), name)
	}
	if a.Deleted || a.Status == "retired" {
		return a, apierror.FailedPrecondition(maintenancev1.ErrorReason_ERROR_REASON_ASSET_RETIRED, name+" is retired in Asset Management")
	}
	return a, nil
}

func orNoRows(err error) error {
	if err == nil {
		return pgx.ErrNoRows
	}
	return err
}

// today is the home's local date at now.
func today(ctx context.Context, q *store.Queries, tenant, home uuid.UUID, now time.Time) (time.Time, *time.Location, error) {
	h, err := q.GetHomeFact(ctx, store.GetHomeFactParams{TenantID: tenant, HomeID: home})
	if err != nil {
		return time.Time{}, nil, err
	}
	loc, err := aip.LoadTimeZone(h.TimeZone)
	if err != nil {
		return time.Time{}, nil, err
	}
	return recurrence.DateIn(now, loc), loc, nil
}

func (s *PlanServer) ListPlanTemplates(ctx context.Context, req *maintenancev1.ListPlanTemplatesRequest) (*maintenancev1.ListPlanTemplatesResponse, error) {
	var category pgtype.Text
	err := aip.ApplyFilter(req.GetFilter(), aip.FilterField{Name: "category", Bind: func(f *aip.Filter, t aip.Term) error {
		id := t.Value // a bare id, or the category's name
		if c, err := categoryPattern.Parse("filter", t.Value); err == nil {
			id = c.IDText("asset_category")
		}
		if t.Op != "=" {
			return aip.FilterError("category supports only =")
		}
		return aip.SetOnce(f, t, &category, pgtype.Text{String: id, Valid: true})
	}})
	if err != nil {
		return nil, err
	}
	key, err := pagetoken.Decode(req.GetPageToken(), 1, req.GetFilter())
	if err != nil {
		return nil, err
	}
	after := ""
	if key != nil {
		after = key[0]
	}
	size := pagetoken.Size(req.GetPageSize())
	rows, err := queries(s.db.Unscoped()).UnscopedListPlanTemplates(ctx, store.UnscopedListPlanTemplatesParams{
		AfterID: after, CategoryID: category, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	resp := &maintenancev1.ListPlanTemplatesResponse{}
	resp.PlanTemplates, resp.NextPageToken = pagetoken.Page(rows, size,
		func(r store.MaintenancePlanTemplate) []string { return []string{r.TemplateID} }, templateToProto, req.GetFilter())
	return resp, nil
}

func templateToProto(r store.MaintenancePlanTemplate) *maintenancev1.PlanTemplate {
	return &maintenancev1.PlanTemplate{
		Name: templatePattern.FormatIDs(r.TemplateID), Category: categoryPattern.FormatIDs(r.CategoryID),
		DisplayName: r.DisplayName, Description: r.Description, LeadDays: r.LeadDays,
		Trigger: triggerToProto(trigger{r.IntervalCount, r.IntervalUnit, r.Anchor, r.Season, r.Meter, r.MeterUnit, r.MeterInterval}),
	}
}

func (s *PlanServer) CreateMaintenancePlan(ctx context.Context, req *maintenancev1.CreateMaintenancePlanRequest) (*maintenancev1.MaintenancePlan, error) {
	in := req.GetMaintenancePlan()
	if in.GetTrigger() == nil {
		return nil, apierror.InvalidField("maintenance_plan.trigger", "is required")
	}
	return plans.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q storeTx, p resname.Name, key aip.Idempotency) (store.MaintenancePlan, error) {
		asset, err := liveAsset(ctx, q.Queries, p, req.GetParent())
		if err != nil {
			return store.MaintenancePlan{}, err
		}
		now := s.now()
		day, _, err := today(ctx, q.Queries, asset.TenantID, asset.HomeID, now)
		if err != nil {
			return store.MaintenancePlan{}, err
		}
		f := planFields{startDate: pgtype.Date{Time: day, Valid: true}, state: planStates.ToDB(0)}
		if err := f.apply(in, aip.AllFields(plans.Mutable...)); err != nil {
			return store.MaintenancePlan{}, err
		}
		row, err := q.CreatePlan(ctx, store.CreatePlanParams{
			TenantID: asset.TenantID, PlanID: uuid.Must(uuid.NewV7()), HomeID: asset.HomeID, AssetID: asset.AssetID,
			DisplayName: f.displayName, Description: f.description,
			IntervalCount: f.trigger.intervalCount, IntervalUnit: f.trigger.intervalUnit, Meter: f.trigger.meter,
			MeterUnit: f.trigger.meterUnit, MeterInterval: f.trigger.meterInterval, Anchor: f.trigger.anchor, Season: f.trigger.season,
			LeadDays: f.leadDays, StartDate: f.startDate, LastDoneDate: f.lastDone, LastDoneMeter: f.lastMeter,
			RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		})
		if err != nil {
			return row, err
		}
		if _, err = plan.Generate(ctx, q.Queries, plan.Scope{Tenant: row.TenantID, Plan: uuid.NullUUID{UUID: row.PlanID, Valid: true}}, now); err != nil {
			return row, err
		}
		return row, plan.EnqueueGeneration(ctx, s.queue, q.tx, row.TenantID, now)
	})
}

func (s *PlanServer) GetMaintenancePlan(ctx context.Context, req *maintenancev1.GetMaintenancePlanRequest) (*maintenancev1.MaintenancePlan, error) {
	return plans.Get(ctx, s.db, "name", req.GetName())
}

func (s *PlanServer) ListMaintenancePlans(ctx context.Context, req *maintenancev1.ListMaintenancePlansRequest) (*maintenancev1.ListMaintenancePlansResponse, error) {
	page, next, err := plans.List(ctx, s.db, req, func(r store.MaintenancePlan) uuid.UUID { return r.PlanID },
		func(q storeTx, pg aip.Page) ([]store.MaintenancePlan, error) {
			p := store.ListPlansParams{TenantID: pg.Parent.ID("tenant"), AfterID: pg.After, PageLimit: pg.Limit}
			if !pg.Parent.IsWildcard("home") {
				p.HomeID = uuid.NullUUID{UUID: pg.Parent.ID("home"), Valid: true}
			}
			if !pg.Parent.IsWildcard("asset") {
				p.AssetID = uuid.NullUUID{UUID: pg.Parent.ID("asset"), Valid: true}
			}
			err := aip.ApplyFilter(req.GetFilter(), aip.FilterField{Name: "state", Bind: func(f *aip.Filter, t aip.Term) error {
				st, ok := planStates.Parse(t.Value)
				if !ok || t.Op != "=" {
					return aip.FilterError("state supports only =, with one of " + planStates.Names())
				}
				return aip.SetOnce(f, t, &p.State, pgtype.Text{String: planStates.ToDB(st), Valid: true})
			}})
			if err != nil {
				return nil, err
			}
			return q.ListPlans(ctx, p)
		}, req.GetFilter())
	return &maintenancev1.ListMaintenancePlansResponse{MaintenancePlans: page, NextPageToken: next}, err
}

func (s *PlanServer) UpdateMaintenancePlan(ctx context.Context, req *maintenancev1.UpdateMaintenancePlanRequest) (*maintenancev1.MaintenancePlan, error) {
	in := req.GetMaintenancePlan()
	return plans.Update(ctx, s.db, req, func(q storeTx, cur store.MaintenancePlan, mask aip.Mask) (store.MaintenancePlan, error) {
		if cur.State == "retired" {
			return cur, apierror.FailedPrecondition(maintenancev1.ErrorReason_ERROR_REASON_ASSET_RETIRED,
				in.GetName()+" is retired with its asset")
		}
		f := fieldsOf(cur)
		if err := f.apply(in, mask); err != nil {
			return cur, err
		}
		row, err := q.UpdatePlan(ctx, store.UpdatePlanParams{
			TenantID: cur.TenantID, PlanID: cur.PlanID, DisplayName: f.displayName, Description: f.description,
			IntervalCount: f.trigger.intervalCount, IntervalUnit: f.trigger.intervalUnit, Meter: f.trigger.meter,
			MeterUnit: f.trigger.meterUnit, MeterInterval: f.trigger.meterInterval, Anchor: f.trigger.anchor, Season: f.trigger.season,
			LeadDays: f.leadDays, StartDate: f.startDate, State: f.state, LastDoneDate: f.lastDone, LastDoneMeter: f.lastMeter,
		})
		if err != nil {
			return row, err
		}
		// A plan made active again, or whose trigger now falls due sooner,
		// gets its next task at once.
		_, err = plan.Generate(ctx, q.Queries, plan.Scope{Tenant: row.TenantID, Plan: uuid.NullUUID{UUID: row.PlanID, Valid: true}}, s.now())
		return row, err
	})
}

func (s *PlanServer) DeleteMaintenancePlan(ctx context.Context, req *maintenancev1.DeleteMaintenancePlanRequest) (*emptypb.Empty, error) {
	return plans.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q storeTx, cur store.MaintenancePlan) error {
		if err := q.DeleteOpenTasksOfPlan(ctx, store.DeleteOpenTasksOfPlanParams{TenantID: cur.TenantID, PlanID: uuid.NullUUID{UUID: cur.PlanID, Valid: true}}); err != nil {
			return err
		}
		return q.DeletePlan(ctx, store.DeletePlanParams{TenantID: cur.TenantID, PlanID: cur.PlanID})
	})
}

func (s *PlanServer) ApplyPlanTemplates(ctx context.Context, req *maintenancev1.ApplyPlanTemplatesRequest) (*maintenancev1.ApplyPlanTemplatesResponse, error) {
	n, err := assetPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	resp := &maintenancev1.ApplyPlanTemplatesResponse{}
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := queries(tx)
		asset, err := liveAsset(ctx, q, n, req.GetName())
		if err != nil {
			return err
		}
		now := s.now()
		created, err := plan.ApplyCategoryTemplatesAt(ctx, q, asset, now)
		if err != nil {
			return err
		}
		if created > 0 {
			if err := plan.EnqueueGeneration(ctx, s.queue, tx, asset.TenantID, now); err != nil {
				return err
			}
		}
		rows, err := q.TemplatePlansOfAsset(ctx, store.TemplatePlansOfAssetParams{TenantID: asset.TenantID, AssetID: asset.AssetID})
		if err != nil {
			return err
		}
		resp.CreatedCount, resp.Plans = int32(created), make([]*maintenancev1.MaintenancePlan, len(rows))
		for i, r := range rows {
			resp.Plans[i] = planToProto(r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
