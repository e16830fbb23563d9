package e2e_test

import (
	"path"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestOwnTenantInFrontOfAnotherTenantsIDs names, on every Get, Update and
// Delete of every service (enumerated from the descriptors), another
// tenant's resource with the caller's own tenant in front of it
// (tenants/{mine}/homes/{theirs}/assets/{theirs}), and its id under the
// caller's own parents (tenants/{mine}/homes/{mine}/assets/{theirs}). The
// caller is a member of their tenant, so the request passes the membership
// check and reaches the handler and the database; each must be NOT_FOUND and
// leave the victim's rows as they were.
//
// It runs against the stack's services and again against the same services
// connected to PostgreSQL past row-level security, so the handlers' and
// queries' own tenant checks (the first wall) are tested without RLS (the
// second) hiding their mistakes.
func TestOwnTenantInFrontOfAnotherTenantsIDs(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	for _, backend := range []struct {
		name string
		s    *stack
	}{{"with RLS", s}, {"without RLS", s.withoutRLS(t)}} {
		t.Run(backend.name, func(t *testing.T) {
			checkOwnTenantInFront(t, s, backend.s)
		})
	}
}

func checkOwnTenantInFront(t *testing.T, s, backend *stack) {
	// Households for most services; schools, as their admins, for the
	// school-only directory.
	covered := 0
	for _, school := range []bool{false, true} {
		covered += checkOwnTenantInFrontOf(t, s, backend, school)
	}
	if covered == 0 {
		t.Fatal("no Get, Update or Delete found in the descriptors")
	}
}

func checkOwnTenantInFrontOf(t *testing.T, s, backend *stack, school bool) int {
	kind, role := "household", "owner"
	if school {
		kind, role = "school", "admin"
	}
	attacker, victim := s.newTenant(t, kind, role), s.newTenant(t, kind, role)
	mine, theirs := s.newResources(t, attacker), s.newResources(t, victim)
	before := s.snapshot(t, victim.ID)
	ctx := attacker.ctx(t)
	covered := 0
	for _, md := range stewardMethods(t) {
		if schoolOnly[md.Parent().FullName()] != school {
			continue // the other kind of tenant's pass
		}
		verb := verbOf(md)
		if verb == "" {
			continue
		}
		typ := targetType(md)
		victimName, ok := theirs[typ]
		if !ok {
			t.Errorf("%s: no fixture of type %q: add one to stack.newResources", md.FullName(), typ)
			continue
		}
		below := strings.TrimPrefix(victimName, victim.Name)
		names := map[string]string{}
		if below == "" || strings.Count(below, "/") == 1 {
			// The tenant itself, or its singleton (tenants/{t}/settings):
			// no ids below it to put under the caller's tenant, so only the
			// other tenant's name, as a non-member.
			names["their tenant"] = victimName
		} else {
			names["their ids under my tenant"] = attacker.Name + below
			own := mine[typ]
			singleton := path.Base(own) == path.Base(victimName) // .../availability: no id of its own to swap
			if strings.Count(below, "/") > 2 && !singleton {
				names["their id under my parents"] = own[:strings.LastIndex(own, "/")] + victimName[strings.LastIndex(victimName, "/"):]
			}
		}
		for how, name := range names {
			req := newRequest(t, md)
			m := req.ProtoReflect()
			switch verb {
			case "Get", "Delete":
				m.Set(m.Descriptor().Fields().ByName("name"), protoreflect.ValueOfString(name))
				if f := m.Descriptor().Fields().ByName("token"); f != nil {
					// An anonymous read whose credential is in the request: a
					// well-formed token of nothing.
					m.Set(f, protoreflect.ValueOfString(strings.Repeat("A", 43)))
				}
			case "Update":
				// The caller's own resource of the type, which the contract
				// accepts, renamed to the victim's and changed.
				get := md.Parent().(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name("Get" + strings.TrimPrefix(typ, "steward.dev/")))
				if get == nil {
					t.Fatalf("%s: no Get method to fetch a %s to update", md.FullName(), typ)
				}
				getReq := newRequest(t, get)
				getReq.ProtoReflect().Set(get.Input().Fields().ByName("name"), protoreflect.ValueOfString(mine[typ]))
				res, err := s.invoke(t, ctx, get, getReq)
				if err != nil {
					t.Fatalf("%s(%s) as its owner: %v", get.FullName(), mine[typ], err)
				}
				rm := res.ProtoReflect()
				rm.Set(rm.Descriptor().Fields().ByName("name"), protoreflect.ValueOfString(name))
				if f := rm.Descriptor().Fields().ByName("etag"); f != nil {
					rm.Clear(f)
				}
				mask := []string{}
				if f := rm.Descriptor().Fields().ByName("display_name"); f != nil {
					rm.Set(f, protoreflect.ValueOfString("Taken over"))
					mask = append(mask, "display_name")
				}
				m.Set(resourceField(m.Descriptor()), protoreflect.ValueOfMessage(rm))
				if f := m.Descriptor().Fields().ByName("update_mask"); f != nil {
					m.Set(f, protoreflect.ValueOfMessage((&fieldmaskpb.FieldMask{Paths: mask}).ProtoReflect()))
				}
			}
			covered++
			_, err := backend.invoke(t, ctx, md, req)
			if got := status.Code(err); got != codes.NotFound {
				t.Errorf("%s, %s (%s): %v (%v), want NotFound", md.Name(), how, name, got, err)
			}
		}
	}
	s.assertUnchanged(t, victim.ID, before)
	t.Logf("%s tenants: %d names of the victim's tried", kind, covered)
	return covered
}

// verbOf is "Get", "Update" or "Delete" for the methods that name one
// existing resource, else "". (GetAttachmentContent is a Get.)
func verbOf(md protoreflect.MethodDescriptor) string {
	for _, v := range []string{"Get", "Update", "Delete"} {
		if strings.HasPrefix(string(md.Name()), v) {
			return v
		}
	}
	return ""
}

var (
	withoutRLSOnce  sync.Once
	withoutRLSStack *stack
	withoutRLSErr   error
)

// withoutRLS is a second set of the stack's services, on the same database
// and issuer, connected as a role row-level security does not apply to.
// Only their gRPC clients are set.
func (s *stack) withoutRLS(t *testing.T) *stack {
	t.Helper()
	withoutRLSOnce.Do(func() {
		var b backends
		if b, withoutRLSErr = s.startBackends(s.db.BypassRLSURL(), nil); withoutRLSErr != nil {
			return
		}
		withoutRLSStack = &stack{db: s.db}
		if withoutRLSStack.accounts, withoutRLSStack.assets, withoutRLSErr = b.clients(); withoutRLSErr == nil {
			withoutRLSErr = b.bookingClients(withoutRLSStack)
		}
		if withoutRLSErr == nil {
			withoutRLSStack.members, withoutRLSErr = b.membersClient()
		}
		if withoutRLSErr == nil {
			withoutRLSErr = b.maintenanceClients(withoutRLSStack)
		}
		if withoutRLSErr == nil {
			withoutRLSErr = b.invoicingClients(withoutRLSStack)
		}
	})
	if withoutRLSErr != nil {
		t.Fatalf("services without RLS: %v", withoutRLSErr)
	}
	return withoutRLSStack
}
