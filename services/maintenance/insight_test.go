package maintenance_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/jobs"
	"steward.dev/platform/scope"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets"
	"steward.dev/services/maintenance"
	"steward.dev/services/maintenance/internal/server"
)

// insightHousehold is one tenant's facts as the sync would have copied them, and
// its people.
type insightHousehold struct {
	t             *testing.T
	env           *servertest.Env
	id, home      uuid.UUID
	owner, member servertest.User
	loc           *time.Location
}

// insightNow is the tests' "now": a winter evening in Saint Paul.
var insightNow = time.Date(2026, time.January, 20, 23, 0, 0, 0, time.UTC)

func newInsightHousehold(t *testing.T, env *servertest.Env) *insightHousehold {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	h := &insightHousehold{t: t, env: env, id: env.Tenant(t, "household"), home: uuid.New(), loc: loc}
	h.owner, h.member = env.User(t, h.id, "owner"), env.User(t, h.id, "member")
	h.exec("INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone) VALUES ($1, $2, 'Birchwood Lane', 'America/Chicago')",
		h.id, h.home)
	return h
}

func (h *insightHousehold) exec(sql string, args ...any) {
	h.t.Helper()
	dbtest.ExecAsTenant(h.t, h.env.Owner, h.id, sql, args...)
}

// asset adds an asset installed years ago with a purchase cost in USD cents.
func (h *insightHousehold) asset(name, category string, years, lifespanMonths int, costMinor int64) uuid.UUID {
	id := uuid.New()
	h.exec(`INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id, install_date,
			purchase_cost_minor, purchase_cost_currency, expected_lifespan_months)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'USD', $8)`,
		h.id, id, h.home, name, category, insightNow.AddDate(-years, 0, 0), costMinor, lifespanMonths)
	return id
}

// plan adds an active usage plan of asset counted from lastDone at meter
// value lastMeter.
func (h *insightHousehold) plan(asset uuid.UUID, title string, interval float64, lastDone time.Time, lastMeter float64) uuid.UUID {
	id := uuid.New()
	h.exec(`INSERT INTO maintenance.plans (tenant_id, plan_id, home_id, asset_id, display_name, meter, meter_unit, meter_interval,
			anchor, lead_days, start_date, last_done_date, last_done_meter)
		VALUES ($1, $2, $3, $4, $5, 'runtime', 'hours', $6, 'floating', 7, $7, $7, $8)`,
		h.id, id, h.home, asset, title, interval, lastDone, lastMeter)
	return id
}

func (h *insightHousehold) readings(asset uuid.UUID, rs []usageReading) {
	ids, values, times, resets := make([]uuid.UUID, len(rs)), make([]float64, len(rs)), make([]time.Time, len(rs)), make([]bool, len(rs))
	for i, r := range rs {
		ids[i], values[i], times[i], resets[i] = uuid.New(), r.value, r.at, r.reset
	}
	h.exec(`INSERT INTO maintenance.reading_facts (tenant_id, asset_id, reading_id, meter, unit, value, read_time, reset)
		SELECT $1, $2, r.id, 'runtime', 'hours', r.value, r.at, r.reset
		FROM unnest($3::uuid[], $4::float8[], $5::timestamptz[], $6::bool[]) AS r (id, value, at, reset)`,
		h.id, asset, ids, values, times, resets)
}

func (h *insightHousehold) insightName(asset uuid.UUID) string {
	return "tenants/" + h.id.String() + "/homes/" + h.home.String() + "/assets/" + asset.String() + "/insight"
}

func (h *insightHousehold) as(u servertest.User) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	h.t.Cleanup(cancel)
	return h.env.As(ctx, h.t, u)
}

type usageReading struct {
	at    time.Time
	value float64
	reset bool
}

// furnace simulates a furnace's run-hours day by day in the home's zone:
// about base hours a day on average, four times that in January and nearly
// none in July, with a weekly log-normal factor (cold snaps, a week away).
// It returns readings every 5 to 9 days from three years before insightNow
// until it, the meter's raw value at the last one, and the local day on
// which the usage after the last reading reaches each of limits.
func furnace(seed uint64, loc *time.Location, limits []float64) ([]usageReading, []time.Time) {
	r := rand.New(rand.NewPCG(seed, 42))
	base := 2 + 3*r.Float64()
	day := time.Date(2023, time.January, 20, 0, 0, 0, 0, loc)
	end := insightNow.In(loc)
	var rs []usageReading
	cum, raw, factor := 0.0, 300*r.Float64(), 1.0
	next := day.AddDate(0, 0, 3)
	crossings := make([]time.Time, len(limits))
	var lastCum float64
	for n := 0; ; n++ {
		if n%7 == 0 {
			factor = math.Exp(0.25*r.NormFloat64() - 0.25*0.25/2)
		}
		use := base * (1 + 0.75*math.Cos(2*math.Pi*float64(day.YearDay()-20)/365.25)) * factor
		if !day.Before(next) && day.Before(end) {
			at := day.Add(18 * time.Hour)
			rs = append(rs, usageReading{at: at, value: math.Floor((raw+cum+use*0.75)*10) / 10})
			lastCum = cum + use*0.75
			next = day.AddDate(0, 0, 5+r.IntN(5))
		}
		cum += use
		if !day.Before(end) || day.AddDate(0, 0, 1).After(end) {
			done := true
			for i, l := range limits {
				if crossings[i].IsZero() && len(rs) > 0 && cum-lastCum >= l {
					crossings[i] = day
				}
				done = done && !crossings[i].IsZero()
			}
			if done {
				return rs, crossings
			}
		}
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
	}
}

// serveInsight serves steward-maintenance as main does, at insightNow (and
// Assets, which it dials).
func serveInsight(t *testing.T) (*servertest.Env, maintenancev1.InsightServiceClient) {
	t.Helper()
	env := servertest.New(t)
	_, assetsAddr := env.ServeAt(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return assets.Services(db, t.TempDir(), env.Logger)
	})
	conn := env.Serve(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return maintenance.ServicesWithClock(func() time.Time { return insightNow })(catalog.Env{DB: db, Logger: env.Logger,
			DataDir: t.TempDir(), Targets: map[string]string{"assets": assetsAddr}})
	})
	return env, maintenancev1.NewInsightServiceClient(conn)
}

// TestSeededUsagePredictionsLandInTheirRange is the issue's "predictions on
// a seeded usage series land within their stated range", through the real
// server: 24 furnaces with three years of seasonal run-hours, a filter
// plan each; the day each meter really reaches its limit (the simulation
// continued past the last usageReading) lies in the range GetAssetInsight states
// for at least 90% of them, and every one is predicted seasonally.
func TestSeededUsagePredictionsLandInTheirRange(t *testing.T) {
	t.Parallel()
	env, c := serveInsight(t)
	h := newInsightHousehold(t, env)
	const furnaces = 24
	inside := 0
	for seed := range uint64(furnaces) {
		limit := 150 + 30*float64(seed)
		rs, crossed := furnace(seed, h.loc, []float64{limit})
		a := h.asset("Furnace", "hvac-furnace", 6, 240, 4_800_00)
		h.readings(a, rs)
		last := rs[len(rs)-1]
		h.plan(a, "Replace the furnace filter", limit, last.at.In(h.loc), last.value)

		got, err := c.GetAssetInsight(h.as(h.member), &maintenancev1.GetAssetInsightRequest{Name: h.insightName(a)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.GetPredictions()) != 1 {
			t.Fatalf("predictions %v, want one", got.GetPredictions())
		}
		p := got.GetPredictions()[0]
		if p.GetMethod() != maintenancev1.PlanPrediction_METHOD_SEASONAL {
			t.Errorf("seed %d: method %v, want SEASONAL (%s)", seed, p.GetMethod(), p.GetExplanation())
		}
		if !strings.Contains(p.GetExplanation(), "hours a week at this time of year; the ") || !strings.Contains(p.GetExplanation(), "likely") {
			t.Errorf("seed %d: explanation %q", seed, p.GetExplanation())
		}
		day := crossed[0].Format(time.DateOnly)
		if p.GetEarliestDate() <= day && day <= p.GetLatestDate() {
			inside++
		} else {
			t.Logf("seed %d: crossed %s outside %s..%s: %s", seed, day, p.GetEarliestDate(), p.GetLatestDate(), p.GetExplanation())
		}
	}
	t.Logf("%d of %d crossings inside the stated range", inside, furnaces)
	if inside*10 < furnaces*9 {
		t.Errorf("%d of %d crossings inside the stated range, want at least 90%%", inside, furnaces)
	}
}

// TestAssetInsightHealthAndRecompute: Get computes what it has not, and
// again when the asset's work changed (a repair and an overdue task
// recorded since), else answers what it stored; :recompute computes now;
// repairs at half the price new turn the hint to replacing.
func TestAssetInsightHealthAndRecompute(t *testing.T) {
	t.Parallel()
	env, c := serveInsight(t)
	h := newInsightHousehold(t, env)
	a := h.asset("Washer", "appliance-washer", 4, 132, 1_000_00)
	name := h.insightName(a)

	first, err := c.GetAssetInsight(h.as(h.owner), &maintenancev1.GetAssetInsightRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if first.GetHealthScore() != 100 || first.GetHint().GetAdvice() != maintenancev1.RepairOrReplace_ADVICE_NONE ||
		first.GetName() != name || len(first.GetPredictions()) != 0 {
		t.Errorf("a young asset without work: %v", first)
	}

	h.exec(`INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, kind, title, state, due_date, lead_days,
			completed_time, cost_minor, cost_currency)
		VALUES ($1, $2, $3, $4, 'repair', 'Replace the drain pump', 'done', $5, 0, $6, 55000, 'USD')`,
		h.id, uuid.New(), h.home, a, insightNow.AddDate(0, -2, 0), insightNow.AddDate(0, -2, 0))
	h.exec(`INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, kind, title, state, due_date, lead_days)
		VALUES ($1, $2, $3, $4, 'maintenance', 'Run a drum cleaning cycle', 'open', $5, 3)`,
		h.id, uuid.New(), h.home, a, insightNow.AddDate(0, 0, -40))

	// Get sees the work recorded since it last computed, at once.
	fresh, err := c.GetAssetInsight(h.as(h.member), &maintenancev1.GetAssetInsightRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.GetHealthScore() != 84 {
		t.Errorf("Get after new work: score %d, want 84", fresh.GetHealthScore())
	}
	// Unchanged since, it answers what it stored.
	h.exec("UPDATE maintenance.asset_health SET score = 11 WHERE tenant_id = $1 AND asset_id = $2", h.id, a)
	again, err := c.GetAssetInsight(h.as(h.member), &maintenancev1.GetAssetInsightRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if again.GetHealthScore() != 11 || !again.GetComputeTime().AsTime().Equal(fresh.GetComputeTime().AsTime()) {
		t.Errorf("Get with nothing new recomputed: score %d at %v", again.GetHealthScore(), again.GetComputeTime().AsTime())
	}

	// A MEMBER may recompute (maintenance.read): see the contract for why.
	got, err := c.RecomputeAssetInsight(h.as(h.member), &maintenancev1.RecomputeAssetInsightRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetHealthScore() != 100-7-9 {
		t.Errorf("score %d, want 84 (a repair 7, one task 40 days overdue 9): %v", got.GetHealthScore(), got.GetHealthReasons())
	}
	kinds := []maintenancev1.HealthReason_Kind{}
	for _, r := range got.GetHealthReasons() {
		kinds = append(kinds, r.GetKind())
	}
	if len(kinds) != 2 || kinds[0] != maintenancev1.HealthReason_KIND_OVERDUE || kinds[1] != maintenancev1.HealthReason_KIND_REPAIRS {
		t.Errorf("reasons %v", got.GetHealthReasons())
	}
	hint := got.GetHint()
	if hint.GetAdvice() != maintenancev1.RepairOrReplace_ADVICE_REPLACE || hint.GetRepairSpendPercent() != 55 ||
		hint.GetRepairSpend().GetAmountMinor() != 55000 || hint.GetRepairSpend().GetCurrencyCode() != "USD" ||
		!strings.Contains(hint.GetDescription(), "$550.00, 55% of the $1,000.00 it cost new") {
		t.Errorf("hint %v", hint)
	}
	var score int
	dbtest.QueryRowAsTenant(t, env.Owner, h.id, "SELECT score FROM maintenance.asset_health WHERE tenant_id = $1 AND asset_id = $2",
		[]any{h.id, a}, &score)
	if score != 84 {
		t.Errorf("stored score %d, want 84", score)
	}

	// Retired in Assets: out of use, it has no insight, and the night drops
	// what it had.
	h.exec("UPDATE maintenance.asset_facts SET status = 'retired' WHERE tenant_id = $1 AND asset_id = $2", h.id, a)
	_, err = c.GetAssetInsight(h.as(h.member), &maintenancev1.GetAssetInsightRequest{Name: name})
	if status.Code(err) != codes.FailedPrecondition || apierror.ReasonOf(err) != "ASSET_RETIRED" {
		t.Errorf("Get of a retired asset: %v, want FAILED_PRECONDITION ASSET_RETIRED", err)
	}
	_, err = c.RecomputeAssetInsight(h.as(h.member), &maintenancev1.RecomputeAssetInsightRequest{Name: name})
	if status.Code(err) != codes.FailedPrecondition || apierror.ReasonOf(err) != "ASSET_RETIRED" {
		t.Errorf("Recompute of a retired asset: %v, want FAILED_PRECONDITION ASSET_RETIRED", err)
	}
	db := tenantdb.New(env.DB.AppPool(t))
	if n, err := server.RecomputeTenant(scope.WithTenant(context.Background(), scope.Tenant{TenantID: h.id}), db, h.id, insightNow); err != nil || n != 0 {
		t.Fatalf("RecomputeTenant: %d, %v", n, err)
	}
	var rows int
	dbtest.QueryRowAsTenant(t, env.Owner, h.id, "SELECT count(*) FROM maintenance.asset_health WHERE tenant_id = $1", []any{h.id}, &rows)
	if rows != 0 {
		t.Errorf("%d health rows of a retired asset after the night", rows)
	}
}

// TestAssetInsightIsTheTenants: another tenant's asset is NOT_FOUND to Get
// and :recompute alike, and so is an asset Maintenance has not heard of; a
// school's PARENT, who does not read maintenance, is refused.
func TestAssetInsightIsTheTenants(t *testing.T) {
	t.Parallel()
	env, c := serveInsight(t)
	h := newInsightHousehold(t, env)
	other := newInsightHousehold(t, env)
	theirs := other.asset("Furnace", "hvac-furnace", 2, 240, 0)

	mine := "tenants/" + h.id.String() + "/homes/" + other.home.String() + "/assets/" + theirs.String() + "/insight"
	for _, name := range []string{other.insightName(theirs), mine, h.insightName(uuid.New())} {
		_, err := c.GetAssetInsight(h.as(h.owner), &maintenancev1.GetAssetInsightRequest{Name: name})
		if status.Code(err) != codes.NotFound {
			t.Errorf("Get %s: %v, want NOT_FOUND", name, err)
		}
		_, err = c.RecomputeAssetInsight(h.as(h.owner), &maintenancev1.RecomputeAssetInsightRequest{Name: name})
		if status.Code(err) != codes.NotFound {
			t.Errorf("Recompute %s: %v, want NOT_FOUND", name, err)
		}
	}
	var rows int
	dbtest.QueryRowAsTenant(t, env.Owner, other.id, "SELECT count(*) FROM maintenance.asset_health WHERE tenant_id = $1", []any{other.id}, &rows)
	if rows != 0 {
		t.Errorf("the other tenant has %d health rows", rows)
	}

	school := env.Tenant(t, "school")
	parent := env.User(t, school, "parent")
	ctx := h.as(parent)
	name := "tenants/" + school.String() + "/homes/" + uuid.NewString() + "/assets/" + uuid.NewString() + "/insight"
	if _, err := c.GetAssetInsight(ctx, &maintenancev1.GetAssetInsightRequest{Name: name}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("PARENT Get: %v, want PERMISSION_DENIED", err)
	}
	if _, err := c.RecomputeAssetInsight(ctx, &maintenancev1.RecomputeAssetInsightRequest{Name: name}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("PARENT Recompute: %v, want PERMISSION_DENIED", err)
	}
}

// TestNightlyRecomputeCoversTheTenant: the nightly job's work computes every
// asset of its tenant (more than one page of them) and no other tenant's.
func TestNightlyRecomputeCoversTheTenant(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	h := newInsightHousehold(t, env)
	other := newInsightHousehold(t, env)
	other.asset("Boiler", "hvac-boiler", 2, 180, 0)
	for range 205 {
		h.asset("Smoke alarm", "smoke-detector", 10, 120, 39_00)
	}
	db := tenantdb.New(env.DB.AppPool(t))
	n, err := server.RecomputeTenant(scope.WithTenant(context.Background(), scope.Tenant{TenantID: h.id}), db, h.id, insightNow)
	if err != nil || n != 205 {
		t.Fatalf("RecomputeTenant: %d, %v", n, err)
	}
	var mine, replace, theirs int
	dbtest.QueryRowAsTenant(t, env.Owner, h.id, "SELECT count(*), count(*) FILTER (WHERE hint = 'replace') FROM maintenance.asset_health WHERE tenant_id = $1",
		[]any{h.id}, &mine, &replace)
	dbtest.QueryRowAsTenant(t, env.Owner, other.id, "SELECT count(*) FROM maintenance.asset_health WHERE tenant_id = $1", []any{other.id}, &theirs)
	if mine != 205 || replace != 205 || theirs != 0 {
		t.Errorf("health rows: %d (%d replace) of the tenant, %d of the other", mine, replace, theirs)
	}
}

// TestSeededHouseholdInsight reads the insight of the Morgan household as
// `make run` seeds it: the furnace's filter is predicted from its seasonal
// run-hours; the seeded first night, worked by the service's queue,
// computes every asset; the disposal whose repairs cost most of its price
// is to be replaced, and the old Outback is still worth repairing.
func TestSeededHouseholdInsight(t *testing.T) {
	t.Parallel()
	env, c := serveInsight(t)
	if _, err := seed.Seed(context.Background(), env.DB.OwnerURL, seed.Options{Issuer: env.Issuer, Now: insightNow}); err != nil {
		t.Fatal(err)
	}
	member := env.User(t, seed.HouseholdTenantID, "member")
	ctx, cancel := context.WithTimeout(env.As(context.Background(), t, member), time.Minute)
	defer cancel()
	asset := func(name string) (string, uuid.UUID) {
		var home, id uuid.UUID
		dbtest.QueryRowAsTenant(t, env.Owner, seed.HouseholdTenantID,
			"SELECT home_id, asset_id FROM maintenance.asset_facts WHERE tenant_id = $1 AND display_name = $2", []any{seed.HouseholdTenantID, name}, &home, &id)
		return "tenants/" + seed.HouseholdTenantID.String() + "/homes/" + home.String() + "/assets/" + id.String() + "/insight", id
	}

	name, _ := asset("Furnace")
	got, err := c.GetAssetInsight(ctx, &maintenancev1.GetAssetInsightRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	var filter *maintenancev1.PlanPrediction
	for _, p := range got.GetPredictions() {
		t.Logf("furnace: %s: %v %s..%s..%s: %s", p.GetPlanDisplayName(), p.GetMethod(), p.GetEarliestDate(), p.GetPredictedDate(),
			p.GetLatestDate(), p.GetExplanation())
		if strings.Contains(p.GetPlanDisplayName(), "filter") {
			filter = p
		}
	}
	if filter == nil || filter.GetMethod() != maintenancev1.PlanPrediction_METHOD_SEASONAL || filter.GetWeeklyUsage() < 20 {
		t.Errorf("the furnace filter's prediction: %v", filter)
	}
	t.Logf("furnace health %d: %v; %v", got.GetHealthScore(), got.GetHealthReasons(), got.GetHint())

	// The seeded first night, worked by the service's own queue, computes
	// every asset of the household.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pending, computed, assets int
		if err := env.Owner.QueryRow(context.Background(), `SELECT count(*) FROM jobs.river_job WHERE kind = 'maintenance_nightly_insight'
			AND args->>'night' = '2026-01-20' AND state <> 'completed'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		dbtest.QueryRowAsTenant(t, env.Owner, seed.HouseholdTenantID, `SELECT (SELECT count(*) FROM maintenance.asset_health WHERE tenant_id = $1),
			(SELECT count(*) FROM maintenance.asset_facts WHERE tenant_id = $1 AND NOT deleted AND status <> 'retired')`, []any{seed.HouseholdTenantID}, &computed, &assets)
		if pending == 0 && computed == assets {
			t.Logf("the first night computed %d assets", computed)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first night: %d jobs pending, %d of %d assets computed", pending, computed, assets)
		}
		time.Sleep(200 * time.Millisecond)
	}

	for _, tc := range []struct {
		asset string
		want  maintenancev1.RepairOrReplace_Advice
	}{
		{"Garbage disposal", maintenancev1.RepairOrReplace_ADVICE_REPLACE},
		{"Subaru Outback", maintenancev1.RepairOrReplace_ADVICE_REPAIR},
		{"Refrigerator", maintenancev1.RepairOrReplace_ADVICE_NONE},
	} {
		name, _ := asset(tc.asset)
		got, err := c.GetAssetInsight(ctx, &maintenancev1.GetAssetInsightRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: health %d %v; hint %v", tc.asset, got.GetHealthScore(), got.GetHealthReasons(), got.GetHint())
		if got.GetHint().GetAdvice() != tc.want {
			t.Errorf("%s: hint %v, want %v", tc.asset, got.GetHint(), tc.want)
		}
	}
}

// TestNightlyInsightRunsOnTheQueue: the first read of a tenant's insight
// queues its next night (03:00 in the home's zone, once however often it is
// read); a night's job, worked by River, recomputes every asset of the
// tenant and queues the following night.
func TestNightlyInsightRunsOnTheQueue(t *testing.T) {
	t.Parallel()
	env, c := serveInsight(t)
	h := newInsightHousehold(t, env)
	first := h.asset("Furnace", "hvac-furnace", 6, 240, 4_800_00)
	second := h.asset("Water heater", "water-heater", 14, 144, 1_100_00)
	for range 3 {
		if _, err := c.GetAssetInsight(h.as(h.owner), &maintenancev1.GetAssetInsightRequest{Name: h.insightName(first)}); err != nil {
			t.Fatal(err)
		}
	}
	var queued int
	var at time.Time
	if err := env.Owner.QueryRow(context.Background(), `SELECT count(*), min(scheduled_at) FROM jobs.river_job
		WHERE kind = 'maintenance_nightly_insight' AND args->>'tenant' = $1 AND args->>'night' = '2026-01-21'`, h.id.String()).Scan(&queued, &at); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 1, 21, 3, 0, 0, 0, h.loc); queued != 1 || !at.Equal(want) {
		t.Errorf("%d nightly jobs queued, at %v; want one at %v", queued, at, want)
	}

	// Work a night now, on a queue of the test's own (the night the reads
	// queued goes: it would be the next one's duplicate).
	if _, err := env.Owner.Exec(context.Background(), "DELETE FROM jobs.river_job WHERE kind = 'maintenance_nightly_insight'"); err != nil {
		t.Fatal(err)
	}
	db := tenantdb.New(env.DB.AppPool(t))
	q, err := jobs.New(db, jobs.Config{Queue: "insight-test", PollInterval: 100 * time.Millisecond,
		Workers: func(w *river.Workers) {
			river.AddWorker(w, &server.NightlyInsightWorker{DB: db, Now: func() time.Time { return insightNow }})
		}})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := q.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Background().Background(ctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	if _, err := q.Enqueue(ctx, server.NightlyInsightArgs{Tenant: h.id, Night: "2026-01-20"}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		if ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("the night's job: %s (%v)", ev.Kind, ev.Job.Errors)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the night's job did not run")
	}
	var health, next int
	dbtest.QueryRowAsTenant(t, env.Owner, h.id, "SELECT count(*) FROM maintenance.asset_health WHERE tenant_id = $1 AND asset_id IN ($2, $3)",
		[]any{h.id, first, second}, &health)
	if err := env.Owner.QueryRow(context.Background(), `SELECT count(*) FROM jobs.river_job WHERE kind = 'maintenance_nightly_insight'
		AND args->>'tenant' = $1 AND args->>'night' = '2026-01-21' AND queue = 'insight-test'`, h.id.String()).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if health != 2 || next != 1 {
		t.Errorf("after the night: %d assets computed (want 2), %d next nights queued on the queue (want 1)", health, next)
	}
}

// TestConcurrentInsightReadsAndRecomputes: many first reads and recomputes
// of one asset at once all succeed (one recompute of an asset at a time:
// the asset's facts row is locked), and leave one health row and one
// prediction per plan, checked in SQL.
func TestConcurrentInsightReadsAndRecomputes(t *testing.T) {
	t.Parallel()
	env, c := serveInsight(t)
	h := newInsightHousehold(t, env)
	rs, _ := furnace(7, h.loc, []float64{300})
	a := h.asset("Furnace", "hvac-furnace", 6, 240, 4_800_00)
	h.readings(a, rs)
	last := rs[len(rs)-1]
	h.plan(a, "Replace the furnace filter", 500, last.at.In(h.loc), last.value)
	h.plan(a, "Clean the blower", 1500, last.at.In(h.loc), last.value)
	ctx := h.as(h.member)
	const callers = 24
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			var err error
			if i%2 == 0 {
				_, err = c.GetAssetInsight(ctx, &maintenancev1.GetAssetInsightRequest{Name: h.insightName(a)})
			} else {
				_, err = c.RecomputeAssetInsight(ctx, &maintenancev1.RecomputeAssetInsightRequest{Name: h.insightName(a)})
			}
			errs <- err
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	var health, predictions, nights int
	dbtest.QueryRowAsTenant(t, env.Owner, h.id, `SELECT (SELECT count(*) FROM maintenance.asset_health WHERE tenant_id = $1 AND asset_id = $2),
		(SELECT count(*) FROM maintenance.plan_predictions WHERE tenant_id = $1 AND asset_id = $2)`, []any{h.id, a}, &health, &predictions)
	if err := env.Owner.QueryRow(context.Background(), `SELECT count(*) FROM jobs.river_job WHERE kind = 'maintenance_nightly_insight'
		AND args->>'tenant' = $1`, h.id.String()).Scan(&nights); err != nil {
		t.Fatal(err)
	}
	if health != 1 || predictions != 2 || nights != 1 {
		t.Errorf("%d health rows, %d predictions, %d nights queued; want 1, 2, 1", health, predictions, nights)
	}
}
