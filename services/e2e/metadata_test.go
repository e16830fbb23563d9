package e2e_test

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/metadata"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/services/gateway/edge"
)

// TestGrpcMetadataHeadersDoNotReachBackends: grpc-gateway turns
// Grpc-Metadata-* request headers into gRPC metadata unless the edge stops
// them. Through the real edge and real services, a client's
// Grpc-Metadata-Authorization, -X-Request-Id and -X-Steward-Tenant (the
// tenant a service names, decision 2 of issue 6) change nothing: every
// request is answered exactly as without them, and the backend sees only
// the edge's own authorization and request id.
func TestGrpcMetadataHeadersDoNotReachBackends(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	owner, school := s.token(t, householdOwner), s.token(t, schoolAdmin)
	schoolTenant := "tenants/" + s.summary.SchoolTenantID.String()

	get := func(t *testing.T, gatewayURL, path string, headers map[string]string) (int, string, http.Header) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, gatewayURL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}

	// Black box, through the stack's gateway: the answers are those
	// without the smuggled headers.
	t.Run("answers", func(t *testing.T) {
		wantCode, wantBody, _ := get(t, s.gatewayURL, "/v1/tenants", map[string]string{"Authorization": "Bearer " + owner})
		if wantCode != http.StatusOK {
			t.Fatalf("control: %d %s", wantCode, wantBody)
		}
		for name, tc := range map[string]struct {
			headers  map[string]string
			code     int
			sameBody bool
		}{
			"junk metadata authorization":      {map[string]string{"Authorization": "Bearer " + owner, "Grpc-Metadata-Authorization": "Bearer junk"}, http.StatusOK, true},
			"another user's token in metadata": {map[string]string{"Authorization": "Bearer " + owner, "Grpc-Metadata-Authorization": "Bearer " + school}, http.StatusOK, true},
			"only a metadata token":            {map[string]string{"Grpc-Metadata-Authorization": "Bearer " + owner}, http.StatusUnauthorized, false},
			"a tenant header":                  {map[string]string{"Authorization": "Bearer " + owner, "Grpc-Metadata-X-Steward-Tenant": schoolTenant}, http.StatusOK, true},
		} {
			code, body, _ := get(t, s.gatewayURL, "/v1/tenants", tc.headers)
			if code != tc.code || (tc.sameBody && body != wantBody) {
				t.Errorf("%s: %d %s, want %d as without it (%s)", name, code, body, tc.code, wantBody)
			}
		}
		for name, tc := range map[string]struct {
			headers map[string]string
			wantID  string // "" means a fresh one, not the smuggled value
		}{
			"client request id and a smuggled one": {map[string]string{"X-Request-Id": "client-chosen-1", "Grpc-Metadata-X-Request-Id": "smuggled-1"}, "client-chosen-1"},
			"only a smuggled request id":           {map[string]string{"Grpc-Metadata-X-Request-Id": "smuggled-2"}, ""},
		} {
			tc.headers["Authorization"] = "Bearer " + owner
			code, _, header := get(t, s.gatewayURL, "/v1/tenants", tc.headers)
			got := header.Get("X-Request-Id")
			if code != http.StatusOK || got == "" || strings.HasPrefix(got, "smuggled") || (tc.wantID != "" && got != tc.wantID) {
				t.Errorf("%s: %d, X-Request-Id %q, want the client's or a fresh one (%q)", name, code, got, tc.wantID)
			}
		}
	})

	// White box at the backend: a real assets service whose GetHome notes
	// the metadata it was called with, behind a real edge.
	t.Run("metadata at the backend", func(t *testing.T) {
		tap := &metadataTap{}
		b, err := s.startBackends(s.db.AppURL, func(impl assetsv1.AssetServiceServer) assetsv1.AssetServiceServer {
			return tapGetHome{AssetServiceServer: impl, tap: tap}
		})
		if err != nil {
			t.Fatal(err)
		}
		openapi, err := os.ReadFile("../../gen/openapi/steward.swagger.json")
		if err != nil {
			t.Fatal(err)
		}
		gw, err := edge.New(context.Background(), edge.Config{
			Backends: []edge.Backend{{Name: "accounts", Addr: b.accounts}, {Name: "assets", Addr: b.assets}},
			OpenAPI:  openapi,
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(gw)
		t.Cleanup(srv.Close)
		f := s.newTenant(t, "household", "owner")
		home := s.newResources(t, f)["steward.dev/Home"]
		smuggled := map[string]string{
			"Authorization":                  "Bearer " + f.Token,
			"X-Request-Id":                   "client-chosen-3",
			"Grpc-Metadata-X-Request-Id":     "smuggled-3",
			"Grpc-Metadata-X-Steward-Tenant": schoolTenant,
			"Grpc-Metadata-Smuggled":         "yes",
		}
		// Once without a second authorization (which the service would
		// refuse outright), so the other headers are seen on their own.
		for _, extraAuth := range []string{"", "Bearer " + school} {
			headers := maps.Clone(smuggled)
			if extraAuth != "" {
				headers["Grpc-Metadata-Authorization"] = extraAuth
			}
			code, body, _ := get(t, srv.URL, "/v1/"+home, headers)
			if code != http.StatusOK {
				t.Errorf("GET home with %v: %d %s", slices.Sorted(maps.Keys(headers)), code, body)
				continue
			}
			md := tap.last()
			if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+f.Token {
				t.Errorf("backend authorization = %q, want only the Authorization header's", got)
			}
			if got := md.Get("x-request-id"); len(got) != 1 || got[0] != "client-chosen-3" {
				t.Errorf("backend x-request-id = %q, want only the client's X-Request-Id", got)
			}
			for _, key := range []string{"x-steward-tenant", "smuggled"} {
				if got := md.Get(key); len(got) != 0 {
					t.Errorf("backend %s = %q, want none", key, got)
				}
			}
			// Nor under their own names: a backend never sees a client's
			// Grpc-Metadata-* header in any form.
			for key := range md {
				if strings.HasPrefix(key, "grpc-metadata-") {
					t.Errorf("backend received %s = %q, want no grpc-metadata-* key", key, md[key])
				}
			}
		}
	})
}

// metadataTap keeps the incoming metadata of the last call it saw.
type metadataTap struct {
	mu sync.Mutex
	md metadata.MD
}

func (m *metadataTap) note(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.md = md.Copy()
}

func (m *metadataTap) last() metadata.MD {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.md
}

// tapGetHome is the assets service, noting the metadata of GetHome.
type tapGetHome struct {
	assetsv1.AssetServiceServer
	tap *metadataTap
}

func (s tapGetHome) GetHome(ctx context.Context, req *assetsv1.GetHomeRequest) (*assetsv1.Home, error) {
	s.tap.note(ctx)
	return s.AssetServiceServer.GetHome(ctx, req)
}
