package catalog_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
)

func register(catalog.Env) ([]grpcserver.Service, error) { return nil, nil }

func TestCheck(t *testing.T) {
	t.Parallel()
	ok := catalog.Service{Name: "accounts", Schema: "accounts", GRPCAddr: "127.0.0.1:1", Register: register}
	tests := map[string]struct {
		services []catalog.Service
		want     string // in the error; "" for none
	}{
		"valid": {services: []catalog.Service{ok, {Name: "issuer", Schema: "devidp", HTTPAddr: "127.0.0.1:2"},
			{Name: "assets", GRPCAddr: "127.0.0.1:3", Register: register, Dials: []string{"accounts"}}}},
		"name":            {services: []catalog.Service{{Name: "Assets", GRPCAddr: "x", Register: register}}, want: "lower-case word"},
		"twice":           {services: []catalog.Service{ok, ok}, want: "listed twice"},
		"schema twice":    {services: []catalog.Service{ok, {Name: "b", Schema: "accounts", HTTPAddr: "x"}}, want: "both own schema"},
		"no address":      {services: []catalog.Service{{Name: "a"}}, want: "exactly one of"},
		"two addresses":   {services: []catalog.Service{{Name: "a", GRPCAddr: "x", HTTPAddr: "y", Register: register}}, want: "exactly one of"},
		"no register":     {services: []catalog.Service{{Name: "a", GRPCAddr: "x"}}, want: "needs Register"},
		"dials later":     {services: []catalog.Service{{Name: "a", GRPCAddr: "x", Register: register, Dials: []string{"accounts"}}, ok}, want: "not listed before it"},
		"dials no one":    {services: []catalog.Service{{Name: "a", GRPCAddr: "x", Register: register, Dials: []string{"zzz"}}}, want: "not listed before it"},
		"gateway on http": {services: []catalog.Service{{Name: "a", HTTPAddr: "x", Gateway: []catalog.GatewayHandler{nil}}}, want: "gateway routes"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := catalog.Check(tc.services)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Check: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestNamesDerive(t *testing.T) {
	t.Parallel()
	grpcSvc := catalog.Service{Name: "assets", GRPCAddr: "127.0.0.1:9101"}
	httpSvc := catalog.Service{Name: "issuer", HTTPAddr: "127.0.0.1:8081"}
	for _, tc := range []struct{ got, want string }{
		{grpcSvc.AddrEnv(), "ASSETS_GRPC_ADDR"},
		{grpcSvc.Addr(), "127.0.0.1:9101"},
		{grpcSvc.Binary(), "steward-assets"},
		{grpcSvc.Package(), "./services/assets/cmd/steward-assets"},
		{httpSvc.AddrEnv(), "ISSUER_ADDR"},
		{httpSvc.Addr(), "127.0.0.1:8081"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestServeAllGivesDialedAddresses(t *testing.T) {
	t.Parallel()
	var seen map[string]string
	services := []catalog.Service{
		{Name: "a", GRPCAddr: "x", Register: register},
		{Name: "issuer", HTTPAddr: "y"},
		{Name: "b", GRPCAddr: "x", Register: func(env catalog.Env) ([]grpcserver.Service, error) {
			seen = env.Targets
			return nil, nil
		}, Dials: []string{"a"}},
	}
	addrs, err := catalog.ServeAll(services, catalog.Env{}, func(s catalog.Service, r catalog.Registrar) (string, error) {
		_, err := r(nil)
		return "addr-of-" + s.Name, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(addrs) != 2 || addrs["a"] != "addr-of-a" || addrs["b"] != "addr-of-b" {
		t.Errorf("addresses %v", addrs)
	}
	if seen["a"] != "addr-of-a" {
		t.Errorf("b was given targets %v, want a's address", seen)
	}
}

// TestServiceIdentityFrom: no settings, no identity; half the credentials
// refuse to start; both fetch tokens from the issuer's token endpoint unless
// SERVICE_TOKEN_URL names another.
func TestServiceIdentityFrom(t *testing.T) {
	t.Parallel()
	var asked []string
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		asked = append(asked, r.URL.Path+" "+id+":"+secret)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":300}`))
	}))
	t.Cleanup(issuer.Close)
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}

	if id, err := catalog.ServiceIdentityFrom(env()); id != nil || err != nil {
		t.Errorf("nothing set: %v, %v; want no identity and no error", id, err)
	}
	for _, half := range []func(string) string{env("SERVICE_CLIENT_ID", "steward-maintenance"), env("SERVICE_CLIENT_SECRET", "s3cret")} {
		if id, err := catalog.ServiceIdentityFrom(half); id != nil || err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("half the credentials: %v, %v; want an error that does not echo the secret", id, err)
		}
	}
	for _, getenv := range []func(string) string{
		env("SERVICE_CLIENT_ID", "steward-maintenance", "SERVICE_CLIENT_SECRET", "s3cret", "OIDC_ISSUER", issuer.URL+"/"),
		env("SERVICE_CLIENT_ID", "steward-maintenance", "SERVICE_CLIENT_SECRET", "s3cret", "OIDC_ISSUER", "http://127.0.0.1:1",
			"SERVICE_TOKEN_URL", issuer.URL+"/token"),
	} {
		id, err := catalog.ServiceIdentityFrom(getenv)
		if err != nil {
			t.Fatal(err)
		}
		if tok, err := id.AccessToken(); err != nil || tok != "tok" {
			t.Errorf("AccessToken: %q, %v", tok, err)
		}
	}
	if want := "[/token steward-maintenance:s3cret /token steward-maintenance:s3cret]"; fmt.Sprint(asked) != want {
		t.Errorf("token requests %v; want %s", asked, want)
	}
}
