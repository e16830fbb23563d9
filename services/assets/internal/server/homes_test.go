package server

import (
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
)

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
