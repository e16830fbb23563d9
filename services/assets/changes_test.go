package assets_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"steward.dev/db/dbtest"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets"
)

type feedFixture struct {
	env    *servertest.Env
	client assetsv1.AssetServiceClient
	tenant uuid.UUID
	owner  servertest.User
}

func setupFeed(t *testing.T) *feedFixture {
	t.Helper()
	env := servertest.New(t)
	blobDir := t.TempDir()
	conn := env.Serve(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) { return assets.Services(db, blobDir, env.Logger) })
	f := &feedFixture{env: env, client: assetsv1.NewAssetServiceClient(conn), tenant: env.Tenant(t, "household")}
	f.owner = env.User(t, f.tenant, "owner")
	return f
}

func (f *feedFixture) ctx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return f.env.As(ctx, t, f.owner)
}

func (f *feedFixture) parent() string { return "tenants/" + f.tenant.String() }

func (f *feedFixture) home(t *testing.T, ctx context.Context) *assetsv1.Home {
	t.Helper()
	h, err := f.client.CreateHome(ctx, &assetsv1.CreateHomeRequest{Parent: f.parent(), Home: &assetsv1.Home{
		DisplayName: "Harbour Flat", TimeZone: "Australia/Sydney", Address: &assetsv1.PostalAddress{RegionCode: "AU"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (f *feedFixture) asset(t testing.TB, ctx context.Context, home string, name string) *assetsv1.Asset {
	t.Helper()
	a, err := f.client.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home, Asset: &assetsv1.Asset{
		DisplayName: name, Category: "assetCategories/hvac-furnace", InstallDate: "2019-10-01", WarrantyExpiryDate: "2029-10-01",
	}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// changeName says what a change is about, "asset tenants/…", "deleted_asset tenants/…".
func changeName(c *assetsv1.AssetChange) string {
	switch x := c.GetChange().(type) {
	case *assetsv1.AssetChange_Home:
		return "home " + x.Home.GetName()
	case *assetsv1.AssetChange_DeletedHome:
		return "deleted_home " + x.DeletedHome
	case *assetsv1.AssetChange_Asset:
		return "asset " + x.Asset.GetName()
	case *assetsv1.AssetChange_DeletedAsset:
		return "deleted_asset " + x.DeletedAsset
	case *assetsv1.AssetChange_MeterReading:
		return "meter_reading " + x.MeterReading.GetName()
	}
	return "?"
}

// TestAssetChangeFeed: each kind of change appears once, in commit order,
// carrying what Maintenance copies; a page with nothing new returns the
// token it was given; a resource deleted since its change is left out
// while its deletion is not; another tenant reads nothing of it.
func TestAssetChangeFeed(t *testing.T) {
	t.Parallel()
	f := setupFeed(t)
	ctx := f.ctx(t)
	base, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	first, err := f.client.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: f.parent()})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.GetAssetChanges()) != 0 || first.GetNextPageToken() == "" {
		t.Fatalf("a new tenant's feed: %v; want no change and a token to poll with", first)
	}
	home := f.home(t, ctx)
	boiler := f.asset(t, ctx, home.GetName(), "Boiler")
	gone := f.asset(t, ctx, home.GetName(), "Old dryer")
	reading, err := f.client.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: boiler.GetName(), MeterReading: &assetsv1.MeterReading{
		Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: 41.5, ReadTime: timestamppb.New(time.Now().Add(-time.Hour)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{
		Asset:      &assetsv1.Asset{Name: boiler.GetName(), Status: assetsv1.Asset_STATUS_RETIRED},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.DeleteAsset(ctx, &assetsv1.DeleteAssetRequest{Name: gone.GetName()}); err != nil {
		t.Fatal(err)
	}

	page, err := f.client.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: f.parent(), PageToken: first.GetNextPageToken()})
	if err != nil {
		t.Fatal(err)
	}
	// The dryer's creation (position 3) is left out: the dryer is gone, and
	// its deletion says so. The boiler's creation carries it as it is now.
	want := []struct {
		seq  int64
		name string
	}{
		{1, "home " + home.GetName()}, {2, "asset " + boiler.GetName()}, {4, "meter_reading " + reading.GetName()},
		{5, "asset " + boiler.GetName()}, {6, "deleted_asset " + gone.GetName()},
	}
	got := page.GetAssetChanges()
	if len(got) != len(want) {
		t.Fatalf("changes %v; want %v", got, want)
	}
	for i, w := range want {
		if got[i].GetSequence() != w.seq || changeName(got[i]) != w.name {
			t.Errorf("change %d: %d %s; want %d %s", i, got[i].GetSequence(), changeName(got[i]), w.seq, w.name)
		}
	}
	if h := got[0].GetHome(); h.GetTimeZone() != "Australia/Sydney" || h.GetAddress().GetRegionCode() != "AU" || h.GetDisplayName() != "Harbour Flat" {
		t.Errorf("home change %v: want its zone, region and name", h)
	}
	if a := got[1].GetAsset(); a.GetStatus() != assetsv1.Asset_STATUS_RETIRED || a.GetCategory() != "assetCategories/hvac-furnace" ||
		a.GetInstallDate() != "2019-10-01" || a.GetWarrantyExpiryDate() != "2029-10-01" {
		t.Errorf("asset change %v: want the asset as it is now", a)
	}
	if r := got[2].GetMeterReading(); r.GetValue() != 41.5 || r.GetMeter() != "runtime" || r.GetUnit() != assetsv1.MeterReading_UNIT_HOURS {
		t.Errorf("reading change %v", r)
	}

	// Nothing new: the same token again, to poll with.
	again, err := f.client.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: f.parent(), PageToken: page.GetNextPageToken()})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.GetAssetChanges()) != 0 || again.GetNextPageToken() != page.GetNextPageToken() {
		t.Errorf("polling with nothing new: %v; want no change and the same token", again)
	}

	// Small pages resume where the last one stopped.
	var paged []int64
	token := ""
	for range 10 {
		p, err := f.client.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: f.parent(), PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.GetAssetChanges() {
			paged = append(paged, c.GetSequence())
		}
		token = p.GetNextPageToken()
	}
	if fmt.Sprint(paged) != "[1 2 4 5 6]" {
		t.Errorf("paged by 2: %v; want [1 2 4 5 6]", paged)
	}
	// A page whose only change is of the deleted dryer is empty, and moves
	// the token past it all the same.
	two, err := f.client.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: f.parent(), PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	skipped, err := f.client.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: f.parent(), PageSize: 1, PageToken: two.GetNextPageToken()})
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped.GetAssetChanges()) != 0 || skipped.GetNextPageToken() == two.GetNextPageToken() {
		t.Errorf("the page of the dryer's creation: %v; want it empty with a token past it", skipped)
	}
	after, err := f.client.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: f.parent(), PageSize: 1, PageToken: skipped.GetNextPageToken()})
	if err != nil || len(after.GetAssetChanges()) != 1 || after.GetAssetChanges()[0].GetSequence() != 4 {
		t.Errorf("after the empty page: %v, %v; want the reading, position 4", after, err)
	}

	// Another tenant's member is no member here; a token of this tenant's
	// feed is no token for another's.
	other := f.env.Tenant(t, "household")
	stranger := f.env.User(t, other, "owner")
	_, err = f.client.ListAssetChanges(f.env.As(base, t, stranger), &assetsv1.ListAssetChangesRequest{Parent: f.parent()})
	if status.Code(err) != codes.NotFound {
		t.Errorf("another tenant's owner: %v; want NOT_FOUND", err)
	}
	_, err = f.client.ListAssetChanges(f.env.As(base, t, stranger), &assetsv1.ListAssetChangesRequest{
		Parent: "tenants/" + other.String(), PageToken: page.GetNextPageToken()})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("a token of another tenant's feed: %v; want INVALID_ARGUMENT", err)
	}
	own, err := f.client.ListAssetChanges(f.env.As(base, t, stranger), &assetsv1.ListAssetChangesRequest{Parent: "tenants/" + other.String()})
	if err != nil || len(own.GetAssetChanges()) != 0 {
		t.Errorf("the other tenant's own feed: %v, %v; want nothing of this tenant's", own, err)
	}
}

// TestAssetChangeFeedUnderConcurrentWriters: while 50 writers of one tenant
// create assets, record readings and update them concurrently, a reader
// polling the feed with small pages sees every change exactly once: no
// position appears behind its cursor after it has passed it. Checked against
// the feed's rows in SQL afterwards.
func TestAssetChangeFeedUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	f := setupFeed(t)
	ctx := f.ctx(t)
	home := f.home(t, ctx)

	const writers = 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	wrote := make(chan string, 3*writers) // what each writer's changes name
	done := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			a, err := f.client.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home.GetName(), Asset: &assetsv1.Asset{
				DisplayName: fmt.Sprintf("Smoke alarm %d", i), Category: "assetCategories/smoke-detector"}})
			if err != nil {
				errs <- err
				return
			}
			wrote <- "asset " + a.GetName()
			r, err := f.client.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: a.GetName(), MeterReading: &assetsv1.MeterReading{
				Meter: "tests", Unit: assetsv1.MeterReading_UNIT_CYCLES, Value: float64(i)}})
			if err != nil {
				errs <- err
				return
			}
			wrote <- "meter_reading " + r.GetName()
			if _, err := f.client.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{
				Asset: &assetsv1.Asset{Name: a.GetName(), Make: "Kidde"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"make"}}}); err != nil {
				errs <- err
				return
			}
			wrote <- "asset " + a.GetName()
		})
	}
	go func() { wg.Wait(); close(done) }()

	seen := map[int64]int{}
	names := map[string]int{}
	token, last, polls := "", int64(0), 0
	for finished := false; ; {
		p, err := f.client.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: f.parent(), PageSize: 7, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		polls++
		for _, c := range p.GetAssetChanges() {
			if c.GetSequence() <= last {
				t.Errorf("position %d after %d: the feed went backwards", c.GetSequence(), last)
			}
			last = c.GetSequence()
			seen[c.GetSequence()]++
			names[changeName(c)]++
		}
		token = p.GetNextPageToken()
		if finished && len(p.GetAssetChanges()) == 0 {
			break
		}
		select {
		case <-done:
			finished = true // one more pass reads what the last writers committed
		default:
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	close(wrote)

	var rows, maxSeq int64
	dbtest.QueryRowAsTenant(t, f.env.Owner, f.tenant, "SELECT count(*), max(seq) FROM assets.changes WHERE tenant_id = $1", []any{f.tenant}, &rows, &maxSeq)
	if want := int64(1 + 3*writers); rows != want || maxSeq != want {
		t.Fatalf("the feed holds %d changes up to position %d; want %d, 1..%d without gaps", rows, maxSeq, want, want)
	}
	for seq := int64(1); seq <= rows; seq++ {
		if seen[seq] != 1 {
			t.Errorf("position %d seen %d times; want exactly once", seq, seen[seq])
		}
	}
	want := map[string]int{"home " + home.GetName(): 1}
	for name := range wrote {
		want[name]++
	}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("the reader saw %v; want %v", names, want)
	}
	t.Logf("%d changes read in %d polls", rows, polls)
}
