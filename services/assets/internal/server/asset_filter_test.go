package server

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"steward.dev/platform/aip/aiptest"
	"steward.dev/platform/apierror"
	"steward.dev/services/assets/internal/store"
)

func date(s string) pgtype.Date {
	t, _ := time.Parse(time.DateOnly, s)
	return pgtype.Date{Time: t, Valid: true}
}

func TestApplyAssetFilter(t *testing.T) {
	t.Parallel()
	tenant := uuid.New()
	loc := "tenants/" + tenant.String() + "/homes/" + uuid.NewString() + "/locations/" + uuid.NewString()
	tests := []struct {
		filter string
		check  func(p store.ListAssetsParams) bool
	}{
		{`warranty_expiry_date >= "2025-01-01" AND warranty_expiry_date < "2026-01-01"`, func(p store.ListAssetsParams) bool {
			return p.WarrantyGte == date("2025-01-01") && p.WarrantyLt == date("2026-01-01") && !p.WarrantyLte.Valid
		}},
		{`warranty_expiry_date = "2025-01-01"`, func(p store.ListAssetsParams) bool {
			return p.WarrantyGte == date("2025-01-01") && p.WarrantyLte == date("2025-01-01")
		}},
		{`category = "assetCategories/roof" AND category != "roof-old"`, func(p store.ListAssetsParams) bool {
			return p.CategoryID.String == "roof" && p.CategoryIDNot.String == "roof-old"
		}},
		{`status = IN_SERVICE AND make = "Bosch" AND location != "` + loc + `"`, func(p store.ListAssetsParams) bool {
			return p.Status.String == "in_service" && p.Make.String == "Bosch" && p.LocationIDNot.Valid && !p.LocationID.Valid
		}},
	}
	for _, tt := range tests {
		var p store.ListAssetsParams
		if err := applyAssetFilter(tt.filter, tenant, &p); err != nil {
			t.Errorf("%s: %v", tt.filter, err)
			continue
		}
		if !tt.check(p) {
			t.Errorf("%s: params %+v", tt.filter, p)
		}
	}
}

// TestApplyAssetFilterRefusesRepeats: each parameter holds one value, so a
// second condition for it would drop the first.
func TestApplyAssetFilterRefusesRepeats(t *testing.T) {
	t.Parallel()
	tenant := uuid.New()
	loc := `"tenants/` + tenant.String() + "/homes/" + uuid.NewString() + "/locations/" + uuid.NewString() + `"`
	for _, f := range []string{
		`warranty_expiry_date < "2025-01-01" AND warranty_expiry_date < "2030-01-01"`,
		`warranty_expiry_date = "2025-01-01" AND warranty_expiry_date >= "2020-01-01"`,
		`warranty_expiry_date <= "2025-01-01" AND warranty_expiry_date = "2020-01-01"`,
		`warranty_expiry_date > "2025-01-01" AND warranty_expiry_date > "2025-01-01"`,
		`category = "roof" AND category = "hvac"`,
		`category != "roof" AND status = RETIRED AND category != "hvac"`,
		`status != RETIRED AND status != IN_SERVICE`,
		`make = "A" AND make = "B"`,
		`location = ` + loc + ` AND location = ` + loc,
	} {
		var p store.ListAssetsParams
		aiptest.RequireInvalidField(t, applyAssetFilter(f, tenant, &p), "filter")
	}
}

// TestFilterErrorsAreUTF8: error messages quote what the client wrote, and
// must not split a multi-byte character (a gRPC message and the JSON answer
// need valid UTF-8).
func TestFilterErrorsAreUTF8(t *testing.T) {
	t.Parallel()
	for _, f := range []string{
		`colouré = "red"`,
		`é = 1`,
		`façade = "x"`,
		`make = "x" ANDé make = "y"`,
		`make = "x" AND` + "\u00a0" + `façade = "y"`,
		`make ≠ "x"`,
		`日本 = "x"`,
		`status = ÉTEINT`,
		`warranty_expiry_date < ２０２５-01-01`,
	} {
		var p store.ListAssetsParams
		err := applyAssetFilter(f, uuid.New(), &p)
		var e *apierror.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %v, want an INVALID_ARGUMENT", f, err)
			continue
		}
		for _, v := range e.Violations {
			if !utf8.ValidString(v.Description) {
				t.Errorf("%s: description %q is not valid UTF-8", f, v.Description)
			}
		}
		if !utf8.ValidString(e.Message) {
			t.Errorf("%s: message %q is not valid UTF-8", f, e.Message)
		}
	}
}
