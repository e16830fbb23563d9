package e2e_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
)

// updateFixture is a home with an address, a location in it and an asset
// with most fields set, created over gRPC.
type updateFixture struct {
	home     *assetsv1.Home
	location *assetsv1.Location
	asset    *assetsv1.Asset
}

func newUpdateFixture(t *testing.T, s *stack) updateFixture {
	t.Helper()
	ctx := s.as(t, householdOwner)
	h, err := s.assets.CreateHome(ctx, &assetsv1.CreateHomeRequest{
		Parent: "tenants/" + s.summary.HouseholdTenantID.String(),
		Home: &assetsv1.Home{DisplayName: "Harbour Flat " + t.Name(), TimeZone: "Europe/London", Address: &assetsv1.PostalAddress{
			AddressLines: []string{"12 Quay Street"}, Locality: "Bristol", PostalCode: "BS1 4DJ", RegionCode: "GB"}},
	})
	if err != nil {
		t.Fatalf("CreateHome: %v", err)
	}
	l, err := s.assets.CreateLocation(ctx, &assetsv1.CreateLocationRequest{Parent: h.GetName(),
		Location: &assetsv1.Location{DisplayName: "Kitchen", Kind: assetsv1.Location_KIND_ROOM, Floor: "1"}})
	if err != nil {
		t.Fatalf("CreateLocation: %v", err)
	}
	a, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: h.GetName(), Asset: &assetsv1.Asset{
		DisplayName: "Combi boiler", Category: "assetCategories/hvac-boiler", Make: "Worcester Bosch", Model: "Greenstar 4000",
		SerialNumber: "WB-1", InstallDate: "2023-10-02", WarrantyExpiryDate: "2033-10-02", Location: l.GetName(),
		PurchaseCost: &typev1.Money{CurrencyCode: "GBP", AmountMinor: 245000}, Attributes: map[string]string{"output": "30kW"}}})
	if err != nil {
		t.Fatalf("CreateAsset: %v", err)
	}
	return updateFixture{home: h, location: l, asset: a}
}

// getJSON reads a resource through the gateway as a JSON object.
func getJSON(t *testing.T, s *stack, tok, name string) map[string]any {
	t.Helper()
	var out map[string]any
	if code := s.httpDo(t, http.MethodGet, "/v1/"+name, tok, "", &out); code != http.StatusOK {
		t.Fatalf("GET %s: %d %v", name, code, out)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGatewayPatchWholeBody is what a browser does: GET a resource, change a
// field, PATCH the whole body back with its etag and no updateMask. The
// gateway then derives the mask from the body, so it names name, etag,
// output-only fields and sub-fields such as address.locality.
func TestGatewayPatchWholeBody(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tok := s.token(t, householdOwner)
	f := newUpdateFixture(t, s)

	home := getJSON(t, s, tok, f.home.GetName())
	home["displayName"] = "Harbour Flat, renamed"
	home["address"].(map[string]any)["locality"] = "Bath"
	var gotHome struct {
		DisplayName, TimeZone, Etag string
		Address                     struct {
			AddressLines []string `json:"addressLines"`
			Locality     string
			PostalCode   string `json:"postalCode"`
		}
	}
	if code := s.httpDo(t, http.MethodPatch, "/v1/"+f.home.GetName(), tok, mustJSON(t, home), &gotHome); code != http.StatusOK {
		t.Fatalf("PATCH home: %d %+v", code, gotHome)
	}
	if gotHome.DisplayName != "Harbour Flat, renamed" || gotHome.Address.Locality != "Bath" || gotHome.TimeZone != "Europe/London" ||
		len(gotHome.Address.AddressLines) != 1 || gotHome.Address.PostalCode != "BS1 4DJ" || gotHome.Etag == home["etag"] {
		t.Fatalf("PATCH home: %+v", gotHome)
	}
	// The same body again carries a stale etag now.
	var e struct{ Status string }
	if code := s.httpDo(t, http.MethodPatch, "/v1/"+f.home.GetName(), tok, mustJSON(t, home), &e); code != http.StatusPreconditionFailed {
		t.Fatalf("PATCH home with the old etag: %d %+v, want 412", code, e)
	}

	asset := getJSON(t, s, tok, f.asset.GetName())
	asset["model"] = "Greenstar 8000"
	asset["purchaseCost"].(map[string]any)["amountMinor"] = "199900"
	var gotAsset struct {
		Make, Model, SerialNumber, Location, WarrantyExpiryDate string
		PurchaseCost                                            struct{ CurrencyCode, AmountMinor string }
		Attributes                                              map[string]string
	}
	if code := s.httpDo(t, http.MethodPatch, "/v1/"+f.asset.GetName(), tok, mustJSON(t, asset), &gotAsset); code != http.StatusOK {
		t.Fatalf("PATCH asset: %d %+v", code, gotAsset)
	}
	if gotAsset.Model != "Greenstar 8000" || gotAsset.Make != "Worcester Bosch" || gotAsset.SerialNumber != "WB-1" ||
		gotAsset.Location != f.location.GetName() || gotAsset.WarrantyExpiryDate != "2033-10-02" ||
		gotAsset.PurchaseCost.CurrencyCode != "GBP" || gotAsset.PurchaseCost.AmountMinor != "199900" || gotAsset.Attributes["output"] != "30kW" {
		t.Fatalf("PATCH asset: %+v", gotAsset)
	}

	loc := getJSON(t, s, tok, f.location.GetName())
	loc["floor"] = "Ground"
	var gotLoc struct{ DisplayName, Kind, Floor string }
	if code := s.httpDo(t, http.MethodPatch, "/v1/"+f.location.GetName(), tok, mustJSON(t, loc), &gotLoc); code != http.StatusOK {
		t.Fatalf("PATCH location: %d %+v", code, gotLoc)
	}
	if gotLoc.Floor != "Ground" || gotLoc.DisplayName != "Kitchen" || gotLoc.Kind != "KIND_ROOM" {
		t.Fatalf("PATCH location: %+v", gotLoc)
	}
}

// TestUpdateMaskSubPaths: a path into the address changes only that part of
// it; a path into a Money replaces the whole amount; unknown paths are 400.
func TestUpdateMaskSubPaths(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tok := s.token(t, householdOwner)
	f := newUpdateFixture(t, s)

	var home struct {
		DisplayName string
		Address     struct {
			AddressLines []string `json:"addressLines"`
			Locality     string
			PostalCode   string `json:"postalCode"`
			RegionCode   string `json:"regionCode"`
		}
	}
	if code := s.httpDo(t, http.MethodPatch, "/v1/"+f.home.GetName()+"?updateMask=address.locality,address.postalCode", tok,
		`{"displayName":"ignored","address":{"locality":"Wells","addressLines":["ignored"]}}`, &home); code != http.StatusOK {
		t.Fatalf("PATCH address.locality: %d %+v", code, home)
	}
	if home.Address.Locality != "Wells" || home.Address.PostalCode != "" || home.Address.RegionCode != "GB" ||
		len(home.Address.AddressLines) != 1 || home.Address.AddressLines[0] != "12 Quay Street" || home.DisplayName != f.home.GetDisplayName() {
		t.Fatalf("PATCH address.locality,address.postalCode: %+v", home)
	}

	ctx := s.as(t, householdOwner)
	a, err := s.assets.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{
		Asset:      &assetsv1.Asset{Name: f.asset.GetName(), PurchaseCost: &typev1.Money{CurrencyCode: "EUR", AmountMinor: 700}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"purchase_cost.amount_minor"}}})
	if err != nil {
		t.Fatalf("UpdateAsset purchase_cost.amount_minor: %v", err)
	}
	if !proto.Equal(a.GetPurchaseCost(), &typev1.Money{CurrencyCode: "EUR", AmountMinor: 700}) || a.GetMake() != "Worcester Bosch" {
		t.Fatalf("purchase_cost.amount_minor did not replace the cost whole: %v", a)
	}

	for _, mask := range []string{"colour", "address.colour", "address..locality", "displayName.x"} {
		var e apiError
		code := s.httpDo(t, http.MethodPatch, "/v1/"+f.home.GetName()+"?updateMask="+mask, tok, `{"displayName":"x"}`, &e)
		if code != http.StatusBadRequest || !containsPrefix(e.fields(), "update_mask") {
			t.Errorf("updateMask=%s: %d %+v, want 400 naming update_mask", mask, code, e)
		}
	}
	_, err = s.assets.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{Asset: &assetsv1.Asset{Name: f.asset.GetName()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"purchase_cost.colour"}}})
	if status.Code(err) != codes.InvalidArgument || !containsPrefix(apierror.ViolatedFields(err), "update_mask") {
		t.Errorf("purchase_cost.colour: %v, want InvalidArgument naming update_mask", err)
	}
}

// TestEmptyMaskUpdatesPopulatedFields: AIP-134, an omitted mask means the
// fields set in the request, never every field.
func TestEmptyMaskUpdatesPopulatedFields(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	f := newUpdateFixture(t, s)

	a, err := s.assets.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{
		Asset: &assetsv1.Asset{Name: f.asset.GetName(), Make: "Vaillant", Etag: f.asset.GetEtag()}})
	if err != nil {
		t.Fatalf("UpdateAsset without a mask: %v", err)
	}
	want := proto.Clone(f.asset).(*assetsv1.Asset)
	want.Make = "Vaillant"
	want.Etag, want.UpdateTime = a.GetEtag(), a.GetUpdateTime()
	if !proto.Equal(a, want) {
		t.Fatalf("UpdateAsset without a mask changed more than make:\n got %v\nwant %v", a, want)
	}

	h, err := s.assets.UpdateHome(ctx, &assetsv1.UpdateHomeRequest{Home: &assetsv1.Home{Name: f.home.GetName(), TimeZone: "Europe/Dublin"}})
	if err != nil {
		t.Fatalf("UpdateHome without a mask: %v", err)
	}
	if h.GetTimeZone() != "Europe/Dublin" || h.GetDisplayName() != f.home.GetDisplayName() || !proto.Equal(h.GetAddress(), f.home.GetAddress()) {
		t.Fatalf("UpdateHome without a mask: %v", h)
	}

	l, err := s.assets.UpdateLocation(ctx, &assetsv1.UpdateLocationRequest{
		Location:   &assetsv1.Location{Name: f.location.GetName(), Floor: "2"},
		UpdateMask: &fieldmaskpb.FieldMask{}})
	if err != nil {
		t.Fatalf("UpdateLocation with an empty mask: %v", err)
	}
	if l.GetFloor() != "2" || l.GetDisplayName() != "Kitchen" || l.GetKind() != assetsv1.Location_KIND_ROOM {
		t.Fatalf("UpdateLocation with an empty mask: %v", l)
	}

	// "*" still replaces every mutable field.
	a, err = s.assets.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{
		Asset:      &assetsv1.Asset{Name: f.asset.GetName(), DisplayName: "Boiler", Category: "assetCategories/hvac-boiler"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}})
	if err != nil {
		t.Fatalf("UpdateAsset with *: %v", err)
	}
	if a.GetMake() != "" || a.GetPurchaseCost() != nil || a.GetLocation() != "" || len(a.GetAttributes()) != 0 || a.GetDisplayName() != "Boiler" {
		t.Fatalf("UpdateAsset with * kept fields: %v", a)
	}
}
