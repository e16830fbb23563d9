// Package bounds checks, over the descriptors, that no request message can
// grow without limit: every string, bytes, repeated and map field, at any
// depth, declares a size limit in its protovalidate rules. A request the
// services decode is then bounded by its contract, not by whatever the
// transport lets through.
package bounds

import (
	"fmt"
	"regexp/syntax"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	typev1 "steward.dev/gen/go/steward/type/v1"
)

// Unbounded returns one line for each field of md, or of a message under it,
// that has no size limit, e.g. "note (string): no max_len, max_bytes, len,
// const, in, uuid or anchored pattern of bounded length". Empty means md is
// bounded.
//
// A string field counts as bounded when its rules cap its length (max_len,
// max_bytes, len, len_bytes, const, in, uuid, tuuid, or an anchored pattern
// whose matches have a longest length, such as ^[A-Z]{3}$), or when it holds
// a resource name: it carries google.api.resource_reference, or it is the
// IDENTIFIER name of a resource. The platform validates those against their
// resource pattern, which bounds every segment. Bytes fields need max_len,
// len, const or in; repeated fields max_items and bounded items; maps
// max_pairs and bounded keys and values; a FieldMask
// (steward.type.v1.field_mask_max_paths). A recursive message is unbounded
// in depth.
func Unbounded(md protoreflect.MessageDescriptor) []string {
	w := walker{onPath: map[protoreflect.FullName]bool{}}
	w.message("", md)
	return w.problems
}

type walker struct {
	onPath   map[protoreflect.FullName]bool // messages being walked, to catch recursion
	problems []string
}

func (w *walker) report(path string, fd protoreflect.FieldDescriptor, format string, args ...any) {
	w.problems = append(w.problems, fmt.Sprintf("%s (%s): %s", path, kindName(fd), fmt.Sprintf(format, args...)))
}

func (w *walker) message(prefix string, md protoreflect.MessageDescriptor) {
	w.onPath[md.FullName()] = true
	defer delete(w.onPath, md.FullName())
	for i := range md.Fields().Len() {
		fd := md.Fields().Get(i)
		path := string(fd.Name())
		if prefix != "" {
			path = prefix + "." + path
		}
		w.field(path, fd, rulesOf(fd))
	}
}

func (w *walker) field(path string, fd protoreflect.FieldDescriptor, rules *validate.FieldRules) {
	switch {
	case fd.IsMap():
		m := rules.GetMap()
		if m == nil || m.MaxPairs == nil {
			w.report(path, fd, "no max_pairs")
		}
		w.element(path+"[key]", fd.MapKey(), m.GetKeys())
		w.element(path+"[value]", fd.MapValue(), m.GetValues())
	case fd.IsList():
		r := rules.GetRepeated()
		if r == nil || r.MaxItems == nil {
			w.report(path, fd, "no max_items")
		}
		w.element(path+"[]", fd, r.GetItems())
	default:
		w.element(path, fd, rules)
	}
}

// element checks one value of fd: the field itself, or an item, key or value
// of a repeated or map field, with the rules that apply to it.
func (w *walker) element(path string, fd protoreflect.FieldDescriptor, rules *validate.FieldRules) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if !isResourceName(fd) && !stringBounded(rules.GetString()) {
			w.report(path, fd, "no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length")
		}
	case protoreflect.BytesKind:
		if !bytesBounded(rules.GetBytes()) {
			w.report(path, fd, "no max_len, len, const or in")
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		md := fd.Message()
		switch {
		case md.FullName() == (&fieldmaskpb.FieldMask{}).ProtoReflect().Descriptor().FullName():
			if !proto.HasExtension(rules.GetFieldMask(), typev1.E_FieldMaskMaxPaths) {
				w.report(path, fd, "a FieldMask without (steward.type.v1.field_mask_max_paths)")
			}
		case w.onPath[md.FullName()]:
			w.report(path, fd, "%s contains itself, so its depth has no limit", md.FullName())
		default:
			w.message(path, md)
		}
	}
}

// rulesOf returns the field's protovalidate rules, or nil when it has none
// or they are always ignored.
func rulesOf(fd protoreflect.FieldDescriptor) *validate.FieldRules {
	opts, _ := fd.Options().(*descriptorpb.FieldOptions)
	if opts == nil || !proto.HasExtension(opts, validate.E_Field) {
		return nil
	}
	r := proto.GetExtension(opts, validate.E_Field).(*validate.FieldRules)
	if r.GetIgnore() == validate.Ignore_IGNORE_ALWAYS {
		return nil
	}
	return r
}

// isResourceName reports whether the platform checks fd against a resource
// pattern (DESIGN decision 6).
func isResourceName(fd protoreflect.FieldDescriptor) bool {
	opts, _ := fd.Options().(*descriptorpb.FieldOptions)
	if opts == nil {
		return false
	}
	if proto.HasExtension(opts, annotations.E_ResourceReference) {
		return true
	}
	if fd.Name() != "name" {
		return false
	}
	msgOpts, _ := fd.ContainingMessage().Options().(*descriptorpb.MessageOptions)
	if msgOpts == nil || !proto.HasExtension(msgOpts, annotations.E_Resource) {
		return false
	}
	for _, b := range proto.GetExtension(opts, annotations.E_FieldBehavior).([]annotations.FieldBehavior) {
		if b == annotations.FieldBehavior_IDENTIFIER {
			return true
		}
	}
	return false
}

func stringBounded(r *validate.StringRules) bool {
	switch {
	case r == nil:
		return false
	case r.MaxLen != nil, r.MaxBytes != nil, r.Len != nil, r.LenBytes != nil, r.Const != nil, len(r.GetIn()) > 0,
		r.GetUuid(), r.GetTuuid():
		return true
	case r.Pattern != nil:
		_, ok := patternMaxLen(r.GetPattern())
		return ok
	}
	return false
}

func bytesBounded(r *validate.BytesRules) bool {
	return r != nil && (r.MaxLen != nil || r.Len != nil || r.Const != nil || len(r.GetIn()) > 0)
}

// patternMaxLen returns the most characters a string matching the RE2
// pattern can have, if the pattern is anchored at both ends and has no
// unbounded repetition.
func patternMaxLen(pattern string) (int, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil || !anchored(re) {
		return 0, false
	}
	return maxLen(re)
}

func anchored(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpConcat:
		return len(re.Sub) >= 2 && re.Sub[0].Op == syntax.OpBeginText && re.Sub[len(re.Sub)-1].Op == syntax.OpEndText
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if !anchored(sub) {
				return false
			}
		}
		return true
	case syntax.OpCapture:
		return anchored(re.Sub[0])
	}
	return false
}

func maxLen(re *syntax.Regexp) (int, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune), true
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1, true
	case syntax.OpCapture, syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpRepeat:
		n, ok := maxLen(re.Sub[0])
		return n * re.Max, ok && re.Max >= 0
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range re.Sub {
			n, ok := maxLen(sub)
			if !ok {
				return 0, false
			}
			if re.Op == syntax.OpConcat {
				total += n
			} else {
				total = max(total, n)
			}
		}
		return total, true
	case syntax.OpStar, syntax.OpPlus:
		return 0, false
	}
	return 0, true // empty matches and assertions such as ^, $ and \b
}

func kindName(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap():
		return "map"
	case fd.IsList():
		return "repeated " + fd.Kind().String()
	}
	return fd.Kind().String()
}
