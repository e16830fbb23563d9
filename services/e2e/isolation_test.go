package e2e_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
)

// householdResources names real household resources from the seeded data.
type householdResources struct {
	tenant, home, location, asset, attachment string
}

func seededHousehold(t *testing.T, s *stack) householdResources {
	t.Helper()
	ctx := s.as(t, householdOwner)
	tenant := "tenants/" + s.summary.HouseholdTenantID.String()
	homes, err := s.assets.ListHomes(ctx, &assetsv1.ListHomesRequest{Parent: tenant, PageSize: 1000})
	if err != nil {
		t.Fatalf("ListHomes: %v", err)
	}
	home := ""
	for _, h := range homes.GetHomes() {
		if h.GetDisplayName() == "Birchwood Lane" {
			home = h.GetName()
		}
	}
	if home == "" {
		t.Fatalf("no seeded Birchwood Lane home among %v", homes.GetHomes())
	}
	locs, err := s.assets.ListLocations(ctx, &assetsv1.ListLocationsRequest{Parent: home})
	if err != nil || len(locs.GetLocations()) == 0 {
		t.Fatalf("ListLocations: %v", err)
	}
	list, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: home, PageSize: 1})
	if err != nil || len(list.GetAssets()) == 0 {
		t.Fatalf("ListAssets: %v", err)
	}
	asset := list.GetAssets()[0].GetName()
	att, err := s.assets.CreateAttachment(ctx, &assetsv1.CreateAttachmentRequest{
		Parent: asset, Content: []byte("%PDF-1.4 owner's manual"),
		Attachment: &assetsv1.Attachment{Kind: assetsv1.Attachment_KIND_MANUAL, Filename: "manual.pdf", ContentType: "application/pdf"},
	})
	if err != nil {
		t.Fatalf("CreateAttachment: %v", err)
	}
	return householdResources{tenant: tenant, home: home, location: locs.GetLocations()[0].GetName(), asset: asset, attachment: att.GetName()}
}

// TestSchoolAdminCannotReachHousehold aims every tenant-scoped RPC at a
// household's resources as the school's admin: each must be NOT_FOUND,
// exactly as if the resources did not exist. The household is created by
// the test, the calls run in a fixed order, and the household's rows must be
// exactly as before them.
func TestSchoolAdminCannotReachHousehold(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	victim := s.newTenant(t, "household", "owner")
	r := freshHousehold(t, s, victim)
	before := s.snapshot(t, victim.ID)
	ctx := s.as(t, schoolAdmin)
	a := s.assets
	calls := map[string]func(context.Context) (proto.Message, error){
		"CreateHome": func(ctx context.Context) (proto.Message, error) {
			return a.CreateHome(ctx, &assetsv1.CreateHomeRequest{Parent: r.tenant, Home: &assetsv1.Home{DisplayName: "x", TimeZone: "UTC"}})
		},
		"GetHome": func(ctx context.Context) (proto.Message, error) {
			return a.GetHome(ctx, &assetsv1.GetHomeRequest{Name: r.home})
		},
		"ListHomes": func(ctx context.Context) (proto.Message, error) {
			return a.ListHomes(ctx, &assetsv1.ListHomesRequest{Parent: r.tenant})
		},
		"UpdateHome": func(ctx context.Context) (proto.Message, error) {
			return a.UpdateHome(ctx, &assetsv1.UpdateHomeRequest{Home: &assetsv1.Home{Name: r.home, DisplayName: "mine now"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
		},
		"DeleteHome": func(ctx context.Context) (proto.Message, error) {
			return a.DeleteHome(ctx, &assetsv1.DeleteHomeRequest{Name: r.home})
		},
		"CreateLocation": func(ctx context.Context) (proto.Message, error) {
			return a.CreateLocation(ctx, &assetsv1.CreateLocationRequest{Parent: r.home, Location: &assetsv1.Location{DisplayName: "x"}})
		},
		"GetLocation": func(ctx context.Context) (proto.Message, error) {
			return a.GetLocation(ctx, &assetsv1.GetLocationRequest{Name: r.location})
		},
		"ListLocations": func(ctx context.Context) (proto.Message, error) {
			return a.ListLocations(ctx, &assetsv1.ListLocationsRequest{Parent: r.home})
		},
		"UpdateLocation": func(ctx context.Context) (proto.Message, error) {
			return a.UpdateLocation(ctx, &assetsv1.UpdateLocationRequest{Location: &assetsv1.Location{Name: r.location, DisplayName: "x"}})
		},
		"DeleteLocation": func(ctx context.Context) (proto.Message, error) {
			return a.DeleteLocation(ctx, &assetsv1.DeleteLocationRequest{Name: r.location})
		},
		"CreateAsset": func(ctx context.Context) (proto.Message, error) {
			return a.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: r.home, Asset: &assetsv1.Asset{DisplayName: "x", Category: "assetCategories/other"}})
		},
		"GetAsset": func(ctx context.Context) (proto.Message, error) {
			return a.GetAsset(ctx, &assetsv1.GetAssetRequest{Name: r.asset})
		},
		"ListAssets": func(ctx context.Context) (proto.Message, error) {
			return a.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: r.tenant + "/homes/-"})
		},
		"UpdateAsset": func(ctx context.Context) (proto.Message, error) {
			return a.UpdateAsset(ctx, &assetsv1.UpdateAssetRequest{Asset: &assetsv1.Asset{Name: r.asset, DisplayName: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
		},
		"DeleteAsset": func(ctx context.Context) (proto.Message, error) {
			return a.DeleteAsset(ctx, &assetsv1.DeleteAssetRequest{Name: r.asset})
		},
		"CreateMeterReading": func(ctx context.Context) (proto.Message, error) {
			return a.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: r.asset, MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: 1e6}})
		},
		"ListMeterReadings": func(ctx context.Context) (proto.Message, error) {
			return a.ListMeterReadings(ctx, &assetsv1.ListMeterReadingsRequest{Parent: r.asset})
		},
		"ListAssetChanges": func(ctx context.Context) (proto.Message, error) {
			return a.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: r.tenant})
		},
		"CreateAttachment": func(ctx context.Context) (proto.Message, error) {
			return a.CreateAttachment(ctx, &assetsv1.CreateAttachmentRequest{Parent: r.asset, Content: []byte("x"), Attachment: &assetsv1.Attachment{Kind: assetsv1.Attachment_KIND_OTHER, Filename: "x.txt", ContentType: "text/plain"}})
		},
		"GetAttachment": func(ctx context.Context) (proto.Message, error) {
			return a.GetAttachment(ctx, &assetsv1.GetAttachmentRequest{Name: r.attachment})
		},
		"GetAttachmentContent": func(ctx context.Context) (proto.Message, error) {
			return a.GetAttachmentContent(ctx, &assetsv1.GetAttachmentContentRequest{Name: r.attachment})
		},
		"ListAttachments": func(ctx context.Context) (proto.Message, error) {
			return a.ListAttachments(ctx, &assetsv1.ListAttachmentsRequest{Parent: r.asset})
		},
		"DeleteAttachment": func(ctx context.Context) (proto.Message, error) {
			return a.DeleteAttachment(ctx, &assetsv1.DeleteAttachmentRequest{Name: r.attachment})
		},
		"GetTenant": func(ctx context.Context) (proto.Message, error) {
			return s.accounts.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: r.tenant})
		},
	}
	// Every tenant-scoped RPC of AssetService is covered.
	sd := assetsv1.File_steward_assets_v1_assets_proto.Services().Get(0)
	for i := 0; i < sd.Methods().Len(); i++ {
		name := string(sd.Methods().Get(i).Name())
		if _, ok := calls[name]; !ok && name != "ListAssetCategories" {
			t.Errorf("no isolation case for %s", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		call := calls[name]
		t.Run(name, func(t *testing.T) {
			_, err := call(ctx)
			if got := status.Code(err); got != codes.NotFound {
				t.Fatalf("%s as school admin: code %v (%v), want NotFound", name, got, err)
			}
		})
	}
	// The household's things are still there, unchanged.
	s.assertUnchanged(t, victim.ID, before)
	if _, err := s.assets.GetAsset(victim.ctx(t), &assetsv1.GetAssetRequest{Name: r.asset}); err != nil {
		t.Fatalf("household asset after the attempts: %v", err)
	}
}

// freshHousehold creates one resource of each type in a household the test
// made itself.
func freshHousehold(t *testing.T, s *stack, f freshTenant) householdResources {
	t.Helper()
	n := s.newResources(t, f)
	return householdResources{tenant: f.Name, home: n["steward.dev/Home"], location: n["steward.dev/Location"],
		asset: n["steward.dev/Asset"], attachment: n["steward.dev/Attachment"]}
}

// TestSchoolAdminSeesOnlyOwnTenant checks the lists a school admin gets.
func TestSchoolAdminSeesOnlyOwnTenant(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, schoolAdmin)
	tenants, err := s.accounts.ListTenants(ctx, &accountsv1.ListTenantsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tenants.GetTenants()) != 1 || tenants.GetTenants()[0].GetName() != "tenants/"+s.summary.SchoolTenantID.String() {
		t.Fatalf("school admin's tenants = %v", tenants.GetTenants())
	}
	list, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: "tenants/" + s.summary.SchoolTenantID.String() + "/homes/-"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetAssets()) != 0 {
		t.Fatalf("school sees %d assets, want none", len(list.GetAssets()))
	}
}

// TestRolesAreEnforced: a household member may read but not change homes;
// a school parent may not even read.
func TestRolesAreEnforced(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	r := seededHousehold(t, s)
	member := s.as(t, householdMember)
	if _, err := s.assets.GetHome(member, &assetsv1.GetHomeRequest{Name: r.home}); err != nil {
		t.Fatalf("member GetHome: %v", err)
	}
	_, err := s.assets.DeleteHome(member, &assetsv1.DeleteHomeRequest{Name: r.home})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("member DeleteHome: %v, want PermissionDenied", err)
	}
	parent := s.as(t, "samir.baker@family.example")
	_, err = s.assets.ListHomes(parent, &assetsv1.ListHomesRequest{Parent: "tenants/" + s.summary.SchoolTenantID.String()})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("parent ListHomes in own school: %v, want PermissionDenied", err)
	}
}
