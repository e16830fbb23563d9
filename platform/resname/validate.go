package resname

import (
	"fmt"
	"sync"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
)

// nameCheck is one request field that must hold a name of pattern.
type nameCheck struct {
	path     string                         // "parent", "home.name"
	fields   []protoreflect.FieldDescriptor // the way to it from the request
	pattern  Pattern
	optional bool // empty passes: an IDENTIFIER that a create ignores
}

var (
	checksByMessage sync.Map // protoreflect.FullName → []nameCheck
	typesOnce       sync.Once
	patternsByType  map[string]Pattern
	typesErr        error
)

// Violations checks the resource names in a request against the patterns of
// the contract: every string field of the request with a
// google.api.resource_reference, and of every resource message the request
// carries its IDENTIFIER name and its references. A request's own references
// are required when the contract says so (field_behavior REQUIRED), and an
// empty optional one (a filter left unset) passes; inside a resource an
// empty one passes (a create leaves the name to the service, an asset may
// have no location).
func Violations(req proto.Message) []apierror.FieldViolation {
	msg := req.ProtoReflect()
	checks, err := checksFor(msg.Descriptor())
	if err != nil {
		panic(err) // a contract naming a resource type nobody declares
	}
	var out []apierror.FieldViolation
	for _, c := range checks {
		v, ok := valueAt(msg, c.fields)
		if !ok || (v == "" && c.optional) || c.pattern.Matches(v) {
			continue
		}
		out = append(out, c.pattern.violation(c.path))
	}
	return out
}

func valueAt(msg protoreflect.Message, path []protoreflect.FieldDescriptor) (string, bool) {
	for _, fd := range path[:len(path)-1] {
		if !msg.Has(fd) {
			return "", false
		}
		msg = msg.Get(fd).Message()
	}
	return msg.Get(path[len(path)-1]).String(), true
}

func checksFor(md protoreflect.MessageDescriptor) ([]nameCheck, error) {
	if c, ok := checksByMessage.Load(md.FullName()); ok {
		return c.([]nameCheck), nil
	}
	checks, err := referenceChecks(md, nil)
	if err != nil {
		return nil, err
	}
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Message() == nil || fd.IsList() || fd.IsMap() {
			continue
		}
		p, err := fromDescriptor(fd.Message())
		if err != nil {
			continue // not a resource
		}
		// A resource in a request: its name, and the references it holds,
		// which may be empty (a create leaves the name to the service).
		if name := identifier(fd.Message()); name != nil {
			checks = append(checks, nameCheck{
				path: string(fd.Name()) + "." + string(name.Name()), fields: []protoreflect.FieldDescriptor{fd, name},
				pattern: p, optional: true,
			})
		}
		nested, err := referenceChecks(fd.Message(), fd)
		if err != nil {
			return nil, err
		}
		checks = append(checks, nested...)
	}
	checksByMessage.Store(md.FullName(), checks)
	return checks, nil
}

// referenceChecks checks the string fields of md with a
// google.api.resource_reference; within is the field of the request that
// holds md, or nil for the request itself.
func referenceChecks(md protoreflect.MessageDescriptor, within protoreflect.FieldDescriptor) ([]nameCheck, error) {
	var checks []nameCheck
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Kind() != protoreflect.StringKind || fd.IsList() || fd.IsMap() {
			continue
		}
		ref, _ := proto.GetExtension(fd.Options(), annotations.E_ResourceReference).(*annotations.ResourceReference)
		if ref.GetType() == "" {
			continue
		}
		p, err := patternOfType(ref.GetType())
		if err != nil {
			return nil, fmt.Errorf("resname: %s: %w", fd.FullName(), err)
		}
		rules, _ := proto.GetExtension(fd.Options(), typev1.E_ResourceName).(*typev1.ResourceNameRules)
		if len(rules.GetWildcards()) > 0 {
			p = p.WithWildcards(rules.GetWildcards()...)
		}
		c := nameCheck{path: string(fd.Name()), fields: []protoreflect.FieldDescriptor{fd}, pattern: p, optional: !required(fd)}
		if within != nil {
			c.path = string(within.Name()) + "." + c.path
			c.fields = []protoreflect.FieldDescriptor{within, fd}
			c.optional = true
		}
		checks = append(checks, c)
	}
	return checks, nil
}

// required reports whether fd is field_behavior REQUIRED.
func required(fd protoreflect.FieldDescriptor) bool {
	behaviors, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	for _, b := range behaviors {
		if b == annotations.FieldBehavior_REQUIRED {
			return true
		}
	}
	return false
}

// identifier returns the resource's IDENTIFIER string field, if any.
func identifier(md protoreflect.MessageDescriptor) protoreflect.FieldDescriptor {
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		behaviors, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
		for _, b := range behaviors {
			if b == annotations.FieldBehavior_IDENTIFIER && fd.Kind() == protoreflect.StringKind {
				return fd
			}
		}
	}
	return nil
}

// patternOfType finds the message declaring the resource type ("steward.dev/Home").
func patternOfType(typ string) (Pattern, error) {
	typesOnce.Do(func() {
		patternsByType = map[string]Pattern{}
		protoregistry.GlobalFiles.RangeFiles(func(f protoreflect.FileDescriptor) bool {
			msgs := f.Messages()
			for i := range msgs.Len() {
				md := msgs.Get(i)
				res, _ := proto.GetExtension(md.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
				if res.GetType() == "" {
					continue
				}
				p, err := fromDescriptor(md)
				if err != nil {
					typesErr = err
					return false
				}
				patternsByType[res.GetType()] = p
			}
			return true
		})
	})
	if typesErr != nil {
		return Pattern{}, typesErr
	}
	p, ok := patternsByType[typ]
	if !ok {
		return Pattern{}, fmt.Errorf("no message declares resource type %q", typ)
	}
	return p, nil
}
