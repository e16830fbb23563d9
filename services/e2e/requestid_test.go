package e2e_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
)

// TestRequestIDReusedIs409: AIP-155 through the gateway, for every create of
// Assets. A retry with the same request_id and body returns the first
// result; the same request_id with a different body is 409 with reason
// REQUEST_ID_REUSED (as Stripe refuses a reused idempotency key), never the
// first result passed off as the answer to another request.
func TestRequestIDReusedIs409(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tok := s.token(t, householdOwner)
	ctx := s.as(t, householdOwner)
	tenant := "tenants/" + s.summary.HouseholdTenantID.String()
	home := newHome(t, s, ctx)
	asset, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home,
		Asset: &assetsv1.Asset{DisplayName: "Meter host", Category: "assetCategories/other"}})
	if err != nil {
		t.Fatal(err)
	}
	content := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, c := range []struct {
		name, path, body, other string
	}{
		{"home", "/v1/" + tenant + "/homes",
			`{"displayName":"Harbour Flat","timeZone":"Europe/London"}`,
			`{"displayName":"Harbour Flat","timeZone":"Europe/Paris"}`},
		{"location", "/v1/" + home + "/locations",
			`{"displayName":"Kitchen"}`,
			`{"displayName":"Cellar"}`},
		{"asset", "/v1/" + home + "/assets",
			`{"displayName":"Boiler","category":"assetCategories/other"}`,
			`{"displayName":"Boiler","category":"assetCategories/other","make":"Vaillant"}`},
		{"meter reading", "/v1/" + asset.GetName() + "/meterReadings",
			`{"meter":"runtime","unit":"UNIT_HOURS","value":10}`,
			`{"meter":"runtime","unit":"UNIT_HOURS","value":11}`},
		{"attachment", "/v1/" + asset.GetName() + "/attachments",
			// The whole body is the request (body "*"), so request_id rides in it.
			`{"requestId":"RID","attachment":{"kind":"KIND_MANUAL","filename":"a.txt","contentType":"text/plain"},"content":"` + content("first") + `"}`,
			`{"requestId":"RID","attachment":{"kind":"KIND_MANUAL","filename":"a.txt","contentType":"text/plain"},"content":"` + content("second") + `"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			rid := uuid.NewString()
			path := c.path + "?requestId=" + rid
			body, other := strings.ReplaceAll(c.body, "RID", rid), strings.ReplaceAll(c.other, "RID", rid)
			var first, retry struct{ Name string }
			if code := s.httpDo(t, "POST", path, tok, body, &first); code != http.StatusOK || first.Name == "" {
				t.Fatalf("create: %d %+v", code, first)
			}
			if code := s.httpDo(t, "POST", path, tok, body, &retry); code != http.StatusOK || retry.Name != first.Name {
				t.Fatalf("retry: %d %s, want 200 %s", code, retry.Name, first.Name)
			}
			var e apiError
			code := s.httpDo(t, "POST", path, tok, other, &e)
			if code != http.StatusConflict || len(e.Details) == 0 || e.Details[0].Reason != "REQUEST_ID_REUSED" {
				t.Fatalf("same request_id, other body: %d %+v, want 409 REQUEST_ID_REUSED", code, e)
			}
		})
	}
}
