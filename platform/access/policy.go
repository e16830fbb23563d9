// Package access decides who may call what: the access policy every RPC
// declares in its proto options, and the caller's membership of the tenant a
// request names.
package access

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	typev1 "steward.dev/gen/go/steward/type/v1"
)

// Policy is one RPC's declared access policy.
type Policy struct {
	// TenantField is the path of the request field naming the tenant; nil
	// for RPCs that are not tenant-scoped.
	TenantField []protoreflect.FieldDescriptor
	FieldPath   string
	// Permission is what the caller needs in that tenant; empty for RPCs
	// that are not tenant-scoped, which any authenticated caller may call.
	Permission Permission
	// AnonymousBecause is set on the few RPCs reached without credentials
	// (a calendar feed's secret URL), saying why. They name a tenant and no
	// permission; the service authenticates the request itself.
	AnonymousBecause string
}

// Policies maps full method names ("/pkg.Service/Method") to policies.
type Policies map[string]Policy

// LoadPolicies reads the policies of every method of the named services from
// the global proto registry. A method without a policy is an error: nothing
// is callable by accident.
func LoadPolicies(serviceNames ...string) (Policies, error) {
	ps := Policies{}
	for _, name := range serviceNames {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", name, err)
		}
		sd, ok := d.(protoreflect.ServiceDescriptor)
		if !ok {
			return nil, fmt.Errorf("%s is not a service", name)
		}
		for i := 0; i < sd.Methods().Len(); i++ {
			md := sd.Methods().Get(i)
			p, err := policyOf(md)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", md.FullName(), err)
			}
			ps[fmt.Sprintf("/%s/%s", sd.FullName(), md.Name())] = p
		}
	}
	return ps, nil
}

func policyOf(md protoreflect.MethodDescriptor) (Policy, error) {
	opts, _ := md.Options().(*descriptorpb.MethodOptions)
	if opts == nil || !proto.HasExtension(opts, typev1.E_Access) {
		return Policy{}, fmt.Errorf("no (steward.type.v1.access) policy declared")
	}
	ap := proto.GetExtension(opts, typev1.E_Access).(*typev1.AccessPolicy)
	if len(ap.GetRoles()) > 0 { //nolint:staticcheck // reading the deprecated field is how it is refused
		return Policy{}, fmt.Errorf("roles are no longer read: declare a permission instead")
	}
	p := Policy{Permission: Permission(ap.GetPermission()), FieldPath: ap.GetTenantField()}
	if p.Permission != "" && !Known(p.Permission) {
		return Policy{}, fmt.Errorf("unknown permission %q: add it to the tables in platform/access", p.Permission)
	}
	if ap.GetTenantField() == "" {
		if ap.GetAnonymousBecause() != "" {
			return Policy{}, fmt.Errorf("an anonymous RPC must name its tenant (tenant_field)")
		}
		if p.Permission != "" {
			return Policy{}, fmt.Errorf("a permission without a tenant_field cannot be checked")
		}
		return p, nil
	}
	p.AnonymousBecause = ap.GetAnonymousBecause()
	switch {
	case p.AnonymousBecause != "" && p.Permission != "":
		return Policy{}, fmt.Errorf("an anonymous RPC holds no permission to check")
	case p.AnonymousBecause == "" && p.Permission == "":
		return Policy{}, fmt.Errorf("a tenant-scoped RPC must name the permission it needs")
	}
	msg := md.Input()
	parts := strings.Split(ap.GetTenantField(), ".")
	for i, part := range parts {
		fd := msg.Fields().ByName(protoreflect.Name(part))
		if fd == nil || fd.IsList() || fd.IsMap() {
			return Policy{}, fmt.Errorf("tenant_field %q: no singular field %q in %s", ap.GetTenantField(), part, msg.FullName())
		}
		p.TenantField = append(p.TenantField, fd)
		last := i == len(parts)-1
		switch {
		case last && fd.Kind() != protoreflect.StringKind:
			return Policy{}, fmt.Errorf("tenant_field %q is not a string", ap.GetTenantField())
		case !last && fd.Kind() != protoreflect.MessageKind:
			return Policy{}, fmt.Errorf("tenant_field %q: %q is not a message", ap.GetTenantField(), part)
		case !last:
			msg = fd.Message()
		}
	}
	return p, nil
}

// ResourceName returns the value of the policy's tenant field in req.
func (p Policy) ResourceName(req proto.Message) string {
	m := req.ProtoReflect()
	for i, fd := range p.TenantField {
		if i == len(p.TenantField)-1 {
			return m.Get(fd).String()
		}
		if !m.Has(fd) {
			return ""
		}
		m = m.Get(fd).Message()
	}
	return ""
}

// TenantOf parses the leading "tenants/{uuid}" of a resource name.
func TenantOf(resourceName string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(resourceName, "tenants/")
	if !ok {
		return uuid.Nil, false
	}
	id, _, _ := strings.Cut(rest, "/")
	tid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return uuid.Nil, false
	}
	return tid, true
}
