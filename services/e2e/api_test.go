package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"steward.dev/db/dbtest"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
)

func newHome(t *testing.T, s *stack, ctx context.Context) string {
	t.Helper()
	h, err := s.assets.CreateHome(ctx, &assetsv1.CreateHomeRequest{
		Parent: "tenants/" + s.summary.HouseholdTenantID.String(),
		Home:   &assetsv1.Home{DisplayName: "Test home " + t.Name(), TimeZone: "America/Denver"},
	})
	if err != nil {
		t.Fatalf("CreateHome: %v", err)
	}
	return h.GetName()
}

// TestReadmeFlow is the README's curl walk-through, through the gateway.
func TestReadmeFlow(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tok := s.token(t, householdOwner)
	var tenants struct {
		Tenants []struct{ Name, Kind string } `json:"tenants"`
	}
	if code := s.httpDo(t, http.MethodGet, "/v1/tenants", tok, "", &tenants); code != 200 || len(tenants.Tenants) != 1 || tenants.Tenants[0].Kind != "KIND_HOUSEHOLD" {
		t.Fatalf("GET /v1/tenants: %d %+v", code, tenants)
	}
	tenant := tenants.Tenants[0].Name
	var home struct{ Name string }
	if code := s.httpDo(t, http.MethodPost, "/v1/"+tenant+"/homes", tok,
		`{"displayName":"Beach house","timeZone":"America/Los_Angeles","address":{"addressLines":["12 Ocean Ave"],"locality":"Carmel","regionCode":"US"}}`, &home); code != 200 {
		t.Fatalf("create home: %d", code)
	}
	var asset struct{ Name, DisplayName, Etag string }
	if code := s.httpDo(t, http.MethodPost, "/v1/"+home.Name+"/assets", tok,
		`{"displayName":"Water heater","category":"assetCategories/water-heater","make":"Rheem","model":"XE50M06ST45U1","purchaseCost":{"currencyCode":"USD","amountMinor":"129900"},"installDate":"2024-05-02","warrantyExpiryDate":"2030-05-02"}`, &asset); code != 200 {
		t.Fatalf("create asset: %d", code)
	}
	var got struct {
		Name, Model  string
		PurchaseCost struct{ CurrencyCode, AmountMinor string }
	}
	if code := s.httpDo(t, http.MethodGet, "/v1/"+asset.Name, tok, "", &got); code != 200 || got.Model != "XE50M06ST45U1" || got.PurchaseCost.AmountMinor != "129900" {
		t.Fatalf("get asset: %d %+v", code, got)
	}
	// A stale etag through the gateway is 412.
	var e struct{ Status string }
	body := `{"displayName":"Renamed","etag":"999"}`
	if code := s.httpDo(t, http.MethodPatch, "/v1/"+asset.Name+"?updateMask=displayName", tok, body, &e); code != http.StatusPreconditionFailed || e.Status != "ABORTED" {
		t.Fatalf("stale etag: %d %+v, want 412 ABORTED", code, e)
	}
}

// TestBadInputIs400NamingTheField: nothing a client sends gets a 500.
func TestBadInputIs400NamingTheField(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tok := s.token(t, householdOwner)
	tenant := "tenants/" + s.summary.HouseholdTenantID.String()
	homeName := newHome(t, s, s.as(t, householdOwner))
	cases := []struct {
		name, method, path, body, field string
	}{
		{"missing display name", "POST", "/v1/" + tenant + "/homes", `{"timeZone":"UTC"}`, "home.display_name"},
		{"bad time zone", "POST", "/v1/" + tenant + "/homes", `{"displayName":"x","timeZone":"Mars/Olympus"}`, "home.time_zone"},
		{"bad date", "POST", "/v1/" + homeName + "/assets", `{"displayName":"x","category":"assetCategories/roof","installDate":"2024-13-45"}`, "asset.install_date"},
		{"unknown category", "POST", "/v1/" + homeName + "/assets", `{"displayName":"x","category":"assetCategories/time-machine"}`, "asset.category"},
		{"negative cost", "POST", "/v1/" + homeName + "/assets", `{"displayName":"x","category":"assetCategories/roof","purchaseCost":{"currencyCode":"USD","amountMinor":"-5"}}`, "asset.purchase_cost"},
		{"bad currency", "POST", "/v1/" + homeName + "/assets", `{"displayName":"x","category":"assetCategories/roof","purchaseCost":{"currencyCode":"usd","amountMinor":"5"}}`, "asset.purchase_cost.currency_code"},
		{"negative page size", "GET", "/v1/" + homeName + "/assets?pageSize=-1", "", "page_size"},
		{"repeated filter condition", "GET", "/v1/" + homeName + "/assets?filter=make%3D%22a%22%20AND%20make%3D%22b%22", "", "filter"},
		{"bad filter", "GET", "/v1/" + homeName + "/assets?filter=colour%3D%22red%22", "", "filter"},
		{"bad page token", "GET", "/v1/" + homeName + "/assets?pageToken=zzz", "", "page_token"},
		{"bad update mask", "PATCH", "/v1/" + homeName + "?updateMask=colour", `{"displayName":"y"}`, "update_mask"},
		{"bad request id", "POST", "/v1/" + tenant + "/homes?requestId=not-a-uuid", `{"displayName":"x","timeZone":"UTC"}`, "request_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e apiError
			code := s.httpDo(t, c.method, c.path, tok, c.body, &e)
			fields := e.fields()
			if code != http.StatusBadRequest || !containsPrefix(fields, c.field) {
				t.Fatalf("%s %s: %d %s fields %v, want 400 naming %s", c.method, c.path, code, e.Status, fields, c.field)
			}
		})
	}
	// Malformed JSON and unknown fields are the client's mistake too.
	for _, body := range []string{`{"displayName":`, `{"displayName":"x","timeZone":"UTC","colour":"red"}`} {
		if code := s.httpDo(t, "POST", "/v1/"+tenant+"/homes", tok, body, nil); code != http.StatusBadRequest {
			t.Errorf("body %s: %d, want 400", body, code)
		}
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// apiError is the gateway's JSON answer for an error.
type apiError struct {
	Status  string
	Details []struct {
		Reason          string
		FieldViolations []struct{ Field string } `json:"fieldViolations"`
	}
}

func (e apiError) fields() []string {
	var fields []string
	for _, d := range e.Details {
		for _, v := range d.FieldViolations {
			fields = append(fields, v.Field)
		}
	}
	return fields
}

// TestPageSizeAboveMaximumIsCoerced: AIP-158, a page_size above the
// maximum is read as the maximum, not refused.
func TestPageSizeAboveMaximumIsCoerced(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	home := newHome(t, s, ctx)
	a, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home,
		Asset: &assetsv1.Asset{DisplayName: "Dryer", Category: "assetCategories/appliance-dryer"}})
	if err != nil {
		t.Fatal(err)
	}
	if code := s.httpDo(t, http.MethodGet, "/v1/"+home+"/assets?pageSize=5000", s.token(t, householdOwner), "", nil); code != http.StatusOK {
		t.Fatalf("GET assets?pageSize=5000: %d, want 200", code)
	}
	const huge = 1<<31 - 1
	max, err := s.assets.ListAssetCategories(ctx, &assetsv1.ListAssetCategoriesRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	over, err := s.assets.ListAssetCategories(ctx, &assetsv1.ListAssetCategoriesRequest{PageSize: huge})
	if err != nil || len(over.GetAssetCategories()) != len(max.GetAssetCategories()) || over.GetNextPageToken() != max.GetNextPageToken() {
		t.Fatalf("ListAssetCategories(page_size %d): %d categories, %v; with 1000: %d", huge, len(over.GetAssetCategories()), err, len(max.GetAssetCategories()))
	}
	calls := map[string]func() error{
		"ListHomes": func() error {
			_, err := s.assets.ListHomes(ctx, &assetsv1.ListHomesRequest{Parent: "tenants/" + s.summary.HouseholdTenantID.String(), PageSize: huge})
			return err
		},
		"ListLocations": func() error {
			_, err := s.assets.ListLocations(ctx, &assetsv1.ListLocationsRequest{Parent: home, PageSize: huge})
			return err
		},
		"ListAssets": func() error {
			_, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: home, PageSize: huge})
			return err
		},
		"ListMeterReadings": func() error {
			_, err := s.assets.ListMeterReadings(ctx, &assetsv1.ListMeterReadingsRequest{Parent: a.GetName(), PageSize: huge})
			return err
		},
		"ListAttachments": func() error {
			_, err := s.assets.ListAttachments(ctx, &assetsv1.ListAttachmentsRequest{Parent: a.GetName(), PageSize: huge})
			return err
		},
	}
	for name, call := range calls {
		if err := call(); err != nil {
			t.Errorf("%s(page_size %d): %v", name, huge, err)
		}
	}
}

// TestFilterRefusesRepeatedConditions: a second condition for the same field
// and operator used to replace the first without a word.
func TestFilterRefusesRepeatedConditions(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdMember)
	parent := "tenants/" + s.summary.HouseholdTenantID.String() + "/homes/-"
	_, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: parent,
		Filter: `warranty_expiry_date < "2025-01-01" AND warranty_expiry_date < "2030-01-01"`})
	if status.Code(err) != codes.InvalidArgument || !containsPrefix(apierror.ViolatedFields(err), "filter") {
		t.Fatalf("repeated condition: %v, want InvalidArgument naming filter", err)
	}
	// A range uses the field twice with different operators.
	if _, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: parent,
		Filter: `warranty_expiry_date >= "2025-01-01" AND warranty_expiry_date < "2030-01-01"`}); err != nil {
		t.Fatalf("date range: %v", err)
	}
}

// TestFilterErrorsKeepCharactersWhole: a mistake next to a non-ASCII
// character is a 400 with a readable, valid UTF-8 message.
func TestFilterErrorsKeepCharactersWhole(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdMember)
	parent := "tenants/" + s.summary.HouseholdTenantID.String() + "/homes/-"
	for _, filter := range []string{`colouré = "red"`, `façade = "x"`, `make = "x" ANDé make = "y"`} {
		_, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: parent, Filter: filter})
		if status.Code(err) != codes.InvalidArgument || !utf8.ValidString(status.Convert(err).Message()) || !containsPrefix(apierror.ViolatedFields(err), "filter") {
			t.Errorf("filter %s: %v, want InvalidArgument naming filter, in valid UTF-8", filter, err)
		}
		var e apiError
		code := s.httpDo(t, http.MethodGet, "/v1/"+parent+"/assets?filter="+url.QueryEscape(filter), s.token(t, householdMember), "", &e)
		if code != http.StatusBadRequest || !containsPrefix(e.fields(), "filter") {
			t.Errorf("GET filter %s: %d %+v, want 400 naming filter", filter, code, e)
		}
	}
}

// TestAttachmentRequestIDIsBoundToItsAsset: a request_id already used for
// another asset's attachment is REQUEST_ID_REUSED, as for every other
// resource, never that other attachment.
func TestAttachmentRequestIDIsBoundToItsAsset(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	home := newHome(t, s, ctx)
	var assets [2]*assetsv1.Asset
	for i := range assets {
		a, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home,
			Asset: &assetsv1.Asset{DisplayName: fmt.Sprintf("Radiator %d", i), Category: "assetCategories/hvac-boiler"}})
		if err != nil {
			t.Fatal(err)
		}
		assets[i] = a
	}
	create := func(parent, rid string) (*assetsv1.Attachment, error) {
		return s.assets.CreateAttachment(ctx, &assetsv1.CreateAttachmentRequest{Parent: parent, RequestId: rid, Content: []byte("manual for " + parent),
			Attachment: &assetsv1.Attachment{Kind: assetsv1.Attachment_KIND_MANUAL, Filename: "manual.txt", ContentType: "text/plain"}})
	}
	rid := uuid.NewString()
	first, err := create(assets[0].GetName(), rid)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := create(assets[0].GetName(), rid); err != nil || again.GetName() != first.GetName() {
		t.Fatalf("retry: %v %v, want %s", again.GetName(), err, first.GetName())
	}
	other, err := create(assets[1].GetName(), rid)
	if status.Code(err) != codes.AlreadyExists || apierror.ReasonOf(err) != "REQUEST_ID_REUSED" {
		t.Fatalf("request_id reused for another asset: %v %v, want AlreadyExists REQUEST_ID_REUSED", other.GetName(), err)
	}
	// Nor does a retry find the attachment under another home's name.
	elsewhere := newHome(t, s, ctx) + "/assets/" + strings.TrimPrefix(assets[0].GetName(), home+"/assets/")
	if _, err := create(elsewhere, rid); status.Code(err) != codes.NotFound {
		t.Fatalf("retry under another home: %v, want NotFound", err)
	}

	// Racing creates with one request_id for both assets: all that succeed
	// got the one attachment, made for their own asset; the rest are refused.
	rid = uuid.NewString()
	const n = 16
	names := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := create(assets[i%2].GetName(), rid)
			names[i], errs[i] = a.GetName(), err
		}()
	}
	wg.Wait()
	winner := ""
	for i := range n {
		switch {
		case errs[i] == nil:
			if !strings.HasPrefix(names[i], assets[i%2].GetName()+"/") || (winner != "" && names[i] != winner) {
				t.Fatalf("call %d for %s got %s (others got %s)", i, assets[i%2].GetName(), names[i], winner)
			}
			winner = names[i]
		case status.Code(errs[i]) != codes.AlreadyExists || apierror.ReasonOf(errs[i]) != "REQUEST_ID_REUSED":
			t.Fatalf("call %d: %v", i, errs[i])
		}
	}
	var count int
	s.ownerQuery(t, s.summary.HouseholdTenantID, "SELECT count(*) FROM assets.attachments WHERE request_id = $1", []any{rid}, &count)
	if winner == "" || count != 1 {
		t.Fatalf("%d attachments for one request_id (winner %q), want 1", count, winner)
	}
}

// TestMeterReadingReadTimeMustBeValid: a read_time out of the Timestamp
// range, before 1970 or with nanos outside [0, 1e9) is refused.
func TestMeterReadingReadTimeMustBeValid(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	home := newHome(t, s, ctx)
	a, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home,
		Asset: &assetsv1.Asset{DisplayName: "Heat pump", Category: "assetCategories/hvac-heat-pump"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	for _, ts := range []*timestamppb.Timestamp{
		{Seconds: -1 << 62}, {Seconds: -1}, {Seconds: 0}, {Seconds: now - 60, Nanos: -1}, {Seconds: now - 60, Nanos: 1e9}, {Seconds: 1 << 62},
	} {
		_, err := s.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: a.GetName(),
			MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: 1, ReadTime: ts}})
		if status.Code(err) != codes.InvalidArgument || !containsPrefix(apierror.ViolatedFields(err), "meter_reading.read_time") {
			t.Errorf("read_time %v: %v, want InvalidArgument naming meter_reading.read_time", ts, err)
		}
	}
	if _, err := s.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: a.GetName(),
		MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: 1,
			ReadTime: &timestamppb.Timestamp{Seconds: now - 60, Nanos: 999_999_999}}}); err != nil {
		t.Fatalf("a valid read_time: %v", err)
	}
}

// TestConcurrentRetriesCreateOnce fires the same create many times at once:
// one asset exists afterwards and every caller got it.
func TestConcurrentRetriesCreateOnce(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	home := newHome(t, s, ctx)
	rid := uuid.NewString()
	const n = 24
	names := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home, RequestId: rid,
				Asset: &assetsv1.Asset{DisplayName: "Sump pump", Category: "assetCategories/sump-pump", Make: "Zoeller", Model: "M53"}})
			names[i], errs[i] = a.GetName(), err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || names[i] != names[0] {
			t.Fatalf("call %d: %q %v, want %q", i, names[i], errs[i], names[0])
		}
	}
	var count int
	s.ownerQuery(t, s.summary.HouseholdTenantID, "SELECT count(*) FROM assets.assets WHERE request_id = $1", []any{rid}, &count)
	if count != 1 {
		t.Fatalf("%d assets for one request_id, want 1", count)
	}
}

// TestConcurrentUpdatesWithEtags: of many updates sent with the same etag,
// exactly one wins and the rest are ABORTED.
func TestConcurrentUpdatesWithEtags(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	home := newHome(t, s, ctx)
	a, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home,
		Asset: &assetsv1.Asset{DisplayName: "Roof", Category: "assetCategories/roof"}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	codesSeen := make([]codes.Code, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.assets.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{
				Asset:      &assetsv1.Asset{Name: a.GetName(), Make: fmt.Sprintf("Roofer %d", i), Etag: a.GetEtag()},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"make"}},
			})
			codesSeen[i] = status.Code(err)
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codesSeen {
		switch c {
		case codes.OK:
			ok++
		case codes.Aborted:
		default:
			t.Fatalf("unexpected code %v", c)
		}
	}
	if ok != 1 {
		t.Fatalf("%d updates won with the same etag, want 1", ok)
	}
	got, _ := s.assets.GetAsset(ctx, &assetsv1.GetAssetRequest{Name: a.GetName()})
	if got.GetEtag() != "2" {
		t.Fatalf("etag after one update = %q, want 2", got.GetEtag())
	}
}

// TestMeterReadingsStayMonotonicUnderConcurrency races readings at one
// meter and then checks in SQL that the stored history never goes down.
func TestMeterReadingsStayMonotonicUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	home := newHome(t, s, ctx)
	a, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home,
		Asset: &assetsv1.Asset{DisplayName: "Generator", Category: "assetCategories/electrical-generator"}})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-48 * time.Hour)
	const n = 32
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Later readings have higher values, but they arrive in any order
			// and some carry a value that goes backwards on purpose.
			v := float64(i * 10)
			if i%5 == 4 {
				v = 1
			}
			_, err := s.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: a.GetName(),
				MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: v,
					ReadTime: timestamppb.New(base.Add(time.Duration(i) * time.Minute))}})
			if err != nil && status.Code(err) != codes.FailedPrecondition {
				t.Errorf("reading %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	var backwards int
	s.ownerQuery(t, s.summary.HouseholdTenantID, `
		SELECT count(*) FROM (
		  SELECT value < lag(value) OVER (ORDER BY read_time) AS down, reset
		  FROM assets.meter_readings WHERE asset_id = $1 AND meter = 'runtime') r
		WHERE down AND NOT reset`, []any{uuid.MustParse(a.GetName()[len(a.GetName())-36:])}, &backwards)
	if backwards != 0 {
		t.Fatalf("%d readings go backwards", backwards)
	}
	// A reset may go down.
	if _, err := s.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: a.GetName(),
		MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: 0, MeterReset: true}}); err != nil {
		t.Fatalf("reset reading: %v", err)
	}
	_, err = s.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: a.GetName(),
		MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_CYCLES, Value: 5}})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("unit change: %v, want InvalidArgument", err)
	}
}

// TestListPagesAndFilters walks the household's assets across homes page by
// page and checks the filters against SQL. Other tests add and delete assets
// in the household meanwhile, so each answer is checked against what the
// database held just before and just after it.
func TestListPagesAndFilters(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdMember)
	tenant := s.summary.HouseholdTenantID
	parent := "tenants/" + tenant.String() + "/homes/-"
	names := func(where string, args ...any) map[string]bool {
		var list []string
		s.ownerQuery(t, tenant, `SELECT coalesce(array_agg('tenants/' || tenant_id || '/homes/' || home_id || '/assets/' || asset_id), '{}')
			FROM assets.assets WHERE tenant_id = $1 `+where, append([]any{tenant}, args...), &list)
		set := make(map[string]bool, len(list))
		for _, n := range list {
			set[n] = true
		}
		return set
	}
	// between checks got against snapshots taken before and after it: what
	// existed throughout must be there, and anything else must have come or
	// gone meanwhile, not be a row the query should not have matched.
	between := func(what string, got, before, after map[string]bool) {
		t.Helper()
		for n := range before {
			if after[n] && !got[n] {
				t.Errorf("%s: %s existed throughout but was not listed", what, n)
			}
		}
		all := names("")
		for n := range got {
			if !before[n] && !after[n] && all[n] {
				t.Errorf("%s: %s was listed but does not match", what, n)
			}
		}
	}

	before := names("")
	seen := map[string]bool{}
	token := ""
	for pages := 0; ; pages++ {
		resp, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: parent, PageSize: 7, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range resp.GetAssets() {
			if seen[a.GetName()] {
				t.Fatalf("%s listed twice", a.GetName())
			}
			seen[a.GetName()] = true
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
	}
	between("pages", seen, before, names(""))
	if len(before) < 40 {
		t.Fatalf("the seeded household has only %d assets", len(before))
	}

	cutoff := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	const where = "AND category_id <> 'vehicle' AND warranty_expiry_date < $2::date"
	before = names(where, cutoff)
	resp, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: parent, PageSize: 1000,
		Filter: `category != "assetCategories/vehicle" AND warranty_expiry_date < "` + cutoff + `"`})
	if err != nil {
		t.Fatal(err)
	}
	filtered := map[string]bool{}
	for _, a := range resp.GetAssets() {
		filtered[a.GetName()] = true
	}
	between("filter", filtered, before, names(where, cutoff))
	if len(before) == 0 {
		t.Fatal("no seeded asset matches the filter; the test proves nothing")
	}
	// A page token is bound to its request.
	first, _ := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: parent, PageSize: 2})
	_, err = s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: parent, PageSize: 2, PageToken: first.GetNextPageToken(), Filter: `status = "IN_SERVICE"`})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("token reused with another filter: %v", err)
	}
}

// TestAssetLifecycle covers update masks, locations, attachments and deletes.
func TestAssetLifecycle(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	home := newHome(t, s, ctx)
	loc, err := s.assets.CreateLocation(ctx, &assetsv1.CreateLocationRequest{Parent: home, Location: &assetsv1.Location{DisplayName: "Garage", Kind: assetsv1.Location_KIND_AREA}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home, Asset: &assetsv1.Asset{
		DisplayName: "Opener", Category: "assetCategories/garage-door-opener", Location: loc.GetName(),
		PurchaseCost: &typev1.Money{CurrencyCode: "USD", AmountMinor: 34999}, Attributes: map[string]string{"hp": "1/2"}}})
	if err != nil {
		t.Fatal(err)
	}
	upd, err := s.assets.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{
		Asset:      &assetsv1.Asset{Name: a.GetName(), Make: "LiftMaster", Model: "87504-267", Etag: a.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"make", "model"}}})
	if err != nil {
		t.Fatal(err)
	}
	if upd.GetDisplayName() != "Opener" || upd.GetLocation() != loc.GetName() || upd.GetPurchaseCost().GetAmountMinor() != 34999 || upd.GetMake() != "LiftMaster" {
		t.Fatalf("update touched fields outside the mask: %v", upd)
	}
	content := []byte("receipt: LiftMaster 87504-267, $349.99")
	att, err := s.assets.CreateAttachment(ctx, &assetsv1.CreateAttachmentRequest{Parent: a.GetName(), Content: content,
		Attachment: &assetsv1.Attachment{Kind: assetsv1.Attachment_KIND_RECEIPT, Filename: "receipt.txt", ContentType: "text/plain"}})
	if err != nil {
		t.Fatal(err)
	}
	body, err := s.assets.GetAttachmentContent(ctx, &assetsv1.GetAttachmentContentRequest{Name: att.GetName()})
	if err != nil || string(body.GetData()) != string(content) || body.GetContentType() != "text/plain" || att.GetSizeBytes() != int64(len(content)) {
		t.Fatalf("attachment content: %v %q", err, body.GetData())
	}
	// Through the gateway the content comes back as the file itself.
	if code := s.httpDo(t, http.MethodGet, "/v1/"+att.GetName()+":content", s.token(t, householdOwner), "", nil); code != 200 {
		t.Fatalf("GET content through gateway: %d", code)
	}
	if _, err := s.assets.DeleteHome(ctx, &assetsv1.DeleteHomeRequest{Name: home}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("delete non-empty home: %v, want FailedPrecondition", err)
	}
	if _, err := s.assets.DeleteLocation(ctx, &assetsv1.DeleteLocationRequest{Name: loc.GetName()}); err != nil {
		t.Fatal(err)
	}
	after, _ := s.assets.GetAsset(ctx, &assetsv1.GetAssetRequest{Name: a.GetName()})
	if after.GetLocation() != "" {
		t.Fatalf("asset still in deleted location %s", after.GetLocation())
	}
	if _, err := s.assets.DeleteAsset(ctx, &assetsv1.DeleteAssetRequest{Name: a.GetName(), Etag: "1"}); status.Code(err) != codes.Aborted {
		t.Fatalf("delete with stale etag: %v, want Aborted", err)
	}
	if _, err := s.assets.DeleteAsset(ctx, &assetsv1.DeleteAssetRequest{Name: a.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.assets.GetAttachment(ctx, &assetsv1.GetAttachmentRequest{Name: att.GetName()}); status.Code(err) != codes.NotFound {
		t.Fatalf("attachment after asset delete: %v", err)
	}
	if _, err := s.assets.DeleteHome(ctx, &assetsv1.DeleteHomeRequest{Name: home}); err != nil {
		t.Fatalf("delete empty home: %v", err)
	}
}

// ownerQuery runs an assertion query as the owner role inside tenant's scope.
func (s *stack) ownerQuery(t *testing.T, tenant uuid.UUID, sql string, args []any, dest ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	dbtest.QueryRowAsTenant(t, conn, tenant, sql, args, dest...)
}
