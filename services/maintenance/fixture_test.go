package maintenance_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"steward.dev/db/dbtest"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/scope"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets"
	"steward.dev/services/maintenance"
	"steward.dev/services/maintenance/internal/plan"
)

// clock is the servers' time, which a test sets.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// fixture is Assets and Maintenance served as main serves them, sharing a
// database and an issuer, with Maintenance on a clock the test sets.
type fixture struct {
	t      *testing.T
	env    *servertest.Env
	clock  *clock
	app    *tenantdb.DB // as the services connect, for running the generator as its job does
	plans  maintenancev1.PlanServiceClient
	tasks  maintenancev1.TaskServiceClient
	assets assetsv1.AssetServiceClient
}

func setup(t *testing.T, now time.Time) *fixture {
	t.Helper()
	env := servertest.New(t)
	assetsConn, assetsAddr := env.ServeAt(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return assets.Services(db, t.TempDir(), env.Logger)
	})
	c := &clock{t: now}
	conn := env.Serve(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return maintenance.ServicesWithClock(c.now)(catalog.Env{DB: db, Logger: env.Logger, DataDir: t.TempDir(),
			Targets: map[string]string{"assets": assetsAddr}})
	})
	pool, err := pgxpool.New(context.Background(), env.DB.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &fixture{t: t, env: env, clock: c, app: tenantdb.New(pool),
		plans: maintenancev1.NewPlanServiceClient(conn), tasks: maintenancev1.NewTaskServiceClient(conn),
		assets: assetsv1.NewAssetServiceClient(assetsConn)}
}

// household is a tenant with an owner and a member, and one home.
type household struct {
	f             *fixture
	id            uuid.UUID
	name, home    string
	owner, member context.Context
	ownerUser     servertest.User
}

// household creates a household whose home is in zone and hemisphere: in
// Assets through its API, and in Maintenance's facts as the sync would
// copy it.
func (f *fixture) household(zone, hemisphere string) *household {
	t := f.t
	t.Helper()
	id := f.env.Tenant(t, "household")
	owner := f.env.User(t, id, "owner")
	h := &household{f: f, id: id, name: "tenants/" + id.String(), ownerUser: owner,
		owner: f.env.As(context.Background(), t, owner), member: f.env.As(context.Background(), t, f.env.User(t, id, "member"))}
	// The region code is what the sync derives the hemisphere from, so the
	// facts it copies agree with the ones written here.
	region := map[string]string{"north": "US", "south": "AU"}[hemisphere]
	home := must(f.assets.CreateHome(h.owner, &assetsv1.CreateHomeRequest{Parent: h.name,
		Home: &assetsv1.Home{DisplayName: "Home in " + zone, TimeZone: zone, Address: &assetsv1.PostalAddress{RegionCode: region}}}))(t)
	h.home = home.GetName()
	dbtest.ExecAsTenant(t, f.env.Owner, id, `INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone, hemisphere)
		VALUES ($1, $2, $3, $4, $5)`, id, idOf(h.home), home.GetDisplayName(), zone, hemisphere)
	return h
}

// asset creates an asset of category in the home, in Assets and in the
// facts, and returns its name.
func (h *household) asset(category string) string {
	t := h.f.t
	t.Helper()
	a := must(h.f.assets.CreateAsset(h.owner, &assetsv1.CreateAssetRequest{Parent: h.home,
		Asset: &assetsv1.Asset{DisplayName: "The " + category, Category: "assetCategories/" + category}}))(t)
	dbtest.ExecAsTenant(t, h.f.env.Owner, h.id, `INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id)
		VALUES ($1, $2, $3, $4, $5)`, h.id, idOf(a.GetName()), idOf(h.home), a.GetDisplayName(), category)
	return a.GetName()
}

// reading adds a meter reading to the facts, as the sync copies Assets'.
func (h *household) reading(asset, meter string, value float64, at time.Time) {
	h.f.t.Helper()
	dbtest.ExecAsTenant(h.f.t, h.f.env.Owner, h.id, `INSERT INTO maintenance.reading_facts (tenant_id, asset_id, reading_id, meter, unit, value, read_time)
		VALUES ($1, $2, $3, $4, 'hours', $5, $6)`, h.id, idOf(asset), uuid.New(), meter, value, at)
}

// generate runs the tenant's generation as the daily job does.
func (h *household) generate() int {
	h.f.t.Helper()
	n, err := h.generateErr()
	if err != nil {
		h.f.t.Fatalf("generate: %v", err)
	}
	return n
}

// generateErr is generate for goroutines, which may not stop the test.
func (h *household) generateErr() (int, error) {
	ctx := scope.WithTenant(context.Background(), scope.Tenant{TenantID: h.id, Kind: "household"})
	return plan.GenerateTenant(ctx, h.f.app, h.id, h.f.clock.now())
}

// openTask is the plan's open task; it fails the test unless there is
// exactly one.
func (h *household) openTask(planName string) *maintenancev1.Task {
	t := h.f.t
	t.Helper()
	resp := must(h.f.tasks.ListTasks(h.owner, &maintenancev1.ListTasksRequest{Parent: h.name + "/homes/-",
		Filter: `plan = "` + planName + `"`}))(t)
	var open []*maintenancev1.Task
	for _, task := range resp.GetTasks() {
		switch task.GetStatus() {
		case maintenancev1.Task_STATUS_UPCOMING, maintenancev1.Task_STATUS_DUE, maintenancev1.Task_STATUS_OVERDUE, maintenancev1.Task_STATUS_IN_PROGRESS:
			open = append(open, task)
		}
	}
	if len(open) != 1 {
		t.Fatalf("plan %s has %d open tasks: %v", planName, len(open), open)
	}
	return open[0]
}

// idOf is the last id of a resource name.
func idOf(name string) uuid.UUID { return uuid.MustParse(name[strings.LastIndex(name, "/")+1:]) }

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func code(err error) codes.Code { return status.Code(err) }

// at is a local wall-clock time in zone.
func at(t *testing.T, zone string, y int, m time.Month, d, hh, mm int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}
