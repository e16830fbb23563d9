package e2e_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"steward.dev/platform/apierror"
)

// TestStaleEtagChangesNothing sends a stale etag to every request that takes
// one (found in the descriptors: an etag field of the request, as on
// deletes, or of the resource an Update carries). Each must be
// ABORTED with reason ETAG_MISMATCH, and the tenant's rows must be exactly as
// before.
func TestStaleEtagChangesNothing(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	f := s.newTenant(t, "household", "owner")
	names := s.newResources(t, f)
	ctx := f.ctx(t)

	// A resource's etag from before a change to it is stale.
	stale := map[string]string{}
	for typ, name := range names {
		update := serviceMethod(t, "Update"+strings.TrimPrefix(typ, "steward.dev/"))
		if update == nil {
			continue
		}
		cur := s.fetch(t, ctx, typ, name)
		etag := cur.ProtoReflect().Get(cur.ProtoReflect().Descriptor().Fields().ByName("etag")).String()
		if _, err := s.invoke(t, ctx, update, updateRequest(t, update, cur, "", "Renamed once")); err != nil {
			t.Fatalf("%s to make its etag stale: %v", update.FullName(), err)
		}
		stale[typ] = etag
	}
	before := s.snapshot(t, f.ID)

	covered := 0
	// Deletes last, so a delete that wrongly succeeds does not hide what
	// the updates do.
	methods := stewardMethods(t)
	sort.SliceStable(methods, func(i, j int) bool { return verbOf(methods[i]) != "Delete" && verbOf(methods[j]) == "Delete" })
	for _, md := range methods {
		if schoolOnly[md.Parent().FullName()] {
			continue // household fixtures only: see schoolOnly
		}
		in := md.Input()
		var req proto.Message
		typ := targetType(md)
		switch rf := resourceField(in); {
		case in.Fields().ByName("etag") != nil:
			name, ok := names[typ]
			if !ok {
				t.Errorf("%s: no fixture of type %q: add one to stack.newResources", md.FullName(), typ)
				continue
			}
			req = newRequest(t, md)
			m := req.ProtoReflect()
			m.Set(in.Fields().ByName("name"), protoreflect.ValueOfString(name))
			m.Set(in.Fields().ByName("etag"), protoreflect.ValueOfString(stale[typ]))
		case verbOf(md) == "Update" && rf != nil && rf.Message().Fields().ByName("etag") != nil:
			name, ok := names[typ]
			if !ok {
				t.Errorf("%s: no fixture of type %q: add one to stack.newResources", md.FullName(), typ)
				continue
			}
			req = updateRequest(t, md, s.fetch(t, ctx, typ, name), stale[typ], "Stale write")
		default:
			continue
		}
		if stale[typ] == "" {
			t.Errorf("%s: no stale etag of %s (it has no Update to change it)", md.FullName(), typ)
			continue
		}
		covered++
		_, err := s.invoke(t, ctx, md, req)
		if status.Code(err) != codes.Aborted || apierror.ReasonOf(err) != "ETAG_MISMATCH" {
			t.Errorf("%s with a stale etag: %v (reason %q), want Aborted ETAG_MISMATCH\n\trequest %s", md.Name(), err, apierror.ReasonOf(err), describe(req))
		}
	}
	if covered < 6 {
		t.Fatalf("only %d requests take an etag; the descriptor walk is broken", covered)
	}
	// Maintenance's copy of Assets (its facts, their cursor, and the
	// dashboard version they bump) catches up with the renames above in the
	// background, by its sync job or the next request through
	// sync.Refreshing, whenever that runs: not the stale requests' doing.
	after := s.snapshot(t, f.ID)
	for _, mirror := range []string{"maintenance.home_facts", "maintenance.asset_facts", "maintenance.reading_facts",
		"maintenance.feed_cursors", "maintenance.dashboard_versions"} {
		delete(before, mirror)
		delete(after, mirror)
	}
	if diff := before.Diff(after); diff != "" {
		t.Errorf("the tenant's rows changed:\n%s", diff)
	}
}

// serviceMethod finds a method of any Steward service by name, or nil.
func serviceMethod(t *testing.T, name string) protoreflect.MethodDescriptor {
	t.Helper()
	for _, md := range stewardMethods(t) {
		if string(md.Name()) == name {
			return md
		}
	}
	return nil
}

// fetch reads a resource of type typ by name with its service's Get.
func (s *stack) fetch(t *testing.T, ctx context.Context, typ, name string) proto.Message {
	t.Helper()
	get := serviceMethod(t, "Get"+strings.TrimPrefix(typ, "steward.dev/"))
	if get == nil {
		t.Fatalf("no Get for %s", typ)
	}
	req := newRequest(t, get)
	req.ProtoReflect().Set(get.Input().Fields().ByName("name"), protoreflect.ValueOfString(name))
	res, err := s.invoke(t, ctx, get, req)
	if err != nil {
		t.Fatalf("%s(%s): %v", get.FullName(), name, err)
	}
	return res
}

// updateRequest is an Update of resource that changes its display name,
// with etag (empty: none).
func updateRequest(t *testing.T, update protoreflect.MethodDescriptor, resource proto.Message, etag, displayName string) proto.Message {
	t.Helper()
	req := newRequest(t, update)
	m := req.ProtoReflect()
	rm := proto.Clone(resource).ProtoReflect()
	fields := rm.Descriptor().Fields()
	rm.Set(fields.ByName("etag"), protoreflect.ValueOfString(etag))
	path := "display_name"
	if dn := fields.ByName("display_name"); dn != nil {
		rm.Set(dn, protoreflect.ValueOfString(displayName))
	} else if path = flipFirstBool(rm); path == "" {
		t.Fatalf("%s: the resource has no display_name or switch to change", update.FullName())
	}
	m.Set(resourceField(m.Descriptor()), protoreflect.ValueOfMessage(rm))
	m.Set(m.Descriptor().Fields().ByName("update_mask"), protoreflect.ValueOfMessage((&fieldmaskpb.FieldMask{Paths: []string{path}}).ProtoReflect()))
	return req
}
