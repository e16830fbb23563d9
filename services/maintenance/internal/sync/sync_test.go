package sync_test

import (
	"context"
	"fmt"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"steward.dev/db/dbtest"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/jobs"
	"steward.dev/platform/rpcclient"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets"
	"steward.dev/services/maintenance/internal/plan"
	"steward.dev/services/maintenance/internal/sync"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// reader stands for a read of Maintenance that needs current facts (the
// dashboard): served behind the real interceptor chain, it refreshes the
// facts, relaying its caller's credentials to Assets, then reads them from
// the maintenance schema alone. It answers with the assets it knows as
// "homes" of the response, by name.
type reader struct {
	assetsv1.UnimplementedAssetServiceServer
	db    *tenantdb.DB
	facts *sync.Syncer
}

func (r reader) ListHomes(ctx context.Context, req *assetsv1.ListHomesRequest) (*assetsv1.ListHomesResponse, error) {
	if err := r.facts.Refresh(ctx); err != nil {
		return nil, err
	}
	rows, err := r.db.Scoped(ctx).Query(ctx, "SELECT asset_id FROM maintenance.asset_facts WHERE NOT deleted ORDER BY asset_id")
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, err
	}
	resp := &assetsv1.ListHomesResponse{}
	for _, id := range ids {
		resp.Homes = append(resp.Homes, &assetsv1.Home{Name: id.String()})
	}
	return resp, nil
}

type fixture struct {
	env    *servertest.Env
	assets assetsv1.AssetServiceClient // to Assets directly, as a user
	reader assetsv1.AssetServiceClient // to the reader, which syncs
	// job syncs with the service's own identity, as a job does.
	job *sync.Syncer
	// queue holds the tenants' sync jobs; tests that want them worked run
	// its Background.
	queue *jobs.Client
	// assetsCalls counts the calls the syncers made to Assets.
	assetsCalls atomic.Int64
	// identity dials Assets with the service identity, for calls tests
	// make themselves.
	identity assetsv1.AssetServiceClient
	tenant   uuid.UUID
	owner    servertest.User
}

func setup(t *testing.T) *fixture {
	t.Helper()
	env := servertest.New(t)
	f := &fixture{env: env, tenant: env.Tenant(t, "household")}
	f.owner = env.User(t, f.tenant, "owner")
	blobDir := t.TempDir()
	assetsConn, assetsAddr := env.ServeAt(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) { return assets.Services(db, blobDir, env.Logger) })
	f.assets = assetsv1.NewAssetServiceClient(assetsConn)

	identity := rpcclient.NewServiceIdentity(rpcclient.ClientCredentials{
		TokenURL: env.TokenURL(), ClientID: servertest.ServiceClient, ClientSecret: servertest.ServiceSecret,
	})
	count := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		f.assetsCalls.Add(1)
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	conn, err := rpcclient.Dial(assetsAddr, rpcclient.Options{Identity: identity, DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(count)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	syncAssets := assetsv1.NewAssetServiceClient(conn)
	plain, err := rpcclient.Dial(assetsAddr, rpcclient.Options{Identity: identity})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = plain.Close() })
	f.identity = assetsv1.NewAssetServiceClient(plain)

	readerConn := env.Serve(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		f.job = sync.New(db, syncAssets, plan.ApplyCategoryTemplates)
		var err error
		f.queue, err = jobs.New(db, jobs.Config{Queue: "maintenance", PollInterval: 100 * time.Millisecond,
			Workers: func(w *river.Workers) { river.AddWorker(w, sync.NewWorker(f.job)) }})
		if err != nil {
			return nil, err
		}
		f.job.KeepCurrent(f.queue)
		return []grpcserver.Service{{Desc: &assetsv1.AssetService_ServiceDesc, Impl: reader{db: db, facts: f.job}}}, nil
	})
	f.reader = assetsv1.NewAssetServiceClient(readerConn)
	return f
}

func (f *fixture) ctx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func (f *fixture) parent() string { return "tenants/" + f.tenant.String() }

// read is the dashboard-style read as the owner: it returns the ids of the
// assets Maintenance knows after refreshing.
func (f *fixture) read(t *testing.T) []string {
	t.Helper()
	resp, err := f.reader.ListHomes(f.env.As(f.ctx(t), t, f.owner), &assetsv1.ListHomesRequest{Parent: f.parent()})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range resp.GetHomes() {
		ids = append(ids, h.GetName())
	}
	return ids
}

func (f *fixture) createHome(t *testing.T, ctx context.Context, region, zone string) *assetsv1.Home {
	t.Helper()
	h, err := f.assets.CreateHome(ctx, &assetsv1.CreateHomeRequest{Parent: f.parent(), Home: &assetsv1.Home{
		DisplayName: "Home in " + region, TimeZone: zone, Address: &assetsv1.PostalAddress{RegionCode: region}}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (f *fixture) createAsset(t *testing.T, ctx context.Context, home, name, category string) *assetsv1.Asset {
	t.Helper()
	a, err := f.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home, Asset: &assetsv1.Asset{
		DisplayName: name, Category: "assetCategories/" + category, InstallDate: "2018-09-14",
		PurchaseCost: &typev1.Money{CurrencyCode: "AUD", AmountMinor: 389900}, ExpectedLifespanMonths: 180,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func idOf(name string) uuid.UUID {
	n, _ := uuid.Parse(name[len(name)-36:])
	return n
}

// plan writes an active plan of asset straight into A's table, as the plan
// service would.
func (f *fixture) plan(t *testing.T, asset uuid.UUID, home uuid.UUID) uuid.UUID {
	t.Helper()
	id := uuid.New()
	dbtest.ExecAsTenant(t, f.env.Owner, f.tenant, `INSERT INTO maintenance.plans (tenant_id, plan_id, home_id, asset_id, display_name,
		interval_count, interval_unit, anchor, lead_days, start_date) VALUES ($1, $2, $3, $4, 'Service', 1, 'year', 'fixed', 14, '2026-01-01')`,
		f.tenant, id, home, asset)
	return id
}

func (f *fixture) planState(t *testing.T, plan uuid.UUID) string {
	t.Helper()
	var state string
	dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, "SELECT state FROM maintenance.plans WHERE tenant_id = $1 AND plan_id = $2",
		[]any{f.tenant, plan}, &state)
	return state
}

// TestFactsFollowAssets: a home, created, updated, retired and deleted
// assets and a recorded reading, all made through Assets' API, appear in
// Maintenance's facts after a read that refreshes them as the user; a newly
// seen asset gets its category's template plans, once; the retired and the
// deleted asset's plans are retired, the others' stay.
func TestFactsFollowAssets(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := f.env.As(f.ctx(t), t, f.owner)
	home := f.createHome(t, ctx, "AU", "Australia/Sydney")
	furnace := f.createAsset(t, ctx, home.GetName(), "Furnace", "hvac-furnace")
	dryer := f.createAsset(t, ctx, home.GetName(), "Dryer", "appliance-dryer")
	heater := f.createAsset(t, ctx, home.GetName(), "Water heater", "water-heater")
	readAt := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	reading, err := f.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: furnace.GetName(), MeterReading: &assetsv1.MeterReading{
		Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: 1234.5, ReadTime: timestamppb.New(readAt)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.read(t)); got != 3 {
		t.Fatalf("after the first read Maintenance knows %d assets; want 3", got)
	}
	homeID := idOf(home.GetName())
	furnacePlan, dryerPlan, heaterPlan := f.plan(t, idOf(furnace.GetName()), homeID), f.plan(t, idOf(dryer.GetName()), homeID), f.plan(t, idOf(heater.GetName()), homeID)

	if _, err := f.assets.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{
		Asset:      &assetsv1.Asset{Name: furnace.GetName(), WarrantyExpiryDate: "2031-09-14", DisplayName: "Gas furnace"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"warranty_expiry_date", "display_name"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.assets.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{
		Asset: &assetsv1.Asset{Name: dryer.GetName(), Status: assetsv1.Asset_STATUS_RETIRED}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.assets.DeleteAsset(ctx, &assetsv1.DeleteAssetRequest{Name: heater.GetName()}); err != nil {
		t.Fatal(err)
	}
	if got := f.read(t); len(got) != 2 {
		t.Errorf("after the delete Maintenance lists %v; want the furnace and the dryer", got)
	}

	var zone, hemisphere string
	dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, "SELECT time_zone, hemisphere FROM maintenance.home_facts WHERE tenant_id = $1 AND home_id = $2",
		[]any{f.tenant, homeID}, &zone, &hemisphere)
	if zone != "Australia/Sydney" || hemisphere != "south" {
		t.Errorf("home fact: %s, %s; want Australia/Sydney in the south", zone, hemisphere)
	}
	type fact struct {
		name, category, install, warranty, status string
		cost                                      int64
		currency                                  string
		lifespan                                  int32
		deleted                                   bool
	}
	factOf := func(asset *assetsv1.Asset) fact {
		var x fact
		dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, `SELECT display_name, category_id, coalesce(install_date::text, ''),
			coalesce(warranty_expiry_date::text, ''), status, purchase_cost_minor, purchase_cost_currency, expected_lifespan_months, deleted
			FROM maintenance.asset_facts WHERE tenant_id = $1 AND asset_id = $2`, []any{f.tenant, idOf(asset.GetName())},
			&x.name, &x.category, &x.install, &x.warranty, &x.status, &x.cost, &x.currency, &x.lifespan, &x.deleted)
		return x
	}
	plans := func(asset *assetsv1.Asset) string {
		var states string
		dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, `SELECT coalesce(string_agg(template_id || ':' || state, ' ' ORDER BY template_id), '')
			FROM maintenance.plans WHERE tenant_id = $1 AND asset_id = $2 AND template_id IS NOT NULL`, []any{f.tenant, idOf(asset.GetName())}, &states)
		return states
	}
	for asset, want := range map[*assetsv1.Asset]string{
		furnace: "furnace-filter:active furnace-service:active",
		dryer:   "dryer-vent:retired",
		heater:  "water-heater-anode:retired water-heater-flush:retired water-heater-relief-valve:retired",
	} {
		if got := plans(asset); got != want {
			t.Errorf("template plans of %s: %q; want %q", asset.GetDisplayName(), got, want)
		}
	}
	for _, tc := range []struct {
		asset *assetsv1.Asset
		want  fact
		plan  uuid.UUID
		state string
	}{
		{furnace, fact{"Gas furnace", "hvac-furnace", "2018-09-14", "2031-09-14", "in_service", 389900, "AUD", 180, false}, furnacePlan, "active"},
		{dryer, fact{"Dryer", "appliance-dryer", "2018-09-14", "", "retired", 389900, "AUD", 180, false}, dryerPlan, "retired"},
		{heater, fact{"Water heater", "water-heater", "2018-09-14", "", "in_service", 389900, "AUD", 180, true}, heaterPlan, "retired"},
	} {
		if got := factOf(tc.asset); got != tc.want {
			t.Errorf("fact of %s: %+v; want %+v", tc.asset.GetDisplayName(), got, tc.want)
		}
		if got := f.planState(t, tc.plan); got != tc.state {
			t.Errorf("plan of %s: %s; want %s", tc.asset.GetDisplayName(), got, tc.state)
		}
	}
	var value float64
	var at time.Time
	dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, "SELECT value, read_time FROM maintenance.reading_facts WHERE tenant_id = $1 AND reading_id = $2",
		[]any{f.tenant, idOf(reading.GetName())}, &value, &at)
	if value != 1234.5 || !at.Equal(readAt) {
		t.Errorf("reading fact: %v at %v; want 1234.5 at %v", value, at, readAt)
	}
}

// TestReadCallsAssetsOncePerRefresh: with nothing new, a dashboard-style
// read costs one Assets call whether the tenant has 3 assets or 120; the
// first sync of 120 assets reads them in one page, not one call per asset.
func TestReadCallsAssetsOncePerRefresh(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := f.env.As(f.ctx(t), t, f.owner)
	home := f.createHome(t, ctx, "US", "America/Chicago")
	for i := range 3 {
		f.createAsset(t, ctx, home.GetName(), fmt.Sprintf("Smoke alarm %d", i), "smoke-detector")
	}
	f.read(t)
	calls := func(read func()) int64 {
		before := f.assetsCalls.Load()
		read()
		return f.assetsCalls.Load() - before
	}
	if n := calls(func() { f.read(t) }); n != 1 {
		t.Errorf("a read with 3 assets and nothing new made %d Assets calls; want 1", n)
	}
	for i := range 117 {
		f.createAsset(t, ctx, home.GetName(), fmt.Sprintf("Radiator %d", i), "hvac-boiler")
	}
	var known int
	if n := calls(func() { known = len(f.read(t)) }); n != 2 || known != 120 {
		t.Errorf("syncing 117 new assets made %d Assets calls and knows %d; want 2 (the page, then nothing new) and 120", n, known)
	}
	if n := calls(func() { f.read(t) }); n != 1 {
		t.Errorf("a read with 120 assets and nothing new made %d Assets calls; want 1", n)
	}
}

// TestConcurrentRefreshesApplyEachPageOnce: reads of one tenant refreshing
// at once leave the facts and the cursor as one refresh would.
func TestConcurrentRefreshesApplyEachPageOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := f.env.As(f.ctx(t), t, f.owner)
	home := f.createHome(t, ctx, "NZ", "Pacific/Auckland")
	for i := range 20 {
		a := f.createAsset(t, ctx, home.GetName(), fmt.Sprintf("Heat pump %d", i), "hvac-heat-pump")
		if _, err := f.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: a.GetName(), MeterReading: &assetsv1.MeterReading{
			Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: float64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	var wg stdsync.WaitGroup
	for range 8 {
		wg.Go(func() { f.read(t) })
	}
	wg.Wait()
	var assetFacts, readingFacts int
	var cursor string
	dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, `SELECT (SELECT count(*) FROM maintenance.asset_facts WHERE tenant_id = $1),
		(SELECT count(*) FROM maintenance.reading_facts WHERE tenant_id = $1),
		(SELECT cursor FROM maintenance.feed_cursors WHERE tenant_id = $1 AND source = 'assets')`, []any{f.tenant}, &assetFacts, &readingFacts, &cursor)
	if assetFacts != 20 || readingFacts != 20 {
		t.Errorf("%d asset facts and %d reading facts; want 20 and 20", assetFacts, readingFacts)
	}
	// The stored cursor is the feed's end: reading after it finds nothing.
	page, err := f.assets.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: f.parent(), PageToken: cursor})
	if err != nil || len(page.GetAssetChanges()) != 0 {
		t.Errorf("after the stored cursor: %v, %v; want no change left", page, err)
	}
}

// TestJobSyncsWithTheServiceIdentity: a job's refresh (a jobs.ForTenant
// context, no request) reads the feed with the service's own identity. That
// identity is refused without a tenant (PERMISSION_DENIED,
// SERVICE_TENANT_REQUIRED), outside the permissions granted to services
// (PERMISSION_DENIED for a write), and for another tenant than the one it
// names (NOT_FOUND).
func TestJobSyncsWithTheServiceIdentity(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := f.env.As(f.ctx(t), t, f.owner)
	home := f.createHome(t, ctx, "GB", "Europe/London")
	boiler := f.createAsset(t, ctx, home.GetName(), "Boiler", "hvac-boiler")

	tokensBefore := f.env.TokenRequests()
	if err := f.job.Refresh(jobs.ForTenant(f.ctx(t), f.tenant)); err != nil {
		t.Fatal(err)
	}
	if f.env.TokenRequests() == tokensBefore {
		t.Error("the job's refresh fetched no client-credentials token")
	}
	var hemisphere string
	var known int
	dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, `SELECT (SELECT hemisphere FROM maintenance.home_facts WHERE tenant_id = $1),
		(SELECT count(*) FROM maintenance.asset_facts WHERE tenant_id = $1 AND asset_id = $2)`, []any{f.tenant, idOf(boiler.GetName())}, &hemisphere, &known)
	if hemisphere != "north" || known != 1 {
		t.Errorf("after the job: hemisphere %q, boiler known %d times; want north and once", hemisphere, known)
	}

	// Without a tenant: no job context, so no x-steward-tenant.
	_, err := f.identity.ListAssetChanges(f.ctx(t), &assetsv1.ListAssetChangesRequest{Parent: f.parent()})
	if status.Code(err) != codes.PermissionDenied || apierror.ReasonOf(err) != "SERVICE_TENANT_REQUIRED" {
		t.Errorf("the service identity without a tenant: %v; want PERMISSION_DENIED SERVICE_TENANT_REQUIRED", err)
	}
	// A write: assets.write is no service's.
	_, err = f.identity.CreateAsset(jobs.ForTenant(f.ctx(t), f.tenant), &assetsv1.CreateAssetRequest{Parent: home.GetName(),
		Asset: &assetsv1.Asset{DisplayName: "Sneaky", Category: "assetCategories/other"}})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("the service identity writing an asset: %v; want PERMISSION_DENIED", err)
	}
	// Another tenant's feed while acting for this one.
	other := f.env.Tenant(t, "household")
	_, err = f.identity.ListAssetChanges(jobs.ForTenant(f.ctx(t), f.tenant), &assetsv1.ListAssetChangesRequest{Parent: "tenants/" + other.String()})
	if status.Code(err) != codes.NotFound {
		t.Errorf("the service identity reading another tenant's feed: %v; want NOT_FOUND", err)
	}
	// And the sync itself never writes another tenant's facts: a job for
	// the other tenant sees only that tenant's (empty) feed.
	if err := f.job.Refresh(jobs.ForTenant(f.ctx(t), other)); err != nil {
		t.Fatal(err)
	}
	var leaked int
	dbtest.QueryRowAsTenant(t, f.env.Owner, other, "SELECT count(*) FROM maintenance.asset_facts WHERE tenant_id = $1", []any{other}, &leaked)
	if leaked != 0 {
		t.Errorf("the other tenant has %d asset facts; want none", leaked)
	}
}

// TestTenantJobKeepsFactsCurrent: a tenant's first sync enqueues the
// tenant's job in the same transaction, once however often it syncs; worked,
// the job brings in what changed since without any request (so with the
// service identity), then waits for its next run.
func TestTenantJobKeepsFactsCurrent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := f.env.As(f.ctx(t), t, f.owner)
	home := f.createHome(t, ctx, "ZA", "Africa/Johannesburg")
	f.createAsset(t, ctx, home.GetName(), "Geyser", "water-heater")
	f.read(t)
	f.read(t)
	countJobs := func() (n int, state string) {
		dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, `SELECT count(*), coalesce(min(state::text), '') FROM jobs.river_job
			WHERE kind = 'maintenance_sync_facts' AND args->>'tenant_id' = $1`, []any{f.tenant.String()}, &n, &state)
		return n, state
	}
	if n, state := countJobs(); n != 1 || state != "available" {
		t.Fatalf("after two reads the tenant has %d sync jobs (%s); want one, available", n, state)
	}
	pool := f.createAsset(t, ctx, home.GetName(), "Pool pump", "pool-equipment")

	events, cancel := f.queue.Subscribe(river.EventKindJobSnoozed, river.EventKindJobFailed)
	defer cancel()
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.queue.Background().Background(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("stopping the queue: %v", err)
		}
	}()
	select {
	case e := <-events:
		if e.Kind != river.EventKindJobSnoozed {
			t.Fatalf("the sync job: %s, %v; want it snoozed after a refresh", e.Kind, e.Job.Errors)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the sync job did not run within 30 s")
	}
	var known int
	dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, "SELECT count(*) FROM maintenance.asset_facts WHERE tenant_id = $1 AND asset_id = $2",
		[]any{f.tenant, idOf(pool.GetName())}, &known)
	if known != 1 {
		t.Errorf("the pool pump, created after the last read, is known %d times after the job; want once", known)
	}
	if n, state := countJobs(); n != 1 || state != "scheduled" {
		t.Errorf("after its run the tenant has %d sync jobs (%s); want the one, scheduled again", n, state)
	}
}

// TestRefreshPassesChangesOfDeletedAssets: assets created and deleted
// before Maintenance looked fill whole pages that come back empty (their
// rows are gone); the refresh moves past them to what follows instead of
// stopping at the empty page, and never learns of the deleted assets.
func TestRefreshPassesChangesOfDeletedAssets(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sync.SetPageSize(f.job, 2)
	ctx := f.env.As(f.ctx(t), t, f.owner)
	home := f.createHome(t, ctx, "CL", "America/Santiago")
	var gone []*assetsv1.Asset
	for i := range 4 {
		gone = append(gone, f.createAsset(t, ctx, home.GetName(), fmt.Sprintf("Borrowed ladder %d", i), "other"))
	}
	kept := f.createAsset(t, ctx, home.GetName(), "Water softener", "water-softener")
	for _, a := range gone {
		if _, err := f.assets.DeleteAsset(ctx, &assetsv1.DeleteAssetRequest{Name: a.GetName()}); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.read(t); len(got) != 1 || got[0] != idOf(kept.GetName()).String() {
		t.Errorf("Maintenance knows %v; want only the water softener", got)
	}
	var facts int
	dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, "SELECT count(*) FROM maintenance.asset_facts WHERE tenant_id = $1", []any{f.tenant}, &facts)
	if facts != 1 {
		t.Errorf("%d asset facts; want 1: assets deleted before Maintenance saw them leave none", facts)
	}
}
