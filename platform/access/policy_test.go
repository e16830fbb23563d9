package access_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/access"
)

func TestResourceNameOfGeneratedRequest(t *testing.T) {
	t.Parallel()
	ps, err := access.LoadPolicies(assetsv1.AssetService_ServiceDesc.ServiceName)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := ps["/"+assetsv1.AssetService_ServiceDesc.ServiceName+"/UpdateAsset"]
	if !ok {
		t.Fatal("no policy for UpdateAsset")
	}
	if p.FieldPath != "asset.name" || len(p.TenantField) != 2 || p.Permission != access.AssetsWrite {
		t.Fatalf("UpdateAsset policy = %+v", p)
	}
	if got := p.ResourceName(&assetsv1.UpdateAssetRequest{}); got != "" {
		t.Errorf("ResourceName without an asset = %q, want empty", got)
	}
	name := "tenants/" + uuid.NewString() + "/assets/x"
	if got := p.ResourceName(&assetsv1.UpdateAssetRequest{Asset: &assetsv1.Asset{Name: name}}); got != name {
		t.Errorf("ResourceName = %q, want %q", got, name)
	}
}

// testServices registers accesstest.v1, a package outside steward.* whose
// services each declare one kind of policy, well-formed or not.
var testServices = sync.OnceValue(func() error {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	field := func(name string, n int32, typ *descriptorpb.FieldDescriptorProto_Type, label *descriptorpb.FieldDescriptorProto_Label, msg string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), JsonName: proto.String(name), Number: proto.Int32(n), Type: typ, Label: label}
		if msg != "" {
			f.TypeName = proto.String(msg)
		}
		return f
	}
	file := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("accesstest/v1/test.proto"),
		Package: proto.String("accesstest.v1"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Inner"), Field: []*descriptorpb.FieldDescriptorProto{field("name", 1, str, opt, "")}},
			{Name: proto.String("Req"), Field: []*descriptorpb.FieldDescriptorProto{
				field("name", 1, str, opt, ""),
				field("count", 2, descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum(), opt, ""),
				field("inner", 3, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), opt, ".accesstest.v1.Inner"),
				field("names", 4, str, descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum(), ""),
			}},
		},
	}
	for _, s := range []struct {
		service string
		policy  *typev1.AccessPolicy // nil: none declared
	}{
		{"Public", &typev1.AccessPolicy{}},
		{"Scoped", &typev1.AccessPolicy{TenantField: "name", Permission: "assets.write"}},
		{"Nested", &typev1.AccessPolicy{TenantField: "inner.name", Permission: "assets.read"}},
		{"NoPolicy", nil},
		{"PermissionWithoutField", &typev1.AccessPolicy{Permission: "assets.read"}},
		{"FieldWithoutPermission", &typev1.AccessPolicy{TenantField: "name"}},
		{"UnknownPermission", &typev1.AccessPolicy{TenantField: "name", Permission: "assets.own"}},
		{"Roles", &typev1.AccessPolicy{TenantField: "name", Permission: "assets.read", Roles: []typev1.Role{typev1.Role_ROLE_OWNER}}}, //nolint:staticcheck // the deprecated field, set to see it refused
		{"MissingField", &typev1.AccessPolicy{TenantField: "parent", Permission: "assets.read"}},
		{"NotString", &typev1.AccessPolicy{TenantField: "count", Permission: "assets.read"}},
		{"Repeated", &typev1.AccessPolicy{TenantField: "names", Permission: "assets.read"}},
		{"ThroughScalar", &typev1.AccessPolicy{TenantField: "name.x", Permission: "assets.read"}},
		{"MessageNotString", &typev1.AccessPolicy{TenantField: "inner", Permission: "assets.read"}},
		{"MissingNested", &typev1.AccessPolicy{TenantField: "inner.nope", Permission: "assets.read"}},
	} {
		opts := &descriptorpb.MethodOptions{}
		if s.policy != nil {
			proto.SetExtension(opts, typev1.E_Access, s.policy)
		}
		file.Service = append(file.Service, &descriptorpb.ServiceDescriptorProto{
			Name: proto.String(s.service),
			Method: []*descriptorpb.MethodDescriptorProto{{
				Name: proto.String("Do"), InputType: proto.String(".accesstest.v1.Req"), OutputType: proto.String(".accesstest.v1.Req"), Options: opts,
			}},
		})
	}
	fd, err := protodesc.NewFile(file, protoregistry.GlobalFiles)
	if err != nil {
		return err
	}
	return protoregistry.GlobalFiles.RegisterFile(fd)
})

func loadTestService(t *testing.T, service string) (access.Policy, error) {
	t.Helper()
	if err := testServices(); err != nil {
		t.Fatal(err)
	}
	ps, err := access.LoadPolicies("accesstest.v1." + service)
	if err != nil {
		return access.Policy{}, err
	}
	p, ok := ps["/accesstest.v1."+service+"/Do"]
	if !ok || len(ps) != 1 {
		t.Fatalf("LoadPolicies(%s) = %v; want exactly /accesstest.v1.%s/Do", service, ps, service)
	}
	return p, nil
}

func TestLoadPoliciesRejectsUncheckablePolicies(t *testing.T) {
	t.Parallel()
	for service, wantErr := range map[string]string{
		"NoPolicy":               "no (steward.type.v1.access) policy",
		"PermissionWithoutField": "permission without a tenant_field",
		"FieldWithoutPermission": "must name the permission",
		"UnknownPermission":      `unknown permission "assets.own"`,
		"Roles":                  "roles are no longer read",
		"MissingField":           `no singular field "parent"`,
		"NotString":              "is not a string",
		"Repeated":               `no singular field "names"`,
		"ThroughScalar":          `"name" is not a message`,
		"MessageNotString":       "is not a string",
		"MissingNested":          `no singular field "nope"`,
	} {
		_, err := loadTestService(t, service)
		if err == nil || !strings.Contains(err.Error(), wantErr) || !strings.Contains(err.Error(), "accesstest.v1."+service+".Do") {
			t.Errorf("%s: %v; want an error naming the method and containing %q", service, err, wantErr)
		}
	}
	// Loading a bad service with good ones still fails as a whole.
	if _, err := access.LoadPolicies("accesstest.v1.Public", "accesstest.v1.NoPolicy"); err == nil {
		t.Error("LoadPolicies succeeded with one service lacking a policy")
	}
	for _, name := range []string{"accesstest.v1.Absent", "accesstest.v1.Req"} {
		if _, err := access.LoadPolicies(name); err == nil {
			t.Errorf("LoadPolicies(%s) succeeded; want an error", name)
		}
	}
}

func TestLoadPoliciesAcceptsCheckablePolicies(t *testing.T) {
	t.Parallel()
	public, err := loadTestService(t, "Public")
	if err != nil {
		t.Fatal(err)
	}
	if public.TenantField != nil || public.Permission != "" {
		t.Errorf("Public = %+v; want no tenant field and no permission", public)
	}

	req := dynamicpb.NewMessage(mustMessage(t, "accesstest.v1.Req"))
	fields := req.Descriptor().Fields()
	inner := dynamicpb.NewMessage(mustMessage(t, "accesstest.v1.Inner"))
	req.Set(fields.ByName("name"), protoreflect.ValueOfString("tenants/top"))

	scoped, err := loadTestService(t, "Scoped")
	if err != nil {
		t.Fatal(err)
	}
	if scoped.FieldPath != "name" || scoped.Permission != access.AssetsWrite {
		t.Errorf("Scoped = %+v", scoped)
	}
	if got := scoped.ResourceName(req); got != "tenants/top" {
		t.Errorf("Scoped.ResourceName = %q, want tenants/top", got)
	}

	nested, err := loadTestService(t, "Nested")
	if err != nil {
		t.Fatal(err)
	}
	if got := nested.ResourceName(req); got != "" {
		t.Errorf("Nested.ResourceName with inner unset = %q, want empty", got)
	}
	inner.Set(inner.Descriptor().Fields().ByName("name"), protoreflect.ValueOfString("tenants/inner"))
	req.Set(fields.ByName("inner"), protoreflect.ValueOfMessage(inner))
	if got := nested.ResourceName(req); got != "tenants/inner" {
		t.Errorf("Nested.ResourceName = %q, want tenants/inner", got)
	}
}

func mustMessage(t *testing.T, name protoreflect.FullName) protoreflect.MessageDescriptor {
	t.Helper()
	if err := testServices(); err != nil {
		t.Fatal(err)
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return d.(protoreflect.MessageDescriptor)
}

func TestTenantOf(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"tenants/" + id.String(), true},
		{"tenants/" + id.String() + "/homes/h1", true},
		{"tenants/" + id.String() + "x/homes/h1", false},
		{"tenants/", false},
		{"tenants", false},
		{"", false},
		{"homes/" + id.String(), false},
		{"/tenants/" + id.String(), false},
		{"tenants/not-a-uuid", false},
		// uuid.Parse accepts these spellings; a resource name must not.
		{"tenants/" + strings.ReplaceAll(id.String(), "-", ""), false},
		{"tenants/{" + id.String() + "}", false},
		{"tenants/urn:uuid:" + id.String(), false},
	} {
		got, ok := access.TenantOf(tc.name)
		if ok != tc.ok || (ok && got != id) || (!ok && got != uuid.Nil) {
			t.Errorf("TenantOf(%q) = %s, %v; want ok=%v", tc.name, got, ok, tc.ok)
		}
	}
}
