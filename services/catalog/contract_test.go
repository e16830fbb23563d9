package catalog_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"steward.dev/platform/access"
	"steward.dev/platform/bounds"
	_ "steward.dev/services/catalog" // every service's generated package, registered
)

// The descriptor checks every contract must pass live here, not in the
// platform packages that define them (access, bounds): this package links in
// every service's generated code through the catalog, and
// TestEveryProtoServiceIsServed fails if a contract under proto/ has no
// catalog entry. So a new service's RPCs are walked without a list of
// generated packages to keep beside the catalog.

// stewardServices is every steward.* service in the registry. Collected
// first and checked outside RangeFiles: reading options may look descriptors
// up, and the registry's read lock is not reentrant once another test waits
// to register a file.
func stewardServices() []protoreflect.ServiceDescriptor {
	var services []protoreflect.ServiceDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(string(fd.Package()), "steward.") {
			for i := range fd.Services().Len() {
				services = append(services, fd.Services().Get(i))
			}
		}
		return true
	})
	return services
}

// TestEveryStewardRPCDeclaresAPolicy walks every steward.* service in the
// registry, so an RPC added without an access policy, or naming a permission
// the tables of platform/access do not know, fails here, not only when a
// server that registers it starts.
func TestEveryStewardRPCDeclaresAPolicy(t *testing.T) {
	t.Parallel()
	services := stewardServices()
	for _, sd := range services {
		ps, err := access.LoadPolicies(string(sd.FullName()))
		if err != nil {
			t.Errorf("%s: %v", sd.ParentFile().Path(), err)
			continue
		}
		if len(ps) != sd.Methods().Len() {
			t.Errorf("%s: %d policies for %d methods", sd.FullName(), len(ps), sd.Methods().Len())
		}
	}
	t.Logf("checked %d steward services", len(services))
	if len(services) < 2 {
		t.Fatalf("found %d steward services; are the generated packages linked in?", len(services))
	}
}

// TestEveryStewardRequestIsBounded walks the request message of every RPC of
// every steward.* service, so a field added without a size limit fails here.
func TestEveryStewardRequestIsBounded(t *testing.T) {
	t.Parallel()
	var methods []protoreflect.MethodDescriptor
	for _, sd := range stewardServices() {
		for j := range sd.Methods().Len() {
			methods = append(methods, sd.Methods().Get(j))
		}
	}
	for _, md := range methods {
		for _, p := range bounds.Unbounded(md.Input()) {
			t.Errorf("%s: %s: %s", md.FullName(), md.Input().FullName(), p)
		}
	}
	t.Logf("checked the requests of %d steward RPCs", len(methods))
	if len(methods) < 20 {
		t.Fatalf("found %d steward RPCs; are the generated packages linked in?", len(methods))
	}
}
