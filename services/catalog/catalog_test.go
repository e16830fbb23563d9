package catalog_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/db"
	platformcatalog "steward.dev/platform/catalog"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/catalog"
)

func TestCatalogIsConsistent(t *testing.T) {
	t.Parallel()
	if err := platformcatalog.Check(catalog.Services()); err != nil {
		t.Fatal(err)
	}
}

// TestCatalogMigratesInDBOrder: the schemas of the catalog's services are
// exactly the schema folders of db/migrations but the platform's, and the catalog lists each
// service after those whose schemas its migrations require ("-- requires:"),
// so the dependency order it documents is the one db migrates in.
func TestCatalogMigratesInDBOrder(t *testing.T) {
	t.Parallel()
	order, err := db.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	order = slices.DeleteFunc(order, func(s string) bool { return slices.Contains(db.PlatformSchemas, s) })
	listed := catalog.Schemas()
	if got, want := slices.Sorted(slices.Values(listed)), slices.Sorted(slices.Values(order)); !slices.Equal(got, want) {
		t.Fatalf("the catalog's schemas %v, the schema folders of db/migrations %v: each service's schema needs its folder, and each folder its service", got, want)
	}
	for i, schema := range listed {
		required, err := db.Requires(schema)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range required {
			if !slices.Contains(listed[:i], r) {
				t.Errorf("the catalog lists %s before %s, which its migrations require", schema, r)
			}
		}
	}
}

// TestEveryBinaryIsBuilt: every binary under services/ is a catalog entry's
// or one of the stack's own, so `make build` (which builds Binaries) builds
// them all, and every entry has its binary.
func TestEveryBinaryIsBuilt(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("../*/cmd/steward-*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range dirs {
		found = append(found, "./services/"+filepath.ToSlash(filepath.Dir(d))[len("../"):])
	}
	found = slices.DeleteFunc(found, func(p string) bool { return p == "./services/catalog/cmd/steward-catalog" })
	want := catalog.Binaries()
	slices.Sort(found)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		t.Errorf("binaries under services/: %v\ncatalog.Binaries(): %v", found, want)
	}
}

func TestGRPCServicesAndTheIssuerAreListed(t *testing.T) {
	t.Parallel()
	grpc := catalog.GRPCServices()
	if len(grpc) == 0 {
		t.Fatal("no gRPC services")
	}
	for _, s := range grpc {
		if s.Register == nil || s.GRPCAddr == "" {
			t.Errorf("%s: a gRPC service without Register or GRPCAddr", s.Name)
		}
	}
	if _, ok := catalog.Lookup(catalog.IssuerName); !ok {
		t.Errorf("no %q entry: make run needs the development issuer", catalog.IssuerName)
	}
}

var (
	protoPackage = regexp.MustCompile(`(?m)^package ([\w.]+);`)
	protoService = regexp.MustCompile(`(?m)^service (\w+) \{`)
)

// TestEveryProtoServiceIsServed: every service declared under proto/ is
// served by a catalog entry, and each entry the gateway exposes has one
// gateway handler per gRPC service it serves. So a new contract cannot be
// left out of make run, the gateway or the end-to-end stack, where the
// server refuses to start an RPC without an access policy.
func TestEveryProtoServiceIsServed(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../proto/steward/*/*/*.proto")
	if err != nil || len(files) == 0 {
		t.Fatalf("no proto files (%v)", err)
	}
	declared := map[string]string{} // full service name → file
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pkg := protoPackage.FindSubmatch(text)
		for _, m := range protoService.FindAllSubmatch(text, -1) {
			declared[string(pkg[1])+"."+string(m[1])] = f
		}
	}
	// A pool that never connects (pgxpool dials on first use): a service
	// may build its job queue on the database at registration.
	pool, err := pgxpool.New(t.Context(), "postgres://steward@127.0.0.1:1/unused")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	served := map[string]string{} // full service name → catalog entry
	for _, s := range catalog.GRPCServices() {
		svcs, err := s.Register(platformcatalog.Env{DB: tenantdb.New(pool), DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		apis := 0
		for _, gs := range svcs {
			if gs.Desc != nil { // background work has no descriptor
				served[gs.Desc.ServiceName] = s.Name
				apis++
			}
		}
		if len(s.Gateway) > 0 && len(s.Gateway) != apis {
			t.Errorf("%s serves %d gRPC services but has %d gateway handlers", s.Name, apis, len(s.Gateway))
		}
	}
	for name, file := range declared {
		if _, ok := served[name]; !ok {
			t.Errorf("%s (%s) is served by no catalog entry", name, file)
		}
	}
	for name, entry := range served {
		if _, ok := declared[name]; !ok {
			t.Errorf("%s serves %s, which no proto under proto/steward declares", entry, name)
		}
	}
}
