package e2e_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
)

// TestContractRulesAre400NamingTheField: every rule the contract states
// (protovalidate in proto/steward/assets/v1) comes back through the gateway
// as 400 INVALID_ARGUMENT with a field violation naming the field.
func TestContractRulesAre400NamingTheField(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tok := s.token(t, householdOwner)
	f := newUpdateFixture(t, s)
	tenant := "tenants/" + s.summary.HouseholdTenantID.String()
	home, loc, asset := f.home.GetName(), f.location.GetName(), f.asset.GetName()
	longToken := url.QueryEscape(strings.Repeat("A", 1025))
	longEtag := strings.Repeat("7", 65)
	cases := []struct {
		name, method, path, body, field string
	}{
		// Update names the resource to change by a well-formed resource name.
		{"update home malformed name", "PATCH", "/v1/" + tenant + "/homes/not-a-uuid", `{"displayName":"y"}`, "home.name"},
		{"update location malformed name", "PATCH", "/v1/" + home + "/locations/not-a-uuid", `{"displayName":"y"}`, "location.name"},
		{"update asset malformed name", "PATCH", "/v1/" + home + "/assets/not-a-uuid", `{"displayName":"y"}`, "asset.name"},
		// On create the name is ignored, but a malformed one is still a mistake.
		{"create asset malformed name", "POST", "/v1/" + home + "/assets", `{"name":"boiler","displayName":"x","category":"assetCategories/roof"}`, "asset.name"},
		// page_token: at most 1024 characters.
		{"list homes long page token", "GET", "/v1/" + tenant + "/homes?pageToken=" + longToken, "", "page_token"},
		{"list locations long page token", "GET", "/v1/" + home + "/locations?pageToken=" + longToken, "", "page_token"},
		{"list assets long page token", "GET", "/v1/" + home + "/assets?pageToken=" + longToken, "", "page_token"},
		{"list categories long page token", "GET", "/v1/assetCategories?pageToken=" + longToken, "", "page_token"},
		{"list meter readings long page token", "GET", "/v1/" + asset + "/meterReadings?pageToken=" + longToken, "", "page_token"},
		{"list attachments long page token", "GET", "/v1/" + asset + "/attachments?pageToken=" + longToken, "", "page_token"},
		// filter: at most 1024 characters.
		{"list assets long filter", "GET", "/v1/" + tenant + "/homes/-/assets?filter=" + url.QueryEscape(`make = "`+strings.Repeat("a", 1024)+`"`), "", "filter"},
		// etag: at most 64 characters, on delete and in an update's resource.
		{"delete home long etag", "DELETE", "/v1/" + home + "?etag=" + longEtag, "", "etag"},
		{"delete location long etag", "DELETE", "/v1/" + loc + "?etag=" + longEtag, "", "etag"},
		{"delete asset long etag", "DELETE", "/v1/" + asset + "?etag=" + longEtag, "", "etag"},
		{"update home long etag", "PATCH", "/v1/" + home, `{"displayName":"y","etag":"` + longEtag + `"}`, "home.etag"},
		{"update location long etag", "PATCH", "/v1/" + loc, `{"displayName":"y","etag":"` + longEtag + `"}`, "location.etag"},
		{"update asset long etag", "PATCH", "/v1/" + asset, `{"displayName":"y","etag":"` + longEtag + `"}`, "asset.etag"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e apiError
			code := s.httpDo(t, c.method, c.path, tok, c.body, &e)
			fields := e.fields()
			if code != http.StatusBadRequest || e.Status != "INVALID_ARGUMENT" || !containsPrefix(fields, c.field) {
				t.Fatalf("%s %s: %d %s fields %v, want 400 INVALID_ARGUMENT naming %s", c.method, c.path, code, e.Status, fields, c.field)
			}
		})
	}
	// The name rule is the contract's (protovalidate), not only the handler's.
	_, err := s.assets.UpdateAsset(s.as(t, householdOwner), &assetsv1.UpdateAssetRequest{
		Asset: &assetsv1.Asset{Name: home + "/assets/not-a-uuid", DisplayName: "y"}})
	if d := status.Convert(err).Details(); status.Code(err) != codes.InvalidArgument || !containsPrefix(apierror.ViolatedFields(err), "asset.name") ||
		!strings.Contains(status.Convert(err).Message(), "regex pattern") {
		t.Fatalf("UpdateAsset with a malformed name: %v %v, want the contract's pattern violation on asset.name", err, d)
	}
	// The limits leave room for what the service hands out: a real page
	// token and etag pass.
	var page struct{ NextPageToken string }
	if code := s.httpDo(t, "GET", "/v1/"+tenant+"/homes/-/assets?pageSize=1", tok, "", &page); code != http.StatusOK || page.NextPageToken == "" {
		t.Fatalf("first page: %d %+v", code, page)
	}
	if code := s.httpDo(t, "GET", "/v1/"+tenant+"/homes/-/assets?pageSize=1&pageToken="+url.QueryEscape(page.NextPageToken), tok, "", nil); code != http.StatusOK {
		t.Fatalf("second page: %d", code)
	}
	if code := s.httpDo(t, "PATCH", "/v1/"+asset, tok, `{"displayName":"Renamed","etag":"`+f.asset.GetEtag()+`"}`, nil); code != http.StatusOK {
		t.Fatalf("update with the current etag: %d", code)
	}
}

// TestCreateIgnoresWellFormedName: name is IDENTIFIER; on create a
// well-formed one is ignored and the service picks the name.
func TestCreateIgnoresWellFormedName(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tok := s.token(t, householdOwner)
	home := newHome(t, s, s.as(t, householdOwner))
	sent := home + "/assets/" + uuid.NewString()
	var got struct{ Name string }
	if code := s.httpDo(t, "POST", "/v1/"+home+"/assets", tok,
		`{"name":"`+sent+`","displayName":"Kettle","category":"assetCategories/other"}`, &got); code != http.StatusOK {
		t.Fatalf("create with a name: %d", code)
	}
	if got.Name == sent || !strings.HasPrefix(got.Name, home+"/assets/") {
		t.Fatalf("created %q, want a new name under %s (not %s)", got.Name, home, sent)
	}
}

// TestListOfMissingHomeIsNotFound: AIP-132, listing the children of a home
// that does not exist (or is another tenant's) is NOT_FOUND, as for the
// children of a missing asset; an existing home with nothing in it, or the
// "-" wildcard, is an empty list.
func TestListOfMissingHomeIsNotFound(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tok := s.token(t, householdOwner)
	ctx := s.as(t, householdOwner)
	tenant := "tenants/" + s.summary.HouseholdTenantID.String()
	empty := newHome(t, s, ctx)
	// A home of the school, named as if it were the household's.
	school, err := s.assets.CreateHome(s.as(t, schoolAdmin), &assetsv1.CreateHomeRequest{
		Parent: "tenants/" + s.summary.SchoolTenantID.String(),
		Home:   &assetsv1.Home{DisplayName: "Riverside annexe", TimeZone: "Europe/London"},
	})
	if err != nil {
		t.Fatalf("CreateHome as the school: %v", err)
	}
	foreign := tenant + "/homes/" + school.GetName()[strings.LastIndex(school.GetName(), "/")+1:]
	missing := tenant + "/homes/" + uuid.NewString()

	for _, parent := range []string{missing, foreign} {
		for _, path := range []string{
			"/v1/" + parent + "/locations",
			"/v1/" + parent + "/assets",
			"/v1/" + parent + "/assets?filter=" + url.QueryEscape(`make = "nobody"`),
		} {
			var e struct{ Status string }
			if code := s.httpDo(t, "GET", path, tok, "", &e); code != http.StatusNotFound || e.Status != "NOT_FOUND" {
				t.Errorf("GET %s: %d %s, want 404 NOT_FOUND", path, code, e.Status)
			}
		}
		if _, err := s.assets.ListLocations(ctx, &assetsv1.ListLocationsRequest{Parent: parent}); status.Code(err) != codes.NotFound {
			t.Errorf("ListLocations(%s): %v, want NotFound", parent, err)
		}
		if _, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: parent}); status.Code(err) != codes.NotFound {
			t.Errorf("ListAssets(%s): %v, want NotFound", parent, err)
		}
	}

	for _, path := range []string{
		"/v1/" + empty + "/locations",
		"/v1/" + empty + "/assets",
		"/v1/" + tenant + "/homes/-/assets?filter=" + url.QueryEscape(`make = "nobody"`),
	} {
		var list struct{ Locations, Assets []any }
		if code := s.httpDo(t, "GET", path, tok, "", &list); code != http.StatusOK || len(list.Locations)+len(list.Assets) != 0 {
			t.Errorf("GET %s: %d %+v, want 200 and an empty list", path, code, list)
		}
	}
}
