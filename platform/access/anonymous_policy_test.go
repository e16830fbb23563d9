package access_test

import (
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/access"
)

// anonymousServices registers accesstest.anon.v1, whose services declare
// anonymous policies, well-formed or not.
var anonymousServices = sync.OnceValue(func() error {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	file := &descriptorpb.FileDescriptorProto{
		Name: proto.String("accesstest/anon/v1/test.proto"), Package: proto.String("accesstest.anon.v1"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Req"), Field: []*descriptorpb.FieldDescriptorProto{{
			Name: proto.String("name"), JsonName: proto.String("name"), Number: proto.Int32(1), Type: str,
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
		}}}},
	}
	for service, policy := range map[string]*typev1.AccessPolicy{
		"Anonymous":               {TenantField: "name", AnonymousBecause: "the URL's secret is the credential"},
		"AnonymousWithoutTenant":  {AnonymousBecause: "no tenant to scope to"},
		"AnonymousWithPermission": {TenantField: "name", Permission: "assets.read", AnonymousBecause: "both"},
		"AnonymousMissingField":   {TenantField: "parent", AnonymousBecause: "a field the request lacks"},
	} {
		opts := &descriptorpb.MethodOptions{}
		proto.SetExtension(opts, typev1.E_Access, policy)
		file.Service = append(file.Service, &descriptorpb.ServiceDescriptorProto{Name: proto.String(service),
			Method: []*descriptorpb.MethodDescriptorProto{{Name: proto.String("Do"), InputType: proto.String(".accesstest.anon.v1.Req"),
				OutputType: proto.String(".accesstest.anon.v1.Req"), Options: opts}}})
	}
	fd, err := protodesc.NewFile(file, protoregistry.GlobalFiles)
	if err != nil {
		return err
	}
	return protoregistry.GlobalFiles.RegisterFile(fd)
})

// TestAnonymousPolicies: an anonymous RPC names its tenant and no
// permission, and says why; anything else is refused at load.
func TestAnonymousPolicies(t *testing.T) {
	t.Parallel()
	if err := anonymousServices(); err != nil {
		t.Fatal(err)
	}
	ps, err := access.LoadPolicies("accesstest.anon.v1.Anonymous")
	if err != nil {
		t.Fatal(err)
	}
	p := ps["/accesstest.anon.v1.Anonymous/Do"]
	if p.AnonymousBecause == "" || p.Permission != "" || p.FieldPath != "name" || len(p.TenantField) != 1 {
		t.Errorf("Anonymous = %+v; want a tenant field, no permission and its reason", p)
	}
	for service, wantErr := range map[string]string{
		"AnonymousWithoutTenant":  "must name its tenant",
		"AnonymousWithPermission": "holds no permission",
		"AnonymousMissingField":   `no singular field "parent"`,
	} {
		_, err := access.LoadPolicies("accesstest.anon.v1." + service)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: %v; want an error containing %q", service, err, wantErr)
		}
	}

	// The contract's one anonymous RPC: the calendar feed's content.
	ps, err = access.LoadPolicies(bookingv1.CalendarService_ServiceDesc.ServiceName)
	if err != nil {
		t.Fatal(err)
	}
	for method, p := range ps {
		anonymous := strings.HasSuffix(method, "/GetCalendarFeedContent")
		if (p.AnonymousBecause != "") != anonymous || (p.Permission == "") != anonymous || p.TenantField == nil {
			t.Errorf("%s = %+v; only GetCalendarFeedContent is anonymous, every RPC is tenant-scoped", method, p)
		}
	}
	if p := ps["/steward.booking.v1.CalendarService/GetCalendarFeedContent"]; p.FieldPath != "name" {
		t.Errorf("GetCalendarFeedContent's tenant field = %q, want name", p.FieldPath)
	}
}
