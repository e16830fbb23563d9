package resname_test

import (
	"errors"
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
)

func TestPatternFromTheContract(t *testing.T) {
	t.Parallel()
	p := resname.Of(&assetsv1.Asset{})
	if p.String() != "tenants/{tenant}/homes/{home}/assets/{asset}" {
		t.Fatalf("pattern %q", p)
	}
	tenant, home, asset := uuid.New(), uuid.New(), uuid.New()
	name := p.Format(tenant, home, asset)
	if want := "tenants/" + tenant.String() + "/homes/" + home.String() + "/assets/" + asset.String(); name != want {
		t.Fatalf("Format = %q, want %q", name, want)
	}
	n, err := p.Parse("name", name)
	if err != nil {
		t.Fatal(err)
	}
	if n.ID("tenant") != tenant || n.ID("home") != home || n.ID("asset") != asset || n.IsWildcard("home") {
		t.Fatalf("Parse(%q) = %v %v %v", name, n.ID("tenant"), n.ID("home"), n.ID("asset"))
	}
	if got := resname.Of(&accountsv1.Tenant{}).Format(tenant); got != "tenants/"+tenant.String() {
		t.Fatalf("tenant name %q", got)
	}
	// A resource whose ids are slugs declares their syntax.
	category := resname.Of(&assetsv1.AssetCategory{})
	c, err := category.Parse("asset.category", "assetCategories/water-heater")
	if err != nil || c.IDText("asset_category") != "water-heater" || c.String() != "assetCategories/water-heater" {
		t.Fatalf("category: %v %v", c, err)
	}
	for _, bad := range []string{"assetCategories/Water", "assetCategories/", "assetCategories/" + strings.Repeat("a", 64)} {
		if _, err := category.Parse("asset.category", bad); err == nil {
			t.Errorf("category %q accepted", bad)
		}
	}
}

func TestParseRefusesWhatThePatternDoesNotName(t *testing.T) {
	t.Parallel()
	p := resname.Of(&assetsv1.Home{})
	id := uuid.NewString()
	for _, name := range []string{
		"",
		"tenants/" + id,
		"tenants/" + id + "/homes/" + id + "/",
		"tenants/" + id + "/homes/" + id + "/assets/" + id,
		"tenants/" + id + "/rooms/" + id,
		"tenants/" + id + "/homes/not-a-uuid",
		"tenants/" + id + "/homes/" + strings.ToUpper(id),
		"tenants/" + id + "/homes/" + strings.ReplaceAll(id, "-", ""),
		"tenants/" + id + "/homes/------------------------------------",
		"tenants/" + id + "/homes/-", // no wildcard unless the pattern allows it
		"tenants/-/homes/" + id,
		"homes/" + id + "/tenants/" + id,                // collections swapped
		"Tenants/" + id + "/homes/" + id,                // collection case
		"/tenants/" + id + "/homes/" + id,               // leading slash
		"//assets.steward.dev/tenants/" + id,            // full resource name
		"tenants//homes/" + id,                          // empty id
		"tenants/" + id[:35] + "/homes/" + id,           // truncated
		"tenants/{" + id + "}/homes/" + id,              // braced
		"tenants/urn:uuid:" + id + "/homes/" + id,       // urn
		"tenants/ " + id + "/homes/" + id,               // space
		"-/" + id + "/homes/" + id,                      // wildcard collection
		"tenants/" + id + "/homes/--",                   // double dash
		"tenants/" + id + "/homes/*",                    // star
		"tenants/" + id + "/homes/" + uuid.Nil.String(), // the nil UUID is no id
	} {
		_, err := p.Parse("home.name", name)
		var e *apierror.Error
		if !errors.As(err, &e) || e.Code != codes.InvalidArgument || e.Reason != apierror.ReasonInvalidArgument || len(e.Violations) != 1 ||
			e.Violations[0].Field != "home.name" || !strings.Contains(e.Violations[0].Description, "regex pattern") {
			t.Errorf("Parse(%q) = %v, want INVALID_ARGUMENT on home.name", name, err)
		}
	}
}

func TestWildcards(t *testing.T) {
	t.Parallel()
	p := resname.Of(&assetsv1.Home{}).WithWildcards("home")
	tenant := uuid.New()
	n, err := p.Parse("parent", "tenants/"+tenant.String()+"/homes/-")
	if err != nil || !n.IsWildcard("home") || n.ID("home") != uuid.Nil || n.ID("tenant") != tenant || n.IsWildcard("tenant") {
		t.Fatalf("wildcard home: %v %v", n, err)
	}
	if _, err := p.Parse("parent", "tenants/-/homes/-"); err == nil {
		t.Fatal("a wildcard tenant was accepted where only the home may be one")
	}
	// The nil UUID spelled out is refused, not read as the wildcard.
	if _, err := p.Parse("parent", "tenants/"+tenant.String()+"/homes/"+uuid.Nil.String()); err == nil {
		t.Fatal("the nil UUID was accepted as a home id")
	}
}

func TestViolationsCheckEveryNameOfARequest(t *testing.T) {
	t.Parallel()
	tenant := "tenants/" + uuid.NewString()
	home := tenant + "/homes/" + uuid.NewString()
	asset := home + "/assets/" + uuid.NewString()
	tests := []struct {
		name   string
		req    proto.Message
		fields []string
	}{
		{"good get", &assetsv1.GetAssetRequest{Name: asset}, nil},
		{"get of a home's name", &assetsv1.GetAssetRequest{Name: home}, []string{"name"}},
		{"empty required parent", &assetsv1.CreateHomeRequest{}, []string{"parent"}},
		{"list of every home", &assetsv1.ListAssetsRequest{Parent: tenant + "/homes/-"}, nil},
		{"a wildcard only where declared", &assetsv1.ListLocationsRequest{Parent: tenant + "/homes/-"}, []string{"parent"}},
		{"create ignores an empty name", &assetsv1.CreateAssetRequest{Parent: home, Asset: &assetsv1.Asset{}}, nil},
		{"create with a malformed name", &assetsv1.CreateAssetRequest{Parent: home, Asset: &assetsv1.Asset{Name: "boiler"}}, []string{"asset.name"}},
		{"update names its resource", &assetsv1.UpdateAssetRequest{Asset: &assetsv1.Asset{Name: home + "/assets/not-a-uuid"}}, []string{"asset.name"}},
		{"two at once", &assetsv1.CreateLocationRequest{Parent: "x", Location: &assetsv1.Location{Name: "y"}}, []string{"parent", "location.name"}},
		{"accounts too", &accountsv1.GetTenantRequest{Name: tenant + "/"}, []string{"name"}},
		{"references inside a resource", &assetsv1.CreateAssetRequest{Parent: home, Asset: &assetsv1.Asset{
			Category: "assetCategories/water-heater", Location: home + "/locations/" + uuid.NewString()}}, nil},
		{"a reference inside a resource may be empty", &assetsv1.UpdateAssetRequest{Asset: &assetsv1.Asset{Name: asset, Location: ""}}, nil},
		{"malformed references inside a resource", &assetsv1.UpdateAssetRequest{Asset: &assetsv1.Asset{
			Name: asset, Category: "roof", Location: home + "/locations/x"}}, []string{"asset.category", "asset.location"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := resname.Violations(tt.req)
			if len(got) != len(tt.fields) {
				t.Fatalf("violations %+v, want on %v", got, tt.fields)
			}
			for i, v := range got {
				if v.Field != tt.fields[i] || !strings.Contains(v.Description, "regex pattern") {
					t.Errorf("violation %+v, want one on %s", v, tt.fields[i])
				}
			}
		})
	}
}

// TestNameFieldsCarryNoRegex: a name is spelled once, in the resource's
// pattern; a regex beside a resource_reference or an IDENTIFIER would be a
// second spelling that can drift from it.
func TestNameFieldsCarryNoRegex(t *testing.T) {
	t.Parallel()
	for _, fd := range []protoreflect.FileDescriptor{
		assetsv1.File_steward_assets_v1_assets_proto, assetsv1.File_steward_assets_v1_resources_proto,
		accountsv1.File_steward_accounts_v1_tenants_proto,
	} {
		msgs := fd.Messages()
		for i := range msgs.Len() {
			md := msgs.Get(i)
			res, _ := proto.GetExtension(md.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
			fields := md.Fields()
			for j := range fields.Len() {
				f := fields.Get(j)
				ref, _ := proto.GetExtension(f.Options(), annotations.E_ResourceReference).(*annotations.ResourceReference)
				behaviors, _ := proto.GetExtension(f.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
				identifier := res != nil && len(behaviors) > 0 && behaviors[0] == annotations.FieldBehavior_IDENTIFIER
				if !identifier && ref.GetType() == "" {
					continue
				}
				rules, _ := proto.GetExtension(f.Options(), validate.E_Field).(*validate.FieldRules)
				if rules.GetString().GetPattern() != "" {
					t.Errorf("%s keeps a regex %q beside its resource pattern", f.FullName(), rules.GetString().GetPattern())
				}
			}
		}
	}
}

// TestEveryRequestOfTheContractResolves: every resource_reference in a
// request names a resource type some message declares, so no request can
// make Violations fail at run time.
func TestEveryRequestOfTheContractResolves(t *testing.T) {
	t.Parallel()
	for _, fd := range []protoreflect.FileDescriptor{assetsv1.File_steward_assets_v1_assets_proto, accountsv1.File_steward_accounts_v1_tenants_proto} {
		msgs := fd.Messages()
		for i := range msgs.Len() {
			md := msgs.Get(i)
			if !strings.HasSuffix(string(md.Name()), "Request") {
				continue
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s: %v", md.FullName(), r)
					}
				}()
				resname.Violations(dynamicpb.NewMessage(md))
			}()
		}
	}
}
