package e2e_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestUnstorableTextIsTheClientsMistake: PostgreSQL cannot store NUL in text
// or jsonb; that is bad input, answered 400, never a 500.
func TestUnstorableTextIsTheClientsMistake(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	home := newHome(t, s, ctx)
	tok := s.token(t, householdOwner)
	tenant := "tenants/" + s.summary.HouseholdTenantID.String()
	for name, tc := range map[string]struct{ method, path, body string }{
		"home name":       {http.MethodPost, "/v1/" + tenant + "/homes", `{"displayName": "Flat\u0000 2", "timeZone": "Europe/London"}`},
		"asset attribute": {http.MethodPost, "/v1/" + home + "/assets", `{"displayName": "Kettle", "category": "assetCategories/other", "attributes": {"colour": "red\u0000"}}`},
		"asset make":      {http.MethodPost, "/v1/" + home + "/assets", `{"displayName": "Kettle", "category": "assetCategories/other", "make": "Bre\u0000ville"}`},
		"filter":          {http.MethodGet, "/v1/" + tenant + "/homes/-/assets?filter=" + url.QueryEscape("make = \"a\x00b\""), ""},
	} {
		var body struct {
			Status string `json:"status"`
		}
		if code := s.httpDo(t, tc.method, tc.path, tok, tc.body, &body); code != http.StatusBadRequest || body.Status != "INVALID_ARGUMENT" {
			t.Errorf("%s: HTTP %d %s, want 400 INVALID_ARGUMENT", name, code, body.Status)
		}
	}
}
