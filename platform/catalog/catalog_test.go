package catalog_test

import (
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
