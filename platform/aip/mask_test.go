package aip

import (
	"maps"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip/aiptest"
)

// The mutable fields of two real resources, as their services declare them.
var (
	homeMutable        = []string{"display_name", "address", "time_zone"}
	mutableAssetFields = []string{
		"display_name", "category", "make", "model", "serial_number", "install_date", "purchase_date",
		"purchase_cost", "expected_lifespan_months", "warranty_expiry_date", "location", "status", "attributes",
	}
)

func TestResolveMask(t *testing.T) {
	t.Parallel()
	asset := &assetsv1.Asset{
		Name: "tenants/t/homes/h/assets/a", Make: "Rheem", Model: "XE50", Etag: "3",
		PurchaseCost: &typev1.Money{CurrencyCode: "USD", AmountMinor: 5}, CreateTime: timestamppb.Now(),
	}
	tests := []struct {
		name     string
		resource proto.Message
		mutable  []string
		paths    []string // nil: no mask at all
		want     Mask
	}{
		{"star replaces every mutable field", asset, mutableAssetFields, []string{"*"}, AllFields(mutableAssetFields...)},
		{"no mask means the populated fields", asset, mutableAssetFields, nil,
			Mask{"make": nil, "model": nil, "purchase_cost": nil}},
		{"empty mask means the populated fields", asset, mutableAssetFields, []string{},
			Mask{"make": nil, "model": nil, "purchase_cost": nil}},
		{"nothing populated changes nothing", &assetsv1.Location{Name: "n", Etag: "1"}, []string{"display_name", "kind", "floor"}, nil, Mask{}},
		{"explicit paths, JSON or proto names", asset, mutableAssetFields, []string{"displayName", "serial_number"},
			Mask{"display_name": nil, "serial_number": nil}},
		{"name, etag and output-only paths are skipped", asset, mutableAssetFields,
			[]string{"name", "etag", "create_time", "updateTime", "create_time.seconds", "make"}, Mask{"make": nil}},
		// What the gateway derives from a PATCH of a whole GET body.
		{"gateway body mask", asset, mutableAssetFields,
			[]string{"create_time", "etag", "make", "name", "purchase_cost.amount_minor", "purchase_cost.currency_code"},
			Mask{"make": nil, "purchase_cost": {"amount_minor", "currency_code"}}},
		{"sub-paths of the address", &assetsv1.Home{}, homeMutable, []string{"address.locality", "address.postalCode"},
			Mask{"address": {"locality", "postal_code"}}},
		{"the whole field wins over its sub-paths", &assetsv1.Home{}, homeMutable,
			[]string{"address.locality", "address", "address.region_code"}, Mask{"address": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mask *fieldmaskpb.FieldMask
			if tt.paths != nil {
				mask = &fieldmaskpb.FieldMask{Paths: tt.paths}
			}
			got, err := ResolveMask(mask, tt.resource, tt.mutable...)
			if err != nil {
				t.Fatalf("ResolveMask(%q): %v", tt.paths, err)
			}
			if !maps.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("ResolveMask(%q) = %v, want %v", tt.paths, got, tt.want)
			}
			for f, sub := range got {
				if (sub == nil) != (tt.want[f] == nil) {
					t.Errorf("field %s: whole = %v, want %v", f, sub == nil, tt.want[f] == nil)
				}
			}
		})
	}
}

func TestResolveMaskRejects(t *testing.T) {
	t.Parallel()
	for _, paths := range [][]string{
		{"colour"},
		{"make", "colour"},
		{"address.colour"},
		{"address."},
		{"address..locality"},
		{"display_name.x"},
		{"address.address_lines.x"},
		{"*", "display_name"},
		{""},
	} {
		_, err := ResolveMask(&fieldmaskpb.FieldMask{Paths: paths}, &assetsv1.Home{}, homeMutable...)
		aiptest.RequireInvalidField(t, err, "update_mask")
	}
	// Known but not mutable: a resource with such a field, checked through
	// a smaller mutable list.
	_, err := ResolveMask(&fieldmaskpb.FieldMask{Paths: []string{"time_zone"}}, &assetsv1.Home{}, "display_name")
	aiptest.RequireInvalidField(t, err, "update_mask")
	// An implied mask is checked the same way.
	_, err = ResolveMask(nil, &assetsv1.Home{TimeZone: "UTC"}, "display_name")
	aiptest.RequireInvalidField(t, err, "update_mask")
}
