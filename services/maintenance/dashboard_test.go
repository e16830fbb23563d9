package maintenance_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"steward.dev/db/dbtest"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance"
	"steward.dev/services/maintenance/internal/dashboard"
)

// dashClock is a settable time for the servers under test.
type dashClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *dashClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *dashClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// dash is a household with two homes in zones a day apart, served by one
// or more DashboardService instances on one database.
type dash struct {
	env            *servertest.Env
	dashClock      *dashClock
	tenant         uuid.UUID
	name           string
	owner, member  context.Context //nolint:containedctx // callers of the test
	sydney, angels uuid.UUID
}

func serveDashboard(t *testing.T, env *servertest.Env, c *dashClock) maintenancev1.DashboardServiceClient {
	t.Helper()
	return maintenancev1.NewDashboardServiceClient(serveMaintenance(t, env, c))
}

// serveMaintenance serves all of steward-maintenance; no Assets: the
// dashboard reads Maintenance's own facts.
func serveMaintenance(t *testing.T, env *servertest.Env, c *dashClock) *grpc.ClientConn {
	t.Helper()
	return env.Serve(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return maintenance.ServicesWithClock(c.Now)(catalog.Env{DB: db, Logger: env.Logger})
	})
}

func newDash(t *testing.T, env *servertest.Env, c *dashClock) *dash {
	t.Helper()
	d := &dash{env: env, dashClock: c, tenant: env.Tenant(t, "household"), sydney: uuid.New(), angels: uuid.New()}
	d.name = "tenants/" + d.tenant.String() + "/dashboard"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	d.owner = env.As(ctx, t, env.User(t, d.tenant, "owner"))
	d.member = env.As(ctx, t, env.User(t, d.tenant, "member"))
	d.exec(t, `INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone) VALUES
		($1, $2, 'Harbour House', 'Australia/Sydney'), ($1, $3, 'Canyon Flat', 'America/Los_Angeles')`, d.tenant, d.sydney, d.angels)
	return d
}

func (d *dash) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	dbtest.ExecAsTenant(t, d.env.Owner, d.tenant, sql, args...)
}

func (d *dash) home(id uuid.UUID) string {
	return "tenants/" + d.tenant.String() + "/homes/" + id.String()
}

// asset adds an asset fact.
func (d *dash) asset(t *testing.T, home uuid.UUID, name, category, install string, lifespanMonths int, warranty string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	d.exec(t, `INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id, install_date,
		expected_lifespan_months, warranty_expiry_date) VALUES ($1, $2, $3, $4, $5, nullif($6, '')::date, $7, nullif($8, '')::date)`,
		d.tenant, id, home, name, category, install, lifespanMonths, warranty)
	return id
}

// task adds a task; done ones are completed at completed with cost.
type taskSpec struct {
	home      uuid.UUID
	asset     uuid.UUID // uuid.Nil: the home's
	title     string
	kind      string
	state     string
	due       string
	leadDays  int
	completed time.Time
	cost      int64
	currency  string
}

func (d *dash) task(t *testing.T, s taskSpec) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if s.kind == "" {
		s.kind = "maintenance"
	}
	var completed *time.Time
	var cost *int64
	var currency *string
	if !s.completed.IsZero() {
		completed, cost, currency = &s.completed, &s.cost, &s.currency
	}
	d.exec(t, `INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, kind, title, state, due_date, lead_days,
		completed_time, cost_minor, cost_currency) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9, $10, $11, $12)`,
		d.tenant, id, s.home, uuid.NullUUID{UUID: s.asset, Valid: s.asset != uuid.Nil}, s.kind, s.title, s.state, s.due, s.leadDays,
		completed, cost, currency)
	return id
}

func (d *dash) get(t *testing.T, c maintenancev1.DashboardServiceClient) *maintenancev1.Dashboard {
	t.Helper()
	got, err := c.GetDashboard(d.member, &maintenancev1.GetDashboardRequest{Name: d.name})
	if err != nil {
		t.Fatalf("GetDashboard: %v", err)
	}
	return got
}

func codeOf(err error) codes.Code { return status.Code(err) }

func titles(ts []*maintenancev1.DashboardTask) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.GetTitle())
	}
	return out
}

// sydneyMorning is 2027-04-01 07:00 in Sydney (AEDT, UTC+11) and still
// 2027-03-31 13:00 in Los Angeles (PDT, UTC-7): each home has its own today.
var sydneyMorning = time.Date(2027, 3, 31, 20, 0, 0, 0, time.UTC)

// TestDashboardFigures: counts, lists, spend, warranties and risk, each in
// its home's own date — the same due date is overdue in Sydney and due
// today in Los Angeles, and the same completion instant falls in April
// there and March here.
func TestDashboardFigures(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	c := &dashClock{now: sydneyMorning}
	svc := serveDashboard(t, env, c)
	d := newDash(t, env, c)

	furnace := d.asset(t, d.sydney, "Furnace", "hvac-furnace", "2012-01-01", 180, "2027-05-15")
	heater := d.asset(t, d.sydney, "Water heater", "water-heater", "2024-01-01", 144, "2027-06-30") // day 90: in
	dryer := d.asset(t, d.angels, "Dryer", "dryer", "2025-06-01", 120, "2027-06-30")                // day 91 in LA: out
	health := func(asset uuid.UUID, score int, reasons string) {
		d.exec(t, "INSERT INTO maintenance.asset_health (tenant_id, asset_id, score, reasons, hint) VALUES ($1, $2, $3, $4, 'none')", d.tenant, asset, score, reasons)
	}
	health(furnace, 39, `[{"kind": "overdue", "points": 10, "description": "1 task overdue"}, {"kind": "age", "points": 41, "description": "15 years old, 101% of its expected 15"},
		{"kind": "repairs", "points": 10, "description": "1 repair in 3 years"}]`)
	health(heater, 100, `[{"kind": "good", "points": 0, "description": "Nothing to worry about"}]`)
	health(dryer, 90, `[{"kind": "repairs", "points": 10, "description": "1 repair in 3 years"}]`)
	for _, s := range []taskSpec{
		{home: d.sydney, asset: furnace, title: "Furnace service", state: "open", due: "2027-03-31"}, // overdue by a day
		{home: d.sydney, title: "Smoke alarm test", state: "open", due: "2027-04-08"},                // day 7
		{home: d.sydney, asset: furnace, title: "Filter", state: "in_progress", due: "2027-04-20"},   // day 19, started
		{home: d.sydney, title: "Gutters", state: "open", due: "2027-05-01"},                         // day 30
		{home: d.sydney, title: "Roof check", state: "open", due: "2027-05-02"},                      // day 31: out
		{home: d.sydney, title: "Old skipped", state: "skipped", due: "2027-03-01"},                  // not open
		{home: d.angels, asset: dryer, title: "Dryer vent", state: "open", due: "2027-03-31"},        // due today in LA
		{home: d.sydney, asset: furnace, title: "Furnace part", state: "done", due: "2027-03-30", // 2027-04-01 01:00 in Sydney
			completed: time.Date(2027, 3, 31, 14, 0, 0, 0, time.UTC), cost: 12000, currency: "GBP"},
		{home: d.sydney, asset: furnace, title: "Furnace repair", kind: "repair", state: "done", due: "2026-04-30", // 2026-05-01 01:00 Sydney: the window's first hour
			completed: time.Date(2026, 4, 30, 15, 0, 0, 0, time.UTC), cost: 5000, currency: "GBP"},
		{home: d.sydney, title: "Too old", state: "done", due: "2026-04-30", // 2026-04-30 23:00 Sydney: before the window
			completed: time.Date(2026, 4, 30, 13, 0, 0, 0, time.UTC), cost: 999, currency: "GBP"},
		{home: d.sydney, title: "Locksmith", state: "done", due: "2027-01-10",
			completed: time.Date(2027, 1, 10, 3, 0, 0, 0, time.UTC), cost: 3000, currency: "USD"},
		{home: d.angels, asset: dryer, title: "Dryer belt", kind: "repair", state: "done", due: "2027-03-31", // 2027-03-31 07:00 in LA
			completed: time.Date(2027, 3, 31, 14, 0, 0, 0, time.UTC), cost: 2000, currency: "GBP"},
	} {
		d.task(t, s)
	}

	got := d.get(t, svc)
	if got.GetName() != d.name || got.GetOverdueCount() != 1 || got.GetDueWithin_7DaysCount() != 2 || got.GetDueWithin_30DaysCount() != 4 || got.GetInProgressCount() != 1 {
		t.Errorf("counts: overdue %d, 7 days %d, 30 days %d, in progress %d; want 1, 2, 4, 1",
			got.GetOverdueCount(), got.GetDueWithin_7DaysCount(), got.GetDueWithin_30DaysCount(), got.GetInProgressCount())
	}
	if want := []string{"Furnace service"}; !slices.Equal(titles(got.GetOverdueTasks()), want) {
		t.Errorf("overdue = %v, want %v", titles(got.GetOverdueTasks()), want)
	}
	if o := got.GetOverdueTasks()[0]; o.GetDaysUntilDue() != -1 || o.GetDueDate() != "2027-03-31" || o.GetAssetDisplayName() != "Furnace" ||
		o.GetAsset() != d.home(d.sydney)+"/assets/"+furnace.String() || o.GetHome() != d.home(d.sydney) {
		t.Errorf("overdue task = %v", o)
	}
	if want := []string{"Dryer vent", "Smoke alarm test", "Filter", "Gutters"}; !slices.Equal(titles(got.GetDueTasks()), want) {
		t.Errorf("due = %v, want %v", titles(got.GetDueTasks()), want)
	}
	if v := got.GetDueTasks()[0]; v.GetDaysUntilDue() != 0 || v.GetInProgress() {
		t.Errorf("LA's task due today = %v", v)
	}
	if f := got.GetDueTasks()[2]; !f.GetInProgress() || f.GetDaysUntilDue() != 19 {
		t.Errorf("started task = %v", f)
	}

	type spend struct {
		key      string
		currency string
		minor    int64
		n        int32
	}
	var months, cats []spend
	for _, m := range got.GetSpendByMonth() {
		months = append(months, spend{m.GetMonth(), m.GetTotal().GetCurrencyCode(), m.GetTotal().GetAmountMinor(), m.GetTaskCount()})
	}
	for _, m := range got.GetSpendByCategory() {
		cats = append(cats, spend{m.GetCategory(), m.GetTotal().GetCurrencyCode(), m.GetTotal().GetAmountMinor(), m.GetTaskCount()})
	}
	if want := []spend{{"2026-05", "GBP", 5000, 1}, {"2027-01", "USD", 3000, 1}, {"2027-03", "GBP", 2000, 1}, {"2027-04", "GBP", 12000, 1}}; !slices.Equal(months, want) {
		t.Errorf("spend by month = %v, want %v", months, want)
	}
	if want := []spend{{"assetCategories/hvac-furnace", "GBP", 17000, 2}, {"assetCategories/dryer", "GBP", 2000, 1}, {"", "USD", 3000, 1}}; !slices.Equal(cats, want) {
		t.Errorf("spend by category = %v, want %v", cats, want)
	}
	if tot := got.GetSpendTotal(); len(tot) != 2 || tot[0].GetCurrencyCode() != "GBP" || tot[0].GetAmountMinor() != 19000 || tot[1].GetAmountMinor() != 3000 {
		t.Errorf("spend total = %v", tot)
	}

	if w := got.GetExpiringWarranties(); got.GetWarrantyExpiringCount() != 2 || len(w) != 2 || w[0].GetDisplayName() != "Furnace" || w[0].GetDaysLeft() != 44 ||
		w[1].GetDisplayName() != "Water heater" || w[1].GetDaysLeft() != 90 || w[1].GetWarrantyExpiryDate() != "2027-06-30" {
		t.Errorf("warranties (%d) = %v", got.GetWarrantyExpiringCount(), w)
	}

	// The insight job's scores: the lowest first, a healthy asset not at
	// all, reasons that cost points by their cost.
	risky := got.GetRiskiestAssets()
	if len(risky) != 2 || risky[0].GetDisplayName() != "Furnace" || risky[0].GetHealthScore() != 39 || risky[1].GetDisplayName() != "Dryer" ||
		risky[1].GetHealthScore() != 90 || risky[0].GetAsset() != d.home(d.sydney)+"/assets/"+furnace.String() {
		t.Fatalf("riskiest = %v", risky)
	}
	if want := []string{"15 years old, 101% of its expected 15", "1 task overdue", "1 repair in 3 years"}; !slices.Equal(risky[0].GetReasons(), want) {
		t.Errorf("furnace reasons = %q, want %q", risky[0].GetReasons(), want)
	}

	// One home: Los Angeles only.
	la, err := svc.GetDashboard(d.owner, &maintenancev1.GetDashboardRequest{Name: d.name, Home: d.home(d.angels)})
	if err != nil {
		t.Fatal(err)
	}
	if la.GetHome() != d.home(d.angels) || la.GetOverdueCount() != 0 || !slices.Equal(titles(la.GetDueTasks()), []string{"Dryer vent"}) || len(la.GetSpendTotal()) != 1 ||
		la.GetSpendTotal()[0].GetAmountMinor() != 2000 || la.GetWarrantyExpiringCount() != 0 {
		t.Errorf("LA's dashboard = %v", la)
	}
}

// TestDashboardIsolation: another tenant's dashboard, and its homes as a
// filter, do not exist for a caller; a MEMBER reads.
func TestDashboardIsolation(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	c := &dashClock{now: sydneyMorning}
	svc := serveDashboard(t, env, c)
	d, other := newDash(t, env, c), newDash(t, env, c)
	for _, tc := range []struct {
		name string
		ctx  context.Context //nolint:containedctx // the caller of the case
		req  *maintenancev1.GetDashboardRequest
		want codes.Code
	}{
		{"member", d.member, &maintenancev1.GetDashboardRequest{Name: d.name}, codes.OK},
		{"member, one home", d.member, &maintenancev1.GetDashboardRequest{Name: d.name, Home: d.home(d.sydney)}, codes.OK},
		{"another tenant's dashboard", d.owner, &maintenancev1.GetDashboardRequest{Name: other.name}, codes.NotFound},
		{"another tenant's home", d.owner, &maintenancev1.GetDashboardRequest{Name: d.name, Home: other.home(other.sydney)}, codes.NotFound},
		{"no such home", d.owner, &maintenancev1.GetDashboardRequest{Name: d.name, Home: d.home(uuid.New())}, codes.NotFound},
		{"not a home", d.owner, &maintenancev1.GetDashboardRequest{Name: d.name, Home: "homes/x"}, codes.InvalidArgument},
		{"not a dashboard", d.owner, &maintenancev1.GetDashboardRequest{Name: "tenants/" + d.tenant.String() + "/dashboards"}, codes.InvalidArgument},
	} {
		if _, err := svc.GetDashboard(tc.ctx, tc.req); codeOf(err) != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestDashboardCache: a cached read answers from memory after one version
// check — a change made with the triggers off is not seen — and every write
// through the tables (an update, an insert, a part, a fact) is seen by the
// next read on every instance; the cache ends at five minutes and at a
// home's midnight.
func TestDashboardCache(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	c := &dashClock{now: sydneyMorning}
	one, two := serveDashboard(t, env, c), serveDashboard(t, env, c)
	d := newDash(t, env, c)
	overdue := d.task(t, taskSpec{home: d.sydney, title: "Overdue", state: "open", due: "2027-03-20"})
	soon := d.task(t, taskSpec{home: d.sydney, title: "Soon", state: "open", due: "2027-04-03"})

	first := d.get(t, one)
	if first.GetOverdueCount() != 1 || first.GetDueWithin_7DaysCount() != 1 {
		t.Fatalf("first = %v", first)
	}
	_ = d.get(t, two)
	c.Set(sydneyMorning.Add(time.Minute))
	if again := d.get(t, one); !proto.Equal(again, first) {
		t.Errorf("a minute later, unchanged: %v, want the cached %v", again, first)
	}

	// With the triggers off, a change does not reach the cache: the cached
	// read ran no aggregate, only the version check.
	version := func() int64 {
		var v int64
		dbtest.QueryRowAsTenant(t, env.Owner, d.tenant, "SELECT coalesce((SELECT version FROM maintenance.dashboard_versions WHERE tenant_id = $1), 0)", []any{d.tenant}, &v)
		return v
	}
	before := version()
	d.exec(t, "ALTER TABLE maintenance.tasks DISABLE TRIGGER USER")
	d.exec(t, "UPDATE maintenance.tasks SET state = 'done', completed_time = now() WHERE tenant_id = $1 AND task_id = $2", d.tenant, overdue)
	d.exec(t, "ALTER TABLE maintenance.tasks ENABLE TRIGGER USER")
	if got := d.get(t, one); got.GetOverdueCount() != 1 || version() != before {
		t.Errorf("cached read after a change behind the triggers' back: overdue %d (version %d → %d); want the cached 1", got.GetOverdueCount(), before, version())
	}

	// A statement that changes nothing bumps nothing.
	d.exec(t, "UPDATE maintenance.tasks SET title = title WHERE tenant_id = $1 AND false", d.tenant)
	if version() != before {
		t.Errorf("an empty update bumped the version")
	}

	// Completing a task: every instance shows it on the next read.
	d.exec(t, "UPDATE maintenance.tasks SET state = 'done', completed_time = now(), cost_minor = 4500, cost_currency = 'GBP' WHERE tenant_id = $1 AND task_id = $2", d.tenant, soon)
	for i, svc := range []maintenancev1.DashboardServiceClient{one, two} {
		if got := d.get(t, svc); got.GetOverdueCount() != 0 || got.GetDueWithin_7DaysCount() != 0 || len(got.GetSpendTotal()) != 1 {
			t.Errorf("instance %d after completing: overdue %d, 7 days %d, spend %v; want 0, 0, 45.00", i+1, got.GetOverdueCount(), got.GetDueWithin_7DaysCount(), got.GetSpendTotal())
		}
	}
	// Creating one, a part of one, a plan, facts.
	oven := d.asset(t, d.sydney, "Oven", "appliance-oven", "2020-01-01", 180, "")
	created := d.task(t, taskSpec{home: d.sydney, title: "New", state: "open", due: "2027-04-02"})
	if got := d.get(t, one); got.GetDueWithin_7DaysCount() != 1 {
		t.Errorf("after creating a task: 7 days %d, want 1", got.GetDueWithin_7DaysCount())
	}
	for _, write := range []string{
		"INSERT INTO maintenance.task_parts (tenant_id, task_id, position, description, quantity, cost_minor, cost_currency) VALUES ($1, '" + created.String() + "', 1, 'Filter', 1, 900, 'GBP')",
		"INSERT INTO maintenance.plans (tenant_id, plan_id, home_id, asset_id, display_name, interval_count, interval_unit, anchor, lead_days, start_date) VALUES ($1, gen_random_uuid(), '" + d.sydney.String() + "', '" + oven.String() + "', 'Clean the oven', 3, 'month', 'floating', 7, '2027-01-01')",
		"UPDATE maintenance.home_facts SET display_name = 'Harbour Villa' WHERE tenant_id = $1 AND home_id = '" + d.sydney.String() + "'",
		"UPDATE maintenance.asset_facts SET warranty_expiry_date = '2027-04-10' WHERE tenant_id = $1 AND asset_id = '" + oven.String() + "'",
		"INSERT INTO maintenance.reading_facts (tenant_id, asset_id, reading_id, meter, unit, value, read_time) VALUES ($1, '" + oven.String() + "', gen_random_uuid(), 'runtime', 'hours', 10, now())",
		"INSERT INTO maintenance.asset_health (tenant_id, asset_id, score, reasons, hint) VALUES ($1, '" + oven.String() + "', 80, '[]', 'none')",
		"DELETE FROM maintenance.task_parts WHERE tenant_id = $1",
	} {
		v := version()
		d.exec(t, write, d.tenant)
		if version() != v+1 {
			t.Errorf("%s: version %d → %d, want one more", write, v, version())
		}
	}
	if got := d.get(t, two); got.GetWarrantyExpiringCount() != 1 {
		t.Errorf("after a new asset fact: warranties %d, want 1", got.GetWarrantyExpiringCount())
	}

	// Unchanged, the cache lasts five minutes from its computation.
	cached := d.get(t, one)
	c.Set(c.Now().Add(dashboard.CacheTTL - time.Second))
	if got := d.get(t, one); !got.GetComputeTime().AsTime().Equal(cached.GetComputeTime().AsTime()) {
		t.Errorf("within five minutes: computed at %v, want the cached %v", got.GetComputeTime().AsTime(), cached.GetComputeTime().AsTime())
	}
	c.Set(c.Now().Add(time.Second))
	if got := d.get(t, one); !got.GetComputeTime().AsTime().Equal(c.Now()) {
		t.Errorf("at five minutes: computed at %v, want now %v", got.GetComputeTime().AsTime(), c.Now())
	}
	// Sydney's midnight (13:00 UTC) moves its today: the cache ends there
	// even within five minutes, and "New" (due 2027-04-02) is due today.
	c.Set(time.Date(2027, 4, 1, 12, 58, 0, 0, time.UTC))
	_ = d.get(t, one)
	c.Set(time.Date(2027, 4, 1, 13, 0, 0, 0, time.UTC))
	if got := d.get(t, one); !got.GetComputeTime().AsTime().Equal(c.Now()) || len(got.GetDueTasks()) != 1 || got.GetDueTasks()[0].GetDaysUntilDue() != 0 {
		t.Errorf("at Sydney's midnight: %v", got)
	}
}

// TestDashboardCacheUnderConcurrency: readers on two instances never see
// the overdue count go back up while writers complete tasks one statement
// at a time (a stale cached answer after a fresher one would), every
// instance shows the last completion on its next read, and the version
// moved once per statement (checked in SQL).
func TestDashboardCacheUnderConcurrency(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	c := &dashClock{now: sydneyMorning}
	instances := []maintenancev1.DashboardServiceClient{serveDashboard(t, env, c), serveDashboard(t, env, c)}
	d := newDash(t, env, c)
	const writers, perWriter = 4, 10
	var tasks []uuid.UUID
	for i := range writers * perWriter {
		tasks = append(tasks, d.task(t, taskSpec{home: d.sydney, title: fmt.Sprintf("Task %d", i), state: "open", due: "2027-03-01"}))
	}
	version := func() int64 {
		var v int64
		dbtest.QueryRowAsTenant(t, env.Owner, d.tenant, "SELECT version FROM maintenance.dashboard_versions WHERE tenant_id = $1", []any{d.tenant}, &v)
		return v
	}
	before := version()
	if got := d.get(t, instances[0]); got.GetOverdueCount() != writers*perWriter {
		t.Fatalf("overdue %d, want %d", got.GetOverdueCount(), writers*perWriter)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var readers, wg sync.WaitGroup
	errs := make(chan error, 64)
	for r := range 16 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			svc, last := instances[r%2], int32(writers*perWriter)
			for n := 0; ctx.Err() == nil; n++ {
				got, err := svc.GetDashboard(d.member, &maintenancev1.GetDashboardRequest{Name: d.name})
				if err != nil {
					errs <- err
					return
				}
				if got.GetOverdueCount() > last {
					errs <- fmt.Errorf("reader %d, read %d: overdue went back up from %d to %d", r, n, last, got.GetOverdueCount())
					return
				}
				last = got.GetOverdueCount()
			}
		}()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range tasks[w*perWriter : (w+1)*perWriter] {
				err := dbtest.InScope(context.Background(), env.Owner, dbtest.Scope{TenantID: d.tenant}, func(tx pgx.Tx) error {
					_, err := tx.Exec(context.Background(), "UPDATE maintenance.tasks SET state = 'done', completed_time = now() WHERE tenant_id = $1 AND task_id = $2", d.tenant, id)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	cancel()
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, svc := range instances {
		if got := d.get(t, svc); got.GetOverdueCount() != 0 {
			t.Errorf("instance %d after the writers: overdue %d, want 0", i+1, got.GetOverdueCount())
		}
	}
	if got := version(); got != before+writers*perWriter {
		t.Errorf("version %d → %d, want one bump per completing statement (%d)", before, got, writers*perWriter)
	}
}

// TestDashboardShowsTaskServiceWrites: a task created and then completed
// through TaskService (an OWNER creates, a MEMBER completes with a cost) is
// on the next dashboard, then off it with its cost in the spend, although
// the dashboard before each was cached.
func TestDashboardShowsTaskServiceWrites(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	c := &dashClock{now: sydneyMorning}
	conn := serveMaintenance(t, env, c)
	svc, tasks := maintenancev1.NewDashboardServiceClient(conn), maintenancev1.NewTaskServiceClient(conn)
	d := newDash(t, env, c)
	if got := d.get(t, svc); got.GetDueWithin_7DaysCount() != 0 || len(got.GetSpendTotal()) != 0 {
		t.Fatalf("empty household's dashboard = %v", got)
	}
	task, err := tasks.CreateTask(d.owner, &maintenancev1.CreateTaskRequest{Parent: d.home(d.sydney), Task: &maintenancev1.Task{
		DisplayName: "Clear the gutters", Kind: maintenancev1.Task_KIND_MAINTENANCE, DueDate: "2027-04-03", LeadDays: 2}})
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	got := d.get(t, svc)
	if got.GetDueWithin_7DaysCount() != 1 || len(got.GetDueTasks()) != 1 || got.GetDueTasks()[0].GetTask() != task.GetName() || got.GetDueTasks()[0].GetDaysUntilDue() != 2 {
		t.Fatalf("after CreateTask: %v", got)
	}
	if _, err := tasks.CompleteTask(d.member, &maintenancev1.CompleteTaskRequest{Name: task.GetName(),
		Cost: &typev1.Money{CurrencyCode: "GBP", AmountMinor: 12500}}); err != nil {
		t.Fatalf("CompleteTask: %v", err)
	}
	got = d.get(t, svc)
	if got.GetDueWithin_7DaysCount() != 0 || len(got.GetDueTasks()) != 0 || len(got.GetSpendTotal()) != 1 || got.GetSpendTotal()[0].GetAmountMinor() != 12500 ||
		len(got.GetSpendByMonth()) != 1 || got.GetSpendByMonth()[0].GetMonth() != "2027-04" {
		t.Errorf("after CompleteTask: %v", got)
	}
}
