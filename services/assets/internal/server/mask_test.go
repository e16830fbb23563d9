package server

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
)

var homeMutable = []string{"display_name", "address", "time_zone"}

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
		want     updateMask
	}{
		{"star replaces every mutable field", asset, mutableAssetFields, []string{"*"}, allFields(mutableAssetFields...)},
		{"no mask means the populated fields", asset, mutableAssetFields, nil,
			updateMask{"make": nil, "model": nil, "purchase_cost": nil}},
		{"empty mask means the populated fields", asset, mutableAssetFields, []string{},
			updateMask{"make": nil, "model": nil, "purchase_cost": nil}},
		{"nothing populated changes nothing", &assetsv1.Location{Name: "n", Etag: "1"}, []string{"display_name", "kind", "floor"}, nil, updateMask{}},
		{"explicit paths, JSON or proto names", asset, mutableAssetFields, []string{"displayName", "serial_number"},
			updateMask{"display_name": nil, "serial_number": nil}},
		{"name, etag and output-only paths are skipped", asset, mutableAssetFields,
			[]string{"name", "etag", "create_time", "updateTime", "create_time.seconds", "make"}, updateMask{"make": nil}},
		// What the gateway derives from a PATCH of a whole GET body.
		{"gateway body mask", asset, mutableAssetFields,
			[]string{"create_time", "etag", "make", "name", "purchase_cost.amount_minor", "purchase_cost.currency_code"},
			updateMask{"make": nil, "purchase_cost": {"amount_minor", "currency_code"}}},
		{"sub-paths of the address", &assetsv1.Home{}, homeMutable, []string{"address.locality", "address.postalCode"},
			updateMask{"address": {"locality", "postal_code"}}},
		{"the whole field wins over its sub-paths", &assetsv1.Home{}, homeMutable,
			[]string{"address.locality", "address", "address.region_code"}, updateMask{"address": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mask *fieldmaskpb.FieldMask
			if tt.paths != nil {
				mask = &fieldmaskpb.FieldMask{Paths: tt.paths}
			}
			got, err := resolveMask(mask, tt.resource, tt.mutable...)
			if err != nil {
				t.Fatalf("resolveMask(%q): %v", tt.paths, err)
			}
			if !maps.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("resolveMask(%q) = %v, want %v", tt.paths, got, tt.want)
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
		_, err := resolveMask(&fieldmaskpb.FieldMask{Paths: paths}, &assetsv1.Home{}, homeMutable...)
		requireInvalidField(t, err, "update_mask")
	}
	// Known but not mutable: a resource with such a field, checked through
	// a smaller mutable list.
	_, err := resolveMask(&fieldmaskpb.FieldMask{Paths: []string{"time_zone"}}, &assetsv1.Home{}, "display_name")
	requireInvalidField(t, err, "update_mask")
	// An implied mask is checked the same way.
	_, err = resolveMask(nil, &assetsv1.Home{TimeZone: "UTC"}, "display_name")
	requireInvalidField(t, err, "update_mask")
}

func TestPatchAddress(t *testing.T) {
	t.Parallel()
	stored := marshalAddress(&assetsv1.PostalAddress{
		AddressLines: []string{"12 Quay Street"}, Locality: "Bristol", PostalCode: "BS1 4DJ", RegionCode: "GB",
	})
	in := &assetsv1.PostalAddress{AddressLines: []string{"1 New Road", "Flat 2"}, Locality: "Bath"}
	tests := []struct {
		name  string
		in    *assetsv1.PostalAddress
		parts []string
		want  *assetsv1.PostalAddress
	}{
		{"whole", in, nil, in},
		{"one part", in, []string{"locality"},
			&assetsv1.PostalAddress{AddressLines: []string{"12 Quay Street"}, Locality: "Bath", PostalCode: "BS1 4DJ", RegionCode: "GB"}},
		{"a repeated part", in, []string{"address_lines"},
			&assetsv1.PostalAddress{AddressLines: []string{"1 New Road", "Flat 2"}, Locality: "Bristol", PostalCode: "BS1 4DJ", RegionCode: "GB"}},
		{"a part left unset is cleared", in, []string{"postal_code", "region_code"},
			&assetsv1.PostalAddress{AddressLines: []string{"12 Quay Street"}, Locality: "Bristol"}},
		{"no address at all clears the part", nil, []string{"locality"},
			&assetsv1.PostalAddress{AddressLines: []string{"12 Quay Street"}, PostalCode: "BS1 4DJ", RegionCode: "GB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := patchAddress(stored, tt.in, tt.parts)
			if !proto.Equal(got, tt.want) {
				t.Errorf("patchAddress(%v) = %v, want %v", tt.parts, protojson.Format(got), protojson.Format(tt.want))
			}
		})
	}
	if !proto.Equal(in, &assetsv1.PostalAddress{AddressLines: []string{"1 New Road", "Flat 2"}, Locality: "Bath"}) {
		t.Errorf("patchAddress changed its input: %v", in)
	}
}

// requireInvalidField checks err is INVALID_ARGUMENT naming field.
func requireInvalidField(t *testing.T, err error, field string) {
	t.Helper()
	var e *apierror.Error
	if !errors.As(err, &e) || e.Code != codes.InvalidArgument {
		t.Fatalf("error %v, want INVALID_ARGUMENT on %s", err, field)
	}
	for _, v := range e.Violations {
		if v.Field == field || strings.HasPrefix(v.Field, field+".") {
			return
		}
	}
	t.Fatalf("error %v does not name %s: %+v", err, field, e.Violations)
}
