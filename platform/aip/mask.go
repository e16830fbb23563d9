// Package aip holds what every resource-oriented service needs of Google's
// API Improvement Proposals: update masks (AIP-134), filters (AIP-160),
// etags (AIP-154), idempotent creates (AIP-155), the Create/Update/Delete
// skeleton, and the mapping of enums and dates to database values.
package aip

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"steward.dev/platform/apierror"
)

// Mask is an update_mask resolved against the resource: each mutable
// top-level field the update changes, mapped to nil when the field changes
// whole, or to the sub-paths named ("locality" for "address.locality").
type Mask map[string][]string

// Has reports whether the mask changes field, whole or in part.
func (m Mask) Has(field string) bool {
	_, ok := m[field]
	return ok
}

// AllFields is the mask "*": every mutable field, whole.
func AllFields(mutable ...string) Mask {
	m := make(Mask, len(mutable))
	for _, f := range mutable {
		m[f] = nil
	}
	return m
}

// ResolveMask reads an Update request's mask as AIP-134 does:
//   - "*" alone replaces every mutable field;
//   - an empty mask means the fields populated in resource;
//   - name, etag and OUTPUT_ONLY fields are skipped: a client that sends back
//     what it read carries them, and through the gateway, which derives the
//     mask from the JSON body, they end up in the mask;
//   - a path into a message field ("purchase_cost.amount_minor") is kept as
//     a sub-path of that field; each handler decides whether it honours it
//     or replaces the field whole;
//   - any other path is INVALID_ARGUMENT on update_mask.
func ResolveMask(mask *fieldmaskpb.FieldMask, resource proto.Message, mutable ...string) (Mask, error) {
	paths := mask.GetPaths()
	if len(paths) == 1 && paths[0] == "*" {
		return AllFields(mutable...), nil
	}
	msg := resource.ProtoReflect()
	if len(paths) == 0 {
		var populated []string
		msg.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			populated = append(populated, string(fd.Name()))
			return true
		})
		paths = populated
	}
	m := Mask{}
	for _, p := range paths {
		p = snakeCase(p)
		top, sub, nested := strings.Cut(p, ".")
		fd := msg.Descriptor().Fields().ByName(protoreflect.Name(top))
		if fd == nil || (nested && !hasSubPath(fd, sub)) {
			return nil, apierror.InvalidField("update_mask", fmt.Sprintf("%q is not a field of %s", p, msg.Descriptor().Name()))
		}
		if skippedInMask(fd) {
			continue
		}
		if !slices.Contains(mutable, top) {
			return nil, apierror.InvalidField("update_mask", fmt.Sprintf("%q is not a field that can be updated", p))
		}
		switch subs, seen := m[top]; {
		case !nested:
			m[top] = nil
		case !seen || subs != nil: // else the whole field is already in
			m[top] = append(subs, sub)
		}
	}
	return m, nil
}

// hasSubPath reports whether sub ("locality", "a.b") names a field inside
// the singular message field fd.
func hasSubPath(fd protoreflect.FieldDescriptor, sub string) bool {
	for name := range strings.SplitSeq(sub, ".") {
		if fd.Message() == nil || fd.IsList() || fd.IsMap() {
			return false
		}
		if fd = fd.Message().Fields().ByName(protoreflect.Name(name)); fd == nil {
			return false
		}
	}
	return true
}

// skippedInMask reports whether a mask path to fd is ignored: the name says
// which resource, the etag is a precondition, output-only fields are ours.
func skippedInMask(fd protoreflect.FieldDescriptor) bool {
	if fd.Name() == "etag" {
		return true
	}
	behaviors, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	for _, b := range behaviors {
		if b == annotations.FieldBehavior_IDENTIFIER || b == annotations.FieldBehavior_OUTPUT_ONLY {
			return true
		}
	}
	return false
}

// PatchFields copies the named fields of src into dst, clearing those src
// leaves unset. A deeper path ("a.b") copies its first field whole.
func PatchFields(dst, src proto.Message, names []string) {
	d, s := dst.ProtoReflect(), src.ProtoReflect()
	for _, name := range names {
		name, _, _ = strings.Cut(name, ".")
		fd := d.Descriptor().Fields().ByName(protoreflect.Name(name))
		if s.Has(fd) {
			d.Set(fd, s.Get(fd))
		} else {
			d.Clear(fd)
		}
	}
}

// snakeCase accepts JSON-style mask paths ("displayName") as well as proto
// names ("display_name"): clients of the JSON gateway write the former.
func snakeCase(path string) string {
	var b strings.Builder
	for _, r := range path {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
