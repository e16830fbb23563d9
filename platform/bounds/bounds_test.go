package bounds_test

import (
	"slices"
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/bounds"
)

func TestUnboundedNamesEachUnboundedField(t *testing.T) {
	t.Parallel()
	fd, err := testFile()
	if err != nil {
		t.Fatal(err)
	}
	got := bounds.Unbounded(fd.Messages().ByName("Req"))
	want := []string{
		"free (string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"unanchored (string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"starred (string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"ignored (string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"blob (bytes): no max_len, len, const or in",
		"tags[] (repeated string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"list (repeated string): no max_items",
		"list[] (repeated string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"attrs[key] (string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"attrs[value] (string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"open_map (map): no max_pairs",
		"open_map[key] (string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"open_map[value] (bytes): no max_len, len, const or in",
		"inner.free (string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
		"mask (message): a FieldMask without (steward.type.v1.field_mask_max_paths)",
		"rec.self (message): boundstest.v1.Rec contains itself, so its depth has no limit",
		"res.title (string): no max_len, max_bytes, len, const, in, uuid or anchored pattern of bounded length",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Unbounded =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// testFile builds boundstest.v1, a package outside steward.* with one field
// of each bounded and unbounded kind. It is not registered: a registration
// would wait for the registry's lock while protovalidate.New holds it.
func testFile() (protoreflect.FileDescriptor, error) {
	type opt func(*descriptorpb.FieldDescriptorProto)
	rules := func(r *validate.FieldRules) opt {
		return func(f *descriptorpb.FieldDescriptorProto) { proto.SetExtension(f.Options, validate.E_Field, r) }
	}
	typed := func(name string) opt {
		return func(f *descriptorpb.FieldDescriptorProto) { f.TypeName = proto.String(name) }
	}
	repeated := func(f *descriptorpb.FieldDescriptorProto) {
		f.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	}
	field := func(name string, n int32, kind descriptorpb.FieldDescriptorProto_Type, opts ...opt) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{
			Name: proto.String(name), JsonName: proto.String(name), Number: proto.Int32(n), Type: kind.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Options: &descriptorpb.FieldOptions{},
		}
		for _, o := range opts {
			o(f)
		}
		return f
	}
	const (
		str   = descriptorpb.FieldDescriptorProto_TYPE_STRING
		byt   = descriptorpb.FieldDescriptorProto_TYPE_BYTES
		msg   = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
		maxed = 10
	)
	strRules := func(r *validate.StringRules) opt {
		return rules(&validate.FieldRules{Type: &validate.FieldRules_String_{String_: r}})
	}
	pattern := func(p string) opt { return strRules(&validate.StringRules{Pattern: proto.String(p)}) }
	entry := func(name string, value descriptorpb.FieldDescriptorProto_Type) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{
			Name:    proto.String(name),
			Field:   []*descriptorpb.FieldDescriptorProto{field("key", 1, str), field("value", 2, value)},
			Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
		}
	}
	maskRules := &validate.FieldMaskRules{}
	proto.SetExtension(maskRules, typev1.E_FieldMaskMaxPaths, uint32(maxed))
	resOpts := &descriptorpb.MessageOptions{}
	proto.SetExtension(resOpts, annotations.E_Resource, &annotations.ResourceDescriptor{Type: "example.dev/Res", Pattern: []string{"res/{res}"}})

	req := &descriptorpb.DescriptorProto{
		Name: proto.String("Req"),
		Field: []*descriptorpb.FieldDescriptorProto{
			field("free", 1, str),
			field("capped", 2, str, strRules(&validate.StringRules{MaxLen: proto.Uint64(maxed)})),
			field("code", 3, str, pattern("^[A-Z]{3}$")),
			field("choice", 4, str, pattern("^(yes|no|maybe-[0-9]{1,2})$")),
			field("unanchored", 5, str, pattern("[A-Z]{3}")),
			field("starred", 6, str, pattern("^a*$")),
			field("ignored", 7, str, rules(&validate.FieldRules{
				Ignore: validate.Ignore_IGNORE_ALWAYS.Enum(),
				Type:   &validate.FieldRules_String_{String_: &validate.StringRules{MaxLen: proto.Uint64(maxed)}},
			})),
			field("id", 8, str, strRules(&validate.StringRules{WellKnown: &validate.StringRules_Uuid{Uuid: true}})),
			field("parent", 9, str, func(f *descriptorpb.FieldDescriptorProto) {
				proto.SetExtension(f.Options, annotations.E_ResourceReference, &annotations.ResourceReference{Type: "example.dev/Res"})
			}),
			field("blob", 10, byt),
			field("small", 11, byt, rules(&validate.FieldRules{Type: &validate.FieldRules_Bytes{Bytes: &validate.BytesRules{MaxLen: proto.Uint64(maxed)}}})),
			field("tags", 12, str, repeated, rules(&validate.FieldRules{Type: &validate.FieldRules_Repeated{Repeated: &validate.RepeatedRules{MaxItems: proto.Uint64(maxed)}}})),
			field("list", 13, str, repeated),
			field("bounded_list", 14, str, repeated, rules(&validate.FieldRules{Type: &validate.FieldRules_Repeated{Repeated: &validate.RepeatedRules{
				MaxItems: proto.Uint64(maxed),
				Items:    &validate.FieldRules{Type: &validate.FieldRules_String_{String_: &validate.StringRules{MaxLen: proto.Uint64(maxed)}}},
			}}})),
			field("attrs", 15, msg, repeated, typed(".boundstest.v1.Req.AttrsEntry"), rules(&validate.FieldRules{Type: &validate.FieldRules_Map{Map: &validate.MapRules{MaxPairs: proto.Uint64(maxed)}}})),
			field("open_map", 16, msg, repeated, typed(".boundstest.v1.Req.OpenMapEntry")),
			field("inner", 17, msg, typed(".boundstest.v1.Inner")),
			field("mask", 18, msg, typed(".google.protobuf.FieldMask")),
			field("capped_mask", 19, msg, typed(".google.protobuf.FieldMask"), rules(&validate.FieldRules{Type: &validate.FieldRules_FieldMask{FieldMask: maskRules}})),
			field("rec", 20, msg, typed(".boundstest.v1.Rec")),
			field("res", 21, msg, typed(".boundstest.v1.Res")),
		},
		NestedType: []*descriptorpb.DescriptorProto{entry("AttrsEntry", str), entry("OpenMapEntry", byt)},
	}
	file := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("boundstest/v1/test.proto"),
		Package:    proto.String("boundstest.v1"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/field_mask.proto"},
		MessageType: []*descriptorpb.DescriptorProto{
			req,
			{Name: proto.String("Inner"), Field: []*descriptorpb.FieldDescriptorProto{field("free", 1, str)}},
			{Name: proto.String("Rec"), Field: []*descriptorpb.FieldDescriptorProto{field("self", 1, msg, typed(".boundstest.v1.Rec"))}},
			{Name: proto.String("Res"), Options: resOpts, Field: []*descriptorpb.FieldDescriptorProto{
				field("name", 1, str, func(f *descriptorpb.FieldDescriptorProto) {
					proto.SetExtension(f.Options, annotations.E_FieldBehavior, []annotations.FieldBehavior{annotations.FieldBehavior_IDENTIFIER})
				}),
				// Only a resource's IDENTIFIER name is exempt.
				field("title", 2, str),
			}},
		},
	}
	return protodesc.NewFile(file, protoregistry.GlobalFiles)
}

// TestFieldMaskMaxPathsIsEnforced: protovalidate runs the predefined rule,
// so a declared bound is also a checked one.
func TestFieldMaskMaxPathsIsEnforced(t *testing.T) {
	t.Parallel()
	v, err := protovalidate.New()
	if err != nil {
		t.Fatal(err)
	}
	req := func(paths ...string) *assetsv1.UpdateHomeRequest {
		return &assetsv1.UpdateHomeRequest{Home: &assetsv1.Home{DisplayName: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}
	}
	many := make([]string, 65)
	for i := range many {
		many[i] = "display_name"
	}
	for _, tc := range []struct {
		name    string
		req     *assetsv1.UpdateHomeRequest
		wantErr string
	}{
		{"a few paths", req("display_name", "address.locality"), ""},
		{"64 paths", req(many[:64]...), ""},
		{"65 paths", req(many...), "must have at most 64 paths"},
		{"a long path", req(strings.Repeat("a", 129)), "paths must be at most 128 characters long"},
	} {
		err := v.Validate(tc.req)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}
