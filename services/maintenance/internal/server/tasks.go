package server

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/recurrence"
	"steward.dev/services/maintenance/internal/store"
)

// TaskServer implements maintenancev1.TaskServiceServer.
type TaskServer struct {
	maintenancev1.UnimplementedTaskServiceServer
	db *tenantdb.DB
	// assets records completions' meter readings in Asset Management, with
	// the caller's credentials relayed (platform/rpcclient).
	assets assetsv1.AssetServiceClient
	now    func() time.Time
	tasks  aip.Resource[*store.Queries, taskRow, *maintenancev1.Task]
}

// taskRow is a task with what its resource shows besides its columns: the
// home's local date, from which its status is derived, and its parts.
type taskRow struct {
	store.MaintenanceTask
	today time.Time
	parts []store.MaintenanceTaskPart
}

// NewTaskServer returns a TaskServer storing rows through db, recording
// readings through assets, and reading the time (each home's today) from now.
func NewTaskServer(db *tenantdb.DB, assets assetsv1.AssetServiceClient, now func() time.Time) *TaskServer {
	s := &TaskServer{db: db, assets: assets, now: now}
	s.tasks = aip.Resource[*store.Queries, taskRow, *maintenancev1.Task]{
		Pattern: taskPattern, Parent: homePattern, ListParent: &anyHomePattern, Queries: queries,
		Read: func(ctx context.Context, q *store.Queries, n resname.Name) (taskRow, error) {
			t, err := q.GetTask(ctx, store.GetTaskParams{TenantID: n.ID("tenant"), TaskID: n.ID("task"), HomeID: n.ID("home")})
			if err != nil {
				return taskRow{}, err
			}
			return s.row(ctx, q, t)
		},
		Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (taskRow, error) {
			t, err := q.LockTask(ctx, store.LockTaskParams{TenantID: n.ID("tenant"), TaskID: n.ID("task"), HomeID: n.ID("home")})
			if err != nil {
				return taskRow{}, err
			}
			return s.row(ctx, q, t)
		},
		ByRequestID: func(ctx context.Context, q *store.Queries, p resname.Name, rid uuid.NullUUID) (taskRow, error) {
			t, err := q.TaskCreatedBy(ctx, store.TaskCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
			if err != nil {
				return taskRow{}, err
			}
			return s.row(ctx, q, t)
		},
		ParentExists: func(ctx context.Context, q *store.Queries, p resname.Name) (bool, error) {
			if p.IsWildcard("home") {
				return true, nil
			}
			_, err := q.GetHomeFact(ctx, store.GetHomeFactParams{TenantID: p.ID("tenant"), HomeID: p.ID("home")})
			if errors.Is(err, pgx.ErrNoRows) {
				return false, nil
			}
			return err == nil, err
		},
		// The home first: a task for another tenant's home, or one that is
		// not there, is NOT_FOUND whatever its asset says.
		CheckParent: func(ctx context.Context, q *store.Queries, p resname.Name) error {
			_, err := q.GetHomeFact(ctx, store.GetHomeFactParams{TenantID: p.ID("tenant"), HomeID: p.ID("home")})
			return aip.NotFoundAs(err, homePattern.Format(p.ID("tenant"), p.ID("home")))
		},
		Revision:    func(r taskRow) int64 { return r.Revision },
		Fingerprint: func(r taskRow) []byte { return r.RequestFingerprint },
		// status and cost are the task's methods' (the contract says an
		// update ignores them): listed so that a task sent back whole is
		// accepted, never applied.
		Mutable:  []string{"asset", "kind", "display_name", "description", "due_date", "lead_days", "status", "cost"},
		Required: []string{"display_name", "due_date"},
		Proto:    func(r taskRow, _ resname.Name) *maintenancev1.Task { return taskToProto(r) },
	}
	return s
}

// row completes t with its home's today and its parts.
func (s *TaskServer) row(ctx context.Context, q *store.Queries, t store.MaintenanceTask) (taskRow, error) {
	day, _, err := today(ctx, q, t.TenantID, t.HomeID, s.now())
	if err != nil {
		return taskRow{}, err
	}
	parts, err := q.ListTaskParts(ctx, store.ListTaskPartsParams{TenantID: t.TenantID, TaskIds: []uuid.UUID{t.TaskID}})
	return taskRow{MaintenanceTask: t, today: day, parts: parts}, err
}

// status is the task's reported status (the schema's task_status).
func status(t store.MaintenanceTask, today time.Time) maintenancev1.Task_Status {
	if t.State != "open" {
		return taskStatuses.FromDB(t.State)
	}
	switch recurrence.PhaseOf(t.DueDate.Time, int(t.LeadDays), today) {
	case recurrence.Upcoming:
		return maintenancev1.Task_STATUS_UPCOMING
	case recurrence.Overdue:
		return maintenancev1.Task_STATUS_OVERDUE
	default:
		return maintenancev1.Task_STATUS_DUE
	}
}

func money(minor pgtype.Int8, currency pgtype.Text) *typev1.Money {
	if !minor.Valid {
		return nil
	}
	return &typev1.Money{CurrencyCode: currency.String, AmountMinor: minor.Int64}
}

func taskToProto(r taskRow) *maintenancev1.Task {
	t := &maintenancev1.Task{
		Name: taskPattern.Format(r.TenantID, r.HomeID, r.TaskID), OccurrenceDate: aip.FormatDate(r.Occurrence),
		Kind: taskKinds.FromDB(r.Kind), DisplayName: r.Title, Description: r.Description, Status: status(r.MaintenanceTask, r.today),
		DueDate: aip.FormatDate(r.DueDate), LeadDays: r.LeadDays, Notes: r.Notes, Cost: money(r.CostMinor, r.CostCurrency),
		Reason:     r.SkipReason,
		CreateTime: timestamppb.New(r.CreateTime), UpdateTime: timestamppb.New(r.UpdateTime), Etag: aip.Etag(r.Revision),
	}
	if r.AssetID.Valid {
		t.Asset = assetPattern.Format(r.TenantID, r.HomeID, r.AssetID.UUID)
		if r.ReadingID.Valid {
			t.MeterReading = readingPattern.Format(r.TenantID, r.HomeID, r.AssetID.UUID, r.ReadingID.UUID)
		}
		if r.PlanID.Valid {
			t.Plan = planPattern.Format(r.TenantID, r.HomeID, r.AssetID.UUID, r.PlanID.UUID)
		}
	}
	if r.DueMeter.Valid {
		t.DueMeter = proto.Float64(r.DueMeter.Float64)
	}
	if r.MeterValue.Valid {
		t.MeterValue = proto.Float64(r.MeterValue.Float64)
	}
	if r.StartTime.Valid {
		t.StartTime = timestamppb.New(r.StartTime.Time)
	}
	if r.CompletedTime.Valid {
		t.CompleteTime = timestamppb.New(r.CompletedTime.Time)
	}
	if r.CompletedBy.Valid {
		t.CompletedBy = memberPattern.Format(r.TenantID, r.CompletedBy.UUID)
	}
	for _, p := range r.parts {
		t.Parts = append(t.Parts, &maintenancev1.TaskPart{Description: p.Description, PartNumber: p.PartNumber,
			Quantity: p.Quantity, Cost: money(p.CostMinor, p.CostCurrency)})
	}
	return t
}

// taskAsset is the asset a task request names, in the task's home: an
// asset of another home (or none known) is INVALID_ARGUMENT on field, a
// retired one ASSET_RETIRED.
func taskAsset(ctx context.Context, q *store.Queries, field, name string, tenant, home uuid.UUID) (uuid.NullUUID, error) {
	if name == "" {
		return uuid.NullUUID{}, nil
	}
	n, err := assetPattern.Parse(field, name)
	if err != nil {
		return uuid.NullUUID{}, err
	}
	a, err := q.GetAssetFact(ctx, store.GetAssetFactParams{TenantID: tenant, AssetID: n.ID("asset")})
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && (n.ID("tenant") != tenant || n.ID("home") != home || a.HomeID != home)) {
		return uuid.NullUUID{}, apierror.InvalidField(field, "no such asset in this home")
	}
	if err != nil {
		return uuid.NullUUID{}, err
	}
	if a.Deleted || a.Status == "retired" {
		return uuid.NullUUID{}, apierror.FailedPrecondition(maintenancev1.ErrorReason_ERROR_REASON_ASSET_RETIRED, name+" is retired in Asset Management")
	}
	return uuid.NullUUID{UUID: a.AssetID, Valid: true}, nil
}

func (s *TaskServer) CreateTask(ctx context.Context, req *maintenancev1.CreateTaskRequest) (*maintenancev1.Task, error) {
	in := req.GetTask() // display_name and due_date: required by the contract
	due, ok := aip.ParseDate(in.GetDueDate())
	if !ok {
		return nil, apierror.InvalidField("task.due_date", "is not a date (YYYY-MM-DD)")
	}
	return s.tasks.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, p resname.Name, key aip.Idempotency) (taskRow, error) {
		asset, err := taskAsset(ctx, q, "task.asset", in.GetAsset(), p.ID("tenant"), p.ID("home"))
		if err != nil {
			return taskRow{}, err
		}
		t, err := q.CreateTask(ctx, store.CreateTaskParams{
			TenantID: p.ID("tenant"), TaskID: uuid.Must(uuid.NewV7()), HomeID: p.ID("home"), AssetID: asset,
			Kind: taskKinds.ToDB(in.GetKind()), Title: in.GetDisplayName(), Description: in.GetDescription(),
			DueDate: due, LeadDays: in.GetLeadDays(), RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		})
		if err != nil {
			return taskRow{}, err
		}
		return s.row(ctx, q, t)
	})
}

func (s *TaskServer) GetTask(ctx context.Context, req *maintenancev1.GetTaskRequest) (*maintenancev1.Task, error) {
	return s.tasks.Get(ctx, s.db, "name", req.GetName())
}

func (s *TaskServer) ListTasks(ctx context.Context, req *maintenancev1.ListTasksRequest) (*maintenancev1.ListTasksResponse, error) {
	page, next, err := s.tasks.List(ctx, s.db, req, func(r taskRow) uuid.UUID { return r.TaskID },
		func(q *store.Queries, pg aip.Page) ([]taskRow, error) {
			tenant := pg.Parent.ID("tenant")
			now := s.now()
			p := store.ListTasksParams{TenantID: tenant, AfterID: pg.After, PageLimit: pg.Limit, Now: now}
			if !pg.Parent.IsWildcard("home") {
				p.HomeID = uuid.NullUUID{UUID: pg.Parent.ID("home"), Valid: true}
			}
			if err := bindTaskFilter(req.GetFilter(), tenant, &p); err != nil {
				return nil, err
			}
			tasks, err := q.ListTasks(ctx, p)
			if err != nil || len(tasks) == 0 {
				return nil, err
			}
			return s.rows(ctx, q, tenant, tasks, now)
		}, req.GetFilter())
	return &maintenancev1.ListTasksResponse{Tasks: page, NextPageToken: next}, err
}

// rows completes a page of tasks in two more round trips however long it
// is: the parts of all of them, and each home's zone once.
func (s *TaskServer) rows(ctx context.Context, q *store.Queries, tenant uuid.UUID, tasks []store.MaintenanceTask, now time.Time) ([]taskRow, error) {
	ids := make([]uuid.UUID, len(tasks))
	for i, t := range tasks {
		ids[i] = t.TaskID
	}
	parts, err := q.ListTaskParts(ctx, store.ListTaskPartsParams{TenantID: tenant, TaskIds: ids})
	if err != nil {
		return nil, err
	}
	byTask := map[uuid.UUID][]store.MaintenanceTaskPart{}
	for _, p := range parts {
		byTask[p.TaskID] = append(byTask[p.TaskID], p)
	}
	days := map[uuid.UUID]time.Time{}
	out := make([]taskRow, len(tasks))
	for i, t := range tasks {
		day, ok := days[t.HomeID]
		if !ok {
			if day, _, err = today(ctx, q, tenant, t.HomeID, now); err != nil {
				return nil, err
			}
			days[t.HomeID] = day
		}
		out[i] = taskRow{MaintenanceTask: t, today: day, parts: byTask[t.TaskID]}
	}
	return out, nil
}

// bindTaskFilter reads ListTasks' filter into p.
func bindTaskFilter(filter string, tenant uuid.UUID, p *store.ListTasksParams) error {
	return aip.ApplyFilter(filter,
		aip.FilterField{Name: "status", Bind: func(f *aip.Filter, t aip.Term) error {
			st, ok := taskStatuses.Parse(t.Value)
			if !ok || t.Op != "=" {
				return aip.FilterError("status supports only =, with one of " + taskStatuses.Names())
			}
			return aip.SetOnce(f, t, &p.Status, pgtype.Text{String: taskStatuses.ToDB(st), Valid: true})
		}},
		aip.FilterField{Name: "asset", Bind: func(f *aip.Filter, t aip.Term) error {
			n, err := assetPattern.Parse("filter", t.Value)
			if err != nil || n.ID("tenant") != tenant || t.Op != "=" {
				return aip.FilterError("asset supports only =, with an asset resource name of this tenant")
			}
			return aip.SetOnce(f, t, &p.AssetID, uuid.NullUUID{UUID: n.ID("asset"), Valid: true})
		}},
		aip.FilterField{Name: "plan", Bind: func(f *aip.Filter, t aip.Term) error {
			n, err := planPattern.Parse("filter", t.Value)
			if err != nil || n.ID("tenant") != tenant || t.Op != "=" {
				return aip.FilterError("plan supports only =, with a plan resource name of this tenant")
			}
			return aip.SetOnce(f, t, &p.PlanID, uuid.NullUUID{UUID: n.ID("plan"), Valid: true})
		}},
		aip.FilterField{Name: "due_date", Bind: func(f *aip.Filter, t aip.Term) error {
			d, ok := aip.ParseDate(t.Value)
			if !ok || !d.Valid {
				return aip.FilterError("due_date takes a date, e.g. due_date >= \"2027-01-01\"")
			}
			switch t.Op {
			case ">=":
				return aip.SetOnce(f, t, &p.DueFrom, d)
			case "<=":
				return aip.SetOnce(f, t, &p.DueTo, d)
			}
			return aip.FilterError("due_date supports >= and <=")
		}},
	)
}

func (s *TaskServer) UpdateTask(ctx context.Context, req *maintenancev1.UpdateTaskRequest) (*maintenancev1.Task, error) {
	in := req.GetTask()
	return s.tasks.Update(ctx, s.db, req, func(q *store.Queries, cur taskRow, mask aip.Mask) (taskRow, error) {
		if err := checkOpen(cur.MaintenanceTask, in.GetName()); err != nil {
			return cur, err
		}
		if mask.Has("asset") && in.GetAsset() != taskToProto(cur).GetAsset() {
			return cur, apierror.InvalidField("task.asset", "cannot change: create a task for the other asset")
		}
		next := store.UpdateTaskParams{TenantID: cur.TenantID, TaskID: cur.TaskID, Kind: cur.Kind, Title: cur.Title,
			Description: cur.Description, DueDate: cur.DueDate, LeadDays: cur.LeadDays}
		take(mask, "kind", &next.Kind, taskKinds.ToDB(in.GetKind()))
		take(mask, "display_name", &next.Title, in.GetDisplayName())
		take(mask, "description", &next.Description, in.GetDescription())
		take(mask, "lead_days", &next.LeadDays, in.GetLeadDays())
		if mask.Has("due_date") {
			d, ok := aip.ParseDate(in.GetDueDate())
			if !ok {
				return cur, apierror.InvalidField("task.due_date", "is not a date (YYYY-MM-DD)")
			}
			next.DueDate = d
		}
		t, err := q.UpdateTask(ctx, next)
		if err != nil {
			return cur, err
		}
		return s.row(ctx, q, t)
	})
}

// checkOpen refuses a closed task (TASK_CLOSED).
func checkOpen(t store.MaintenanceTask, name string) error {
	if t.State == "open" || t.State == "in_progress" {
		return nil
	}
	return apierror.FailedPrecondition(maintenancev1.ErrorReason_ERROR_REASON_TASK_CLOSED, name+" is "+t.State)
}
