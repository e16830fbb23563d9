package server

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/plan"
	"steward.dev/services/maintenance/internal/recurrence"
	"steward.dev/services/maintenance/internal/store"
)

// clockSkew is how far in the future a completion time may be: the
// caller's clock and ours differ a little (Assets allows as much for its
// readings).
const clockSkew = 5 * time.Minute

// transition runs fn on the task name names, locked in one transaction:
// NOT_FOUND when missing, ABORTED when etag is stale, TASK_CLOSED when it is
// done, skipped or cancelled. What fn returns is the answer.
func (s *TaskServer) transition(ctx context.Context, name, etag string,
	fn func(q *store.Queries, cur store.MaintenanceTask) (store.MaintenanceTask, error)) (*maintenancev1.Task, error) {
	n, err := taskPattern.Parse("name", name)
	if err != nil {
		return nil, err
	}
	var out *maintenancev1.Task
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := queries(tx)
		cur, err := q.LockTask(ctx, store.LockTaskParams{TenantID: n.ID("tenant"), TaskID: n.ID("task"), HomeID: n.ID("home")})
		if err != nil {
			return aip.NotFoundAs(err, name)
		}
		if err := aip.CheckEtag(etag, cur.Revision, name); err != nil {
			return err
		}
		if err := checkOpen(cur, name); err != nil {
			return err
		}
		t, err := fn(q, cur)
		if err != nil {
			return err
		}
		row, err := s.row(ctx, q, t)
		out = taskToProto(row)
		return err
	})
	return out, err
}

// caller is the user acting, for the task's who-did-it columns.
func caller(ctx context.Context) uuid.NullUUID {
	c, ok := scope.CallerFrom(ctx)
	return uuid.NullUUID{UUID: c.UserID, Valid: ok && c.UserID != uuid.Nil}
}

// nextOccurrence makes the plan's next task, now that t is closed.
func (s *TaskServer) nextOccurrence(ctx context.Context, q *store.Queries, t store.MaintenanceTask) error {
	if !t.PlanID.Valid {
		return nil
	}
	_, err := plan.Generate(ctx, q, plan.Scope{Tenant: t.TenantID, Plan: t.PlanID}, s.now())
	return err
}

func (s *TaskServer) StartTask(ctx context.Context, req *maintenancev1.StartTaskRequest) (*maintenancev1.Task, error) {
	return s.transition(ctx, req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.MaintenanceTask) (store.MaintenanceTask, error) {
		if cur.State == "in_progress" {
			return cur, nil // started already: a retry, or two people on it
		}
		return q.StartTask(ctx, store.StartTaskParams{TenantID: cur.TenantID, TaskID: cur.TaskID, StartedBy: caller(ctx)})
	})
}

func (s *TaskServer) SkipTask(ctx context.Context, req *maintenancev1.SkipTaskRequest) (*maintenancev1.Task, error) {
	return s.close(ctx, req.GetName(), req.GetEtag(), "skipped", req.GetReason())
}

func (s *TaskServer) CancelTask(ctx context.Context, req *maintenancev1.CancelTaskRequest) (*maintenancev1.Task, error) {
	return s.close(ctx, req.GetName(), req.GetEtag(), "cancelled", req.GetReason())
}

// close skips or cancels a task; its plan moves on to the next occurrence
// as if this one had passed.
func (s *TaskServer) close(ctx context.Context, name, etag, state, reason string) (*maintenancev1.Task, error) {
	return s.transition(ctx, name, etag, func(q *store.Queries, cur store.MaintenanceTask) (store.MaintenanceTask, error) {
		t, err := q.CloseTask(ctx, store.CloseTaskParams{TenantID: cur.TenantID, TaskID: cur.TaskID, State: state,
			SkipReason: reason, ClosedBy: caller(ctx)})
		if err != nil {
			return t, err
		}
		return t, s.nextOccurrence(ctx, q, t)
	})
}

// completion is a CompleteTask request's cost and parts, checked.
type completion struct {
	cost  *typev1.Money
	parts []store.InsertTaskPartParams
}

// completionOf checks the cost and parts: one currency, and a total that
// is at least the parts' sum (which it is when only the parts are priced).
func completionOf(req *maintenancev1.CompleteTaskRequest) (completion, error) {
	c := completion{cost: req.GetCost()}
	var sum int64
	currency := c.cost.GetCurrencyCode()
	for i, p := range req.GetParts() {
		field := "parts[" + strconv.Itoa(i) + "]"
		if p.GetDescription() == "" {
			return c, apierror.InvalidField(field+".description", "is required")
		}
		part := store.InsertTaskPartParams{Position: int32(i + 1), Description: p.GetDescription(), PartNumber: p.GetPartNumber(),
			Quantity: max(p.GetQuantity(), 1)}
		if pc := p.GetCost(); pc != nil {
			if currency == "" {
				currency = pc.GetCurrencyCode()
			}
			if pc.GetCurrencyCode() != currency {
				return c, apierror.InvalidField(field+".cost", "must be in the task cost's currency, "+currency)
			}
			if pc.GetAmountMinor() > math.MaxInt64-sum {
				return c, apierror.InvalidField(field+".cost", "makes the parts' total too large")
			}
			sum += pc.GetAmountMinor()
			part.CostMinor = pgtype.Int8{Int64: pc.GetAmountMinor(), Valid: true}
			part.CostCurrency = pgtype.Text{String: currency, Valid: true}
		}
		c.parts = append(c.parts, part)
	}
	switch {
	case c.cost == nil && currency != "":
		c.cost = &typev1.Money{CurrencyCode: currency, AmountMinor: sum}
	case c.cost != nil && c.cost.GetAmountMinor() < sum:
		return c, apierror.InvalidField("cost", "is less than its parts' costs")
	}
	return c, nil
}

func (s *TaskServer) CompleteTask(ctx context.Context, req *maintenancev1.CompleteTaskRequest) (*maintenancev1.Task, error) {
	now := s.now()
	when := now
	if req.GetCompleteTime() != nil {
		when = req.GetCompleteTime().AsTime()
		if when.After(now.Add(clockSkew)) {
			return nil, apierror.InvalidField("complete_time", "cannot be in the future")
		}
	}
	c, err := completionOf(req)
	if err != nil {
		return nil, err
	}
	return s.transition(ctx, req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.MaintenanceTask) (store.MaintenanceTask, error) {
		var p *store.MaintenancePlan
		if cur.PlanID.Valid {
			row, err := q.LockPlanByID(ctx, store.LockPlanByIDParams{TenantID: cur.TenantID, PlanID: cur.PlanID.UUID})
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return cur, err
			}
			if err == nil {
				p = &row
			}
		}
		// The reading is recorded while the task is locked, so a completion
		// racing this one waits and then finds the task done instead of
		// recording a second reading. A transaction that fails after it
		// leaves the reading, which is still a true reading of the meter;
		// InTx running this again sends the same request_id, and Assets
		// answers with the reading it recorded.
		var readingID uuid.NullUUID
		var value pgtype.Float8
		if r := req.GetMeterReading(); r != nil {
			rec, err := s.recordReading(ctx, cur, p, r, when)
			if err != nil {
				return cur, err
			}
			n, err := readingPattern.Parse("meter_reading", rec.GetName())
			if err != nil {
				return cur, err
			}
			readingID, value = uuid.NullUUID{UUID: n.ID("meter_reading"), Valid: true}, pgtype.Float8{Float64: r.GetValue(), Valid: true}
		}
		params := store.CompleteTaskParams{TenantID: cur.TenantID, TaskID: cur.TaskID,
			CompletedTime: pgtype.Timestamptz{Time: when, Valid: true}, CompletedBy: caller(ctx), Notes: req.GetNotes(),
			MeterValue: value, ReadingID: readingID}
		if c.cost != nil {
			params.CostMinor = pgtype.Int8{Int64: c.cost.GetAmountMinor(), Valid: true}
			params.CostCurrency = pgtype.Text{String: c.cost.GetCurrencyCode(), Valid: true}
		}
		t, err := q.CompleteTask(ctx, params)
		if err != nil {
			return t, err
		}
		for _, part := range c.parts {
			part.TenantID, part.TaskID = t.TenantID, t.TaskID
			if err := q.InsertTaskPart(ctx, part); err != nil {
				return t, err
			}
		}
		if p != nil {
			_, loc, err := today(ctx, q, t.TenantID, t.HomeID, now)
			if err != nil {
				return t, err
			}
			meter := pgtype.Float8{}
			if r := req.GetMeterReading(); r != nil && (r.GetMeter() == "" || r.GetMeter() == p.Meter.String) {
				meter = value
			}
			// Fixed plans record it too: their anchor stays, and anchors
			// the late work already passed are not replayed.
			err = q.SetPlanLastDone(ctx, store.SetPlanLastDoneParams{TenantID: t.TenantID, PlanID: p.PlanID,
				LastDoneDate: pgtype.Date{Time: recurrence.DateIn(when, loc), Valid: true}, LastDoneMeter: meter})
			if err != nil {
				return t, err
			}
		}
		return t, s.nextOccurrence(ctx, q, t)
	})
}

// meterUnitsToAssets maps the plan's units to Asset Management's.
var meterUnitsToAssets = map[maintenancev1.Trigger_MeterUnit]assetsv1.MeterReading_Unit{
	maintenancev1.Trigger_METER_UNIT_HOURS:          assetsv1.MeterReading_UNIT_HOURS,
	maintenancev1.Trigger_METER_UNIT_CYCLES:         assetsv1.MeterReading_UNIT_CYCLES,
	maintenancev1.Trigger_METER_UNIT_KILOMETERS:     assetsv1.MeterReading_UNIT_KILOMETERS,
	maintenancev1.Trigger_METER_UNIT_KILOWATT_HOURS: assetsv1.MeterReading_UNIT_KILOWATT_HOURS,
}

// recordReading records a completion's meter reading in Asset Management
// with the caller's credentials, so Assets checks the caller may record
// readings and that the meter does not go backwards. Its request_id is the
// task's at this revision: the same completion tried again records one
// reading.
func (s *TaskServer) recordReading(ctx context.Context, t store.MaintenanceTask, p *store.MaintenancePlan, r *maintenancev1.CompletionReading, when time.Time) (*assetsv1.MeterReading, error) {
	if !t.AssetID.Valid {
		return nil, apierror.InvalidField("meter_reading", "the task is for no asset, so it has no meter")
	}
	meter, unit := r.GetMeter(), r.GetUnit()
	if p != nil && p.Meter.Valid {
		if meter == "" {
			meter = p.Meter.String
		}
		if unit == 0 && meter == p.Meter.String {
			unit = meterUnits.FromDB(p.MeterUnit.String)
		}
	}
	if meter == "" {
		return nil, apierror.InvalidField("meter_reading.meter", "is required: the task's plan counts no meter")
	}
	if unit == 0 {
		return nil, apierror.InvalidField("meter_reading.unit", "is required for a meter the plan does not count")
	}
	rid := uuid.NewSHA1(t.TaskID, []byte("complete@"+strconv.FormatInt(t.Revision, 10)))
	return s.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{
		Parent: assetPattern.Format(t.TenantID, t.HomeID, t.AssetID.UUID), RequestId: rid.String(),
		MeterReading: &assetsv1.MeterReading{Meter: meter, Unit: meterUnitsToAssets[unit], Value: r.GetValue(),
			ReadTime: timestamppb.New(when)},
	})
}
