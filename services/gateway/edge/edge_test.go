package edge_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/services/gateway/edge"
)

// apiError is the error JSON the edge promises.
type apiError struct {
	Code    int              `json:"code"`
	Status  string           `json:"status"`
	Message string           `json:"message"`
	Details []map[string]any `json:"details"`
}

func decodeError(t *testing.T, r response) apiError {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil {
		t.Fatalf("error body %q is not JSON: %v", r.body, err)
	}
	for _, k := range []string{"code", "status", "message", "details"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("error body %s has no %q", r.body, k)
		}
	}
	var e apiError
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func decodeJSON(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", body, err)
	}
	return m
}

func TestBackendErrorsMapToHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	tests := []struct {
		name       string
		wantHTTP   int
		wantCode   int
		wantStatus string
	}{
		{"invalid", http.StatusBadRequest, 3, "INVALID_ARGUMENT"},
		{"missing", http.StatusNotFound, 5, "NOT_FOUND"},
		{"unauthenticated", http.StatusUnauthorized, 16, "UNAUTHENTICATED"},
		{"forbidden", http.StatusForbidden, 7, "PERMISSION_DENIED"},
		{"exists", http.StatusConflict, 6, "ALREADY_EXISTS"},
		{"stale", http.StatusPreconditionFailed, 10, "ABORTED"},
		{"conflict", http.StatusConflict, 10, "ABORTED"},
		{"precondition", http.StatusBadRequest, 9, "FAILED_PRECONDITION"},
		{"unavailable", http.StatusServiceUnavailable, 14, "UNAVAILABLE"},
		{"internal", http.StatusInternalServerError, 13, "INTERNAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, f.url+"/v1/tenants/"+tt.name)
			if r.status != tt.wantHTTP {
				t.Errorf("HTTP status = %d, want %d (body %s)", r.status, tt.wantHTTP, r.body)
			}
			e := decodeError(t, r)
			if e.Code != tt.wantCode || e.Status != tt.wantStatus {
				t.Errorf("code/status = %d/%s, want %d/%s", e.Code, e.Status, tt.wantCode, tt.wantStatus)
			}
			if e.Message == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestErrorDetailsAreRendered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	e := decodeError(t, get(t, f.url+"/v1/tenants/invalid"))
	if len(e.Details) != 2 {
		t.Fatalf("details = %v, want BadRequest and ErrorInfo", e.Details)
	}
	br := e.Details[0]
	if br["@type"] != "type.googleapis.com/google.rpc.BadRequest" {
		t.Errorf("details[0][@type] = %v", br["@type"])
	}
	fv, _ := br["fieldViolations"].([]any)
	if len(fv) != 1 {
		t.Fatalf("fieldViolations = %v", br["fieldViolations"])
	}
	if v := fv[0].(map[string]any); v["field"] != "name" || v["description"] != "must be a tenant resource name" {
		t.Errorf("fieldViolations[0] = %v", v)
	}
	info := e.Details[1]
	if info["@type"] != "type.googleapis.com/google.rpc.ErrorInfo" || info["reason"] != "INVALID_ARGUMENT" || info["domain"] != "steward.dev" {
		t.Errorf("details[1] = %v", info)
	}

	e = decodeError(t, get(t, f.url+"/v1/tenants/missing"))
	if len(e.Details) != 1 {
		t.Fatalf("details = %v, want ErrorInfo", e.Details)
	}
	if md, _ := e.Details[0]["metadata"].(map[string]any); md["resource"] != "tenants/missing" {
		t.Errorf("ErrorInfo metadata = %v", e.Details[0]["metadata"])
	}
}

func TestErrorsWithoutDetailsHaveEmptyDetails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	r := get(t, f.url+"/v1/tenants/forbidden")
	if !strings.Contains(r.body, `"details":[]`) {
		t.Errorf("body = %s, want an empty details array", r.body)
	}
}

func TestUnauthenticatedAsksForBearer(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	r := get(t, f.url+"/v1/tenants/unauthenticated")
	if got := r.header.Get("WWW-Authenticate"); got != "Bearer" {
		t.Errorf("WWW-Authenticate = %q, want Bearer", got)
	}
}

func TestUnavailableHidesTransportDetail(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	e := decodeError(t, get(t, f.url+"/v1/tenants/unavailable"))
	if strings.Contains(e.Message, "10.0.0.7") {
		t.Errorf("message %q leaks an internal address", e.Message)
	}
}

func TestSuccessIsProtoJSON(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	r := get(t, f.url+"/v1/tenants")
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	m := decodeJSON(t, r.body)
	if _, ok := m["nextPageToken"]; ok {
		t.Errorf("unpopulated nextPageToken emitted: %s", r.body)
	}
	tenants, _ := m["tenants"].([]any)
	if len(tenants) != 2 {
		t.Fatalf("tenants = %v", m["tenants"])
	}
	first := tenants[0].(map[string]any)
	if first["displayName"] != "The Smiths" || first["kind"] != "KIND_HOUSEHOLD" {
		t.Errorf("tenants[0] = %v, want lowerCamelCase names and enum names", first)
	}
	if roles, _ := first["roles"].([]any); len(roles) != 1 || roles[0] != "ROLE_OWNER" {
		t.Errorf("tenants[0].roles = %v", first["roles"])
	}
	if _, ok := tenants[1].(map[string]any)["roles"]; ok {
		t.Errorf("empty roles emitted: %v", tenants[1])
	}

	m = decodeJSON(t, get(t, f.url+"/v1/tenants/0b9f5a3c-0000-4000-8000-000000000001").body)
	if m["name"] != "tenants/0b9f5a3c-0000-4000-8000-000000000001" {
		t.Errorf("GetTenant name = %v", m["name"])
	}
}

func TestAuthorizationReachesBackend(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	r := do(t, http.MethodGet, f.url+"/v1/tenants", nil, map[string]string{
		"Authorization": "Bearer tok-123",
		"Cookie":        "session=abc",
	})
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", r.status, r.body)
	}
	md := f.tenants.last()
	if got := md.Get("authorization"); !slices.Equal(got, []string{"Bearer tok-123"}) {
		t.Errorf("authorization metadata = %q, want exactly the header", got)
	}
	for k := range md {
		if strings.Contains(k, "authorization") && k != "authorization" || strings.Contains(k, "cookie") {
			t.Errorf("metadata %q = %q should not be forwarded", k, md[k])
		}
	}
}

func TestRequestIDRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	t.Run("given", func(t *testing.T) {
		r := do(t, http.MethodGet, f.url+"/v1/tenants", nil, map[string]string{"X-Request-Id": "req-42"})
		if got := f.tenants.last().Get("x-request-id"); !slices.Equal(got, []string{"req-42"}) {
			t.Errorf("backend x-request-id = %q, want [req-42]", got)
		}
		if got := r.header.Values("X-Request-Id"); !slices.Equal(got, []string{"req-42"}) {
			t.Errorf("response X-Request-Id = %q, want [req-42]", got)
		}
	})
	t.Run("generated", func(t *testing.T) {
		r := get(t, f.url+"/v1/tenants")
		id := r.header.Get("X-Request-Id")
		if id == "" {
			t.Fatal("no X-Request-Id on the response")
		}
		if got := f.tenants.last().Get("x-request-id"); !slices.Equal(got, []string{id}) {
			t.Errorf("backend x-request-id = %q, want [%s]", got, id)
		}
	})
	t.Run("unsafe is replaced", func(t *testing.T) {
		r := do(t, http.MethodGet, f.url+"/v1/tenants", nil, map[string]string{"X-Request-Id": "a b\tc"})
		if id := r.header.Get("X-Request-Id"); id == "" || strings.ContainsAny(id, " \t") {
			t.Errorf("response X-Request-Id = %q, want a fresh id", id)
		}
	})
	t.Run("on errors", func(t *testing.T) {
		for _, path := range []string{"/v1/tenants/missing", "/v1/no-such-route"} {
			r := do(t, http.MethodGet, f.url+path, nil, map[string]string{"X-Request-Id": "req-err"})
			if got := r.header.Values("X-Request-Id"); !slices.Equal(got, []string{"req-err"}) {
				t.Errorf("%s: response X-Request-Id = %q, want [req-err]", path, got)
			}
		}
	})
}

func TestRequestBodyErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	url := f.url + "/v1/tenants/0b9f5a3c-0000-4000-8000-000000000001/homes"

	r := postJSON(t, url, `{"displayName":"Main house","timeZone":"America/Chicago"}`)
	if r.status != http.StatusOK {
		t.Fatalf("valid body: status = %d, body %s", r.status, r.body)
	}
	if m := decodeJSON(t, r.body); m["displayName"] != "Main house" || m["name"] != "tenants/0b9f5a3c-0000-4000-8000-000000000001/homes/h1" {
		t.Errorf("created home = %v", m)
	}

	tests := []struct {
		name, body, wantInMessage string
	}{
		{"syntax", `{"displayName":`, "invalid JSON request body"},
		{"unknown field", `{"displayNam":"Main house"}`, "unknown field"},
		{"wrong type", `{"displayName":42}`, "invalid JSON request body"},
		{"not an object", `[1,2]`, "invalid JSON request body"},
		{"trailing data", `{"displayName":"x"} {"displayName":"y"}`, "unexpected data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := postJSON(t, url, tt.body)
			if r.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400 (body %s)", r.status, r.body)
			}
			e := decodeError(t, r)
			if e.Status != "INVALID_ARGUMENT" || !strings.Contains(e.Message, tt.wantInMessage) {
				t.Errorf("error = %+v, want INVALID_ARGUMENT mentioning %q", e, tt.wantInMessage)
			}
		})
	}
}

func TestRequestBodyTooLarge(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *edge.Config) { c.MaxBodyBytes = 1024 })
	url := f.url + "/v1/tenants/0b9f5a3c-0000-4000-8000-000000000001/homes"
	big := `{"displayName":"` + strings.Repeat("a", 4096) + `"}`

	t.Run("with length", func(t *testing.T) {
		t.Parallel()
		r := postJSON(t, url, big)
		if r.status != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413 (body %s)", r.status, r.body)
		}
		decodeError(t, r)
	})
	t.Run("chunked", func(t *testing.T) {
		t.Parallel()
		// A reader of unknown length makes the client send it chunked, so
		// only reading reveals the size.
		body := io.MultiReader(strings.NewReader(big))
		r := do(t, http.MethodPost, url, body, map[string]string{"Content-Type": "application/json"})
		if r.status != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413 (body %s)", r.status, r.body)
		}
		decodeError(t, r)
	})
}

// TestBodyLimitIsPerRoute: routes get edge.DefaultMaxBodyBytes unless their
// RPC declares (steward.type.v1.max_request_body_bytes), as CreateAttachment
// does for its 8 MiB of content.
func TestBodyLimitIsPerRoute(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	homes := f.url + "/v1/tenants/0b9f5a3c-0000-4000-8000-000000000001/homes"
	attachments := homes + "/h1/assets/a1/attachments"
	homeOf := func(size int) string {
		return `{"displayName":"` + strings.Repeat("a", size-len(`{"displayName":""}`)) + `"}`
	}
	attachmentOf := func(content []byte) string {
		return `{"attachment":{"kind":"KIND_MANUAL","filename":"manual.pdf","contentType":"application/pdf"},"content":"` +
			base64.StdEncoding.EncodeToString(content) + `"}`
	}
	tooLarge := func(t *testing.T, r response, limit int) {
		t.Helper()
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status = %d, want 413 (body %.200s)", r.status, r.body)
		}
		e := decodeError(t, r)
		if want := fmt.Sprintf("request body is larger than %d bytes", limit); e.Status != "INVALID_ARGUMENT" || !strings.Contains(e.Message, want) {
			t.Errorf("error = %+v, want INVALID_ARGUMENT saying %q", e, want)
		}
	}

	t.Run("default limit admits an ordinary body", func(t *testing.T) {
		t.Parallel()
		if r := postJSON(t, homes, homeOf(edge.DefaultMaxBodyBytes)); r.status != http.StatusOK {
			t.Errorf("status = %d, want 200 (body %.200s)", r.status, r.body)
		}
	})
	t.Run("over the default limit is 413", func(t *testing.T) {
		t.Parallel()
		tooLarge(t, postJSON(t, homes, homeOf(edge.DefaultMaxBodyBytes+1)), edge.DefaultMaxBodyBytes)
	})
	t.Run("a route without the option cannot take an attachment-sized body", func(t *testing.T) {
		t.Parallel()
		tooLarge(t, postJSON(t, homes, homeOf(1<<20)), edge.DefaultMaxBodyBytes)
		// Sent chunked, only reading reveals the size.
		r := do(t, http.MethodPost, homes, io.MultiReader(strings.NewReader(homeOf(1<<20))), map[string]string{"Content-Type": "application/json"})
		tooLarge(t, r, edge.DefaultMaxBodyBytes)
	})
	t.Run("attachment upload accepts 8 MiB of content", func(t *testing.T) {
		t.Parallel()
		r := postJSON(t, attachments, attachmentOf(make([]byte, 8<<20)))
		if r.status != http.StatusOK {
			t.Fatalf("status = %d, want 200 (body %.200s)", r.status, r.body)
		}
		if m := decodeJSON(t, r.body); m["sizeBytes"] != fmt.Sprint(8<<20) {
			t.Errorf("sizeBytes = %v, want %d", m["sizeBytes"], 8<<20)
		}
	})
	t.Run("attachment upload has its own limit", func(t *testing.T) {
		t.Parallel()
		const declared = 12 << 20 // assets.proto, CreateAttachment
		r := do(t, http.MethodPost, attachments, io.MultiReader(strings.NewReader(attachmentOf(make([]byte, 9<<20)))),
			map[string]string{"Content-Type": "application/json"})
		tooLarge(t, r, declared)
	})
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	tests := []struct {
		method, path string
		wantHTTP     int
		wantStatus   string
	}{
		{http.MethodGet, "/v1/nothing-here", http.StatusNotFound, "NOT_FOUND"},
		{http.MethodGet, "/", http.StatusNotFound, "NOT_FOUND"},
		{http.MethodDelete, "/v1/tenants", http.StatusMethodNotAllowed, "UNIMPLEMENTED"},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed, "UNIMPLEMENTED"},
	}
	for _, tt := range tests {
		r := do(t, tt.method, f.url+tt.path, nil, nil)
		if r.status != tt.wantHTTP {
			t.Errorf("%s %s: status = %d, want %d", tt.method, tt.path, r.status, tt.wantHTTP)
		}
		if e := decodeError(t, r); e.Status != tt.wantStatus {
			t.Errorf("%s %s: status = %q, want %q", tt.method, tt.path, e.Status, tt.wantStatus)
		}
	}

	// A form POST must not fall back to the GET route (of a path with no
	// POST route: POST /v1/tenants is CreateTenant since issue 7).
	path := "/v1/tenants/0193a5c2-7d1e-7b3f-9c2a-1f2e3d4c5b6a"
	r := do(t, http.MethodPost, f.url+path, strings.NewReader("pageSize=1"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.status != http.StatusMethodNotAllowed {
		t.Errorf("form POST %s: status = %d, want 405", path, r.status)
	}
}

func checkHealth(t *testing.T, url string, wantHTTP int, want map[string]any) {
	t.Helper()
	r := get(t, url+"/healthz")
	if r.status != wantHTTP {
		t.Errorf("/healthz status = %d, want %d (body %s)", r.status, wantHTTP, r.body)
	}
	got := decodeJSON(t, r.body)
	if gj, wj := mustJSON(t, got), mustJSON(t, want); gj != wj {
		t.Errorf("/healthz body = %s, want %s", gj, wj)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHealthz(t *testing.T) {
	t.Parallel()

	t.Run("all serving", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		checkHealth(t, f.url, http.StatusOK, map[string]any{
			"status":   "SERVING",
			"backends": map[string]any{"accounts": "SERVING", "assets": "SERVING"},
		})
	})
	t.Run("backend not serving", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.assetsBE.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
		checkHealth(t, f.url, http.StatusServiceUnavailable, map[string]any{
			"status":   "NOT_SERVING",
			"backends": map[string]any{"accounts": "SERVING", "assets": "NOT_SERVING"},
		})
	})
	t.Run("backend down", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, func(c *edge.Config) { c.Backends[1].Addr = deadAddr(t) })
		checkHealth(t, f.url, http.StatusServiceUnavailable, map[string]any{
			"status":   "NOT_SERVING",
			"backends": map[string]any{"accounts": "SERVING", "assets": "UNAVAILABLE"},
		})
	})
	t.Run("backend stops", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		checkHealth(t, f.url, http.StatusOK, map[string]any{
			"status":   "SERVING",
			"backends": map[string]any{"accounts": "SERVING", "assets": "SERVING"},
		})
		f.accounts.stop()
		checkHealth(t, f.url, http.StatusServiceUnavailable, map[string]any{
			"status":   "NOT_SERVING",
			"backends": map[string]any{"accounts": "UNAVAILABLE", "assets": "SERVING"},
		})
	})
}

func TestDocs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	r := get(t, f.url+"/docs")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, want := range []string{`id="swagger-ui"`, "/docs/swagger-ui-bundle.js", "/docs/init.js", "/docs/swagger-ui.css"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/docs does not reference %s", want)
		}
	}
	if r.header.Get("Content-Security-Policy") == "" {
		t.Error("/docs has no Content-Security-Policy")
	}

	assets := map[string]string{
		"/docs/swagger-ui-bundle.js": "text/javascript",
		"/docs/init.js":              "text/javascript",
		"/docs/swagger-ui.css":       "text/css",
		"/docs/favicon-32x32.png":    "image/png",
		"/docs/favicon-16x16.png":    "image/png",
	}
	for path, wantType := range assets {
		r := get(t, f.url+path)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), wantType) || r.body == "" {
			t.Errorf("%s: %d %q (%d bytes)", path, r.status, r.header.Get("Content-Type"), len(r.body))
		}
	}
	if r := get(t, f.url+"/docs/LICENSE"); r.status != http.StatusNotFound {
		t.Errorf("/docs/LICENSE: status = %d, want 404", r.status)
	}

	// Unchanged files revalidate without a body.
	etag := get(t, f.url+"/docs/swagger-ui-bundle.js").header.Get("ETag")
	r = do(t, http.MethodGet, f.url+"/docs/swagger-ui-bundle.js", nil, map[string]string{"If-None-Match": etag})
	if etag == "" || r.status != http.StatusNotModified {
		t.Errorf("revalidation with ETag %q: status = %d, want 304", etag, r.status)
	}
}

func TestOpenAPIJSON(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)

	r := get(t, f.url+"/openapi.json")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("/openapi.json: %d %q", r.status, r.header.Get("Content-Type"))
	}
	doc := decodeJSON(t, r.body)
	if doc["swagger"] != "2.0" {
		t.Errorf("swagger = %v", doc["swagger"])
	}
	// The Authorize button of /docs needs a security scheme.
	defs, _ := doc["securityDefinitions"].(map[string]any)
	bearer, _ := defs["bearer"].(map[string]any)
	if bearer["in"] != "header" || bearer["name"] != "Authorization" {
		t.Errorf("securityDefinitions = %v", doc["securityDefinitions"])
	}
}

func TestOpenAPIWithOwnSecurityIsServedAsIs(t *testing.T) {
	t.Parallel()
	doc := `{"swagger":"2.0","securityDefinitions":{"oauth":{"type":"oauth2","flow":"password","tokenUrl":"/token"}},"paths":{}}`
	url := serveEdge(t, edge.Config{OpenAPI: []byte(doc)})
	if r := get(t, url+"/openapi.json"); r.body != doc {
		t.Errorf("/openapi.json = %s, want the document unchanged", r.body)
	}
}

func TestGeneratedOpenAPIIsAccepted(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../../gen/openapi/steward.swagger.json")
	if err != nil {
		t.Skipf("generated OpenAPI document not found: %v", err)
	}
	url := serveEdge(t, edge.Config{OpenAPI: doc})
	m := decodeJSON(t, get(t, url+"/openapi.json").body)
	paths, _ := m["paths"].(map[string]any)
	if _, ok := paths["/v1/tenants"]; !ok {
		t.Errorf("served document lacks /v1/tenants; paths = %v", paths)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	doc := []byte(testOpenAPI)
	tests := map[string]edge.Config{
		"no OpenAPI":        {},
		"OpenAPI not JSON":  {OpenAPI: []byte("swagger: '2.0'")},
		"OpenAPI not v2":    {OpenAPI: []byte(`{"openapi":"3.0.0"}`)},
		"unknown backend":   {OpenAPI: doc, Backends: []edge.Backend{{Name: "billing", Addr: "127.0.0.1:1"}}},
		"duplicate backend": {OpenAPI: doc, Backends: []edge.Backend{{Name: "assets", Addr: "127.0.0.1:1"}, {Name: "assets", Addr: "127.0.0.1:2"}}},
		"no address":        {OpenAPI: doc, Backends: []edge.Backend{{Name: "accounts"}}},
	}
	for name, cfg := range tests {
		if e, err := edge.New(t.Context(), cfg); err == nil {
			e.Close()
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
}

// syncBuffer lets the server's handler goroutines log while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	e, err := edge.New(t.Context(), edge.Config{
		Backends: []edge.Backend{{Name: "accounts", Addr: f.accounts.addr}},
		OpenAPI:  []byte(testOpenAPI),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var logs syncBuffer
	srv := httptest.NewServer(edge.AccessLog(slog.New(slog.NewJSONHandler(&logs, nil)), e))

	do(t, http.MethodGet, srv.URL+"/v1/tenants?pageToken=secret-query", nil, map[string]string{
		"Authorization": "Bearer s3cr3t-token",
		"X-Request-Id":  "log-req-1",
	})
	srv.Close() // waits for the handler, and so for its log line

	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &line); err != nil {
		t.Fatalf("want one JSON log line, got %q: %v", logs.String(), err)
	}
	for k, want := range map[string]any{"method": "GET", "path": "/v1/tenants", "status": 200.0, "request_id": "log-req-1"} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["duration_ms"]; !ok {
		t.Error("log line has no duration")
	}
	if s := logs.String(); strings.Contains(s, "s3cr3t") || strings.Contains(s, "secret-query") {
		t.Errorf("log leaks a secret: %s", s)
	}
}

// TestOpenAPIDocumentsErrorReasons: the default error response of the
// generated document names every reason a steward.*.ErrorReason enum
// declares (DESIGN decision 4: the wire reason is the value name without the
// enum's prefix), so a frontend reads them in /docs. openapiv2 emits only
// definitions something references, so the reasons are listed in the
// response's description (tenants.proto); this keeps that list whole.
func TestOpenAPIDocumentsErrorReasons(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../../gen/openapi/steward.swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Description string `json:"description"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var enums []protoreflect.EnumDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(string(fd.Package()), "steward.") {
			if ed := fd.Enums().ByName("ErrorReason"); ed != nil {
				enums = append(enums, ed)
			}
		}
		return true
	})
	t.Logf("%d ErrorReason enums in the contract", len(enums))
	missing := map[protoreflect.FullName]int{} // reason → operations not naming it
	for path, ops := range doc.Paths {
		for method, op := range ops {
			desc := op.Responses["default"].Description
			if desc == "" {
				t.Errorf("%s %s has no documented default (error) response", method, path)
				continue
			}
			for _, ed := range enums {
				for i := range ed.Values().Len() {
					v := ed.Values().Get(i)
					want := strings.TrimPrefix(string(v.Name()), "ERROR_REASON_")
					if s := proto.GetExtension(v.Options(), typev1.E_HttpStatus).(int32); s != 0 {
						want += fmt.Sprintf(" (%d)", s) // the status the edge answers, as documented
					}
					if v.Number() != 0 && !strings.Contains(desc, want) {
						missing[v.FullName()]++
					}
				}
			}
		}
	}
	for reason, n := range missing {
		t.Errorf("the error response of %d operations does not name %s; list it in the default response of tenants.proto", n, reason)
	}
}
