package e2e_test

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"steward.dev/db/dbtest"
	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
)

// Fresh fixtures: tenants and users created by the test itself, so that
// what it asserts about a tenant's rows is not disturbed by other tests.

// freshTenant is a tenant created for one test, with one member.
type freshTenant struct {
	Kind   string // "household" or "school"
	ID     uuid.UUID
	Name   string // tenants/<id>
	UserID uuid.UUID
	Token  string // the member's access token, signed by the stack's issuer key
}

// ctx calls as the tenant's member.
func (f freshTenant) ctx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+f.Token)
}

// bypassPool connects past row-level security, for fixtures and snapshots.
func (s *stack) bypassPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	return s.db.BypassRLSPool(t)
}

// newTenant creates a tenant of kind ("household" or "school") with one new
// user holding role ("owner", "member", "admin", ...), and a token for them.
func (s *stack) newTenant(t *testing.T, kind, role string) freshTenant {
	t.Helper()
	db := s.bypassPool(t)
	f := freshTenant{Kind: kind, ID: uuid.New(), UserID: uuid.New()}
	f.Name = "tenants/" + f.ID.String()
	dbtest.ExecAsTenant(t, db, f.ID, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, $2, $3)", f.ID, kind, "Fresh "+t.Name())
	dbtest.ExecAsTenant(t, db, f.ID, "INSERT INTO accounts.users (user_id, issuer, subject, email, display_name) VALUES ($1, $2, $3, $4, 'Fresh')",
		f.UserID, s.issuerURL, f.UserID.String(), f.UserID.String()+"@fresh.example")
	dbtest.ExecAsTenant(t, db, f.ID, "INSERT INTO accounts.memberships (tenant_id, user_id, roles) VALUES ($1, $2, $3)", f.ID, f.UserID, []string{role})
	f.Token = s.mint(t, f.UserID)
	return f
}

// mint signs an access token for a user with the stack's issuer key, as the
// issuer would after a login.
func (s *stack) mint(t *testing.T, user uuid.UUID) string {
	t.Helper()
	now := time.Now()
	return issuerKey(t, s).MustSign(t, jwt.Claims{Issuer: s.issuerURL, Subject: user.String(),
		Audience: jwt.Audience{"steward"}, IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))})
}

// snapshot is every row of tenant, read past row-level security.
func (s *stack) snapshot(t *testing.T, tenant uuid.UUID) dbtest.TenantSnapshot {
	t.Helper()
	snap, err := dbtest.SnapshotTenant(context.Background(), s.bypassPool(t), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// assertUnchanged fails t if tenant's rows differ from before.
func (s *stack) assertUnchanged(t *testing.T, tenant uuid.UUID, before dbtest.TenantSnapshot) {
	t.Helper()
	if diff := before.Diff(s.snapshot(t, tenant)); diff != "" {
		t.Errorf("the victim tenant's rows changed:\n%s", diff)
	}
}

// schoolOnly are the services whose resources exist only in school tenants.
// The HTTP sweep runs their operations as the school's admin, with the
// directory's own fixtures (sweepSide), and the wrong-tenant check with two
// schools (newResources of a school tenant). The stale-etag check, built on
// household fixtures, skips them; services/booking's
// TestDirectoryStandardMethods checks the directory's etags.
var schoolOnly = map[protoreflect.FullName]bool{
	"steward.booking.v1.DirectoryService": true, "steward.booking.v1.TermService": true,
	"steward.booking.v1.SessionService": true, "steward.booking.v1.CalendarService": true,
}

// schoolOnlyOperation reports whether an OpenAPI operation id
// ("DirectoryService_GetRoom") is an RPC of a schoolOnly service.
func schoolOnlyOperation(id string) bool {
	for name := range schoolOnly {
		if strings.HasPrefix(id, string(name.Name())+"_") {
			return true
		}
	}
	return false
}

// resourceNames are one resource of each type of a tenant, by resource type
// (google.api.resource type, e.g. steward.dev/Home).
type resourceNames map[string]string

// newResources creates, as the tenant's member (who must be allowed to),
// one resource of every type below the tenant: a home, a location in it, an
// asset in that location, a meter reading and an attachment of the asset.
func (s *stack) newResources(t *testing.T, f freshTenant) resourceNames {
	t.Helper()
	ctx := f.ctx(t)
	if f.Kind == "school" { // the directory's, made by the school's admin
		names := resourceNames{"steward.dev/SchoolSettings": f.Name + "/settings"}
		dir := newDirectorySet(t, s.directory, ctx, f.Name, "fresh")
		for collection, name := range dir {
			names[directoryTypes[collection]] = name
		}
		for collection, name := range newScheduleSet(t, s, ctx, dir, "fresh").names {
			names[scheduleTypes[collection]] = name
		}
		maps.Copy(names, s.newInvoicingResources(t, ctx, f.Name, dir["tenants/families"]))
		return names
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %s in %s: %v", what, f.Name, err)
		}
	}
	tree := s.newAssetTree(t, ctx, f.Name, "Fresh home", must)
	reading, err := s.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: tree.asset,
		MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: 10}})
	must("CreateMeterReading", err)
	member, invitation := s.newMemberAndInvitation(t, f.ID, f.ctx(t), "", typev1.Role_ROLE_MEMBER, must)
	maint := s.newMaintenanceSet(t, ctx, tree, must)
	names := resourceNames{
		"steward.dev/Member":          member,
		"steward.dev/Invitation":      invitation,
		"steward.dev/Tenant":          f.Name,
		"steward.dev/Home":            tree.home,
		"steward.dev/Location":        tree.location,
		"steward.dev/Asset":           tree.asset,
		"steward.dev/MeterReading":    reading.GetName(),
		"steward.dev/Attachment":      tree.attachment,
		"steward.dev/MaintenancePlan": maint["tenants/homes/assets/plans"],
		"steward.dev/Task":            maint["tenants/homes/tasks"],
		"steward.dev/AssetInsight":    insightOf(tree),
	}
	for collection, name := range s.newDashboardFixtures(t, ctx, f.Name, tree.home, must) {
		names[dashboardTypes[collection]] = name
	}
	maps.Copy(names, reminderFixtures(f))
	return names
}

// newMemberAndInvitation adds a member (a new account with role "member",
// so that no fixture removes or demotes the tenant's only OWNER) to tenant,
// and has ctx, its manager, invite email ("": an address nobody holds) with
// role. It returns their names.
func (s *stack) newMemberAndInvitation(t *testing.T, tenant uuid.UUID, ctx context.Context, email string, role typev1.Role,
	must func(what string, err error)) (string, string) {
	t.Helper()
	db := s.bypassPool(t)
	user := uuid.New()
	dbtest.ExecAsTenant(t, db, tenant, "INSERT INTO accounts.users (user_id, issuer, subject, email, display_name) VALUES ($1, $2, $3, $4, 'Fixture member')",
		user, s.issuerURL, user.String(), user.String()+"@fresh.example")
	dbtest.ExecAsTenant(t, db, tenant, "INSERT INTO accounts.memberships (tenant_id, user_id, roles) VALUES ($1, $2, '{member}')", tenant, user)
	name := "tenants/" + tenant.String()
	inv, err := s.members.CreateInvitation(ctx, &accountsv1.CreateInvitationRequest{Parent: name,
		Invitation: &accountsv1.Invitation{Email: cmp.Or(email, "nobody-"+user.String()[:8]+"@fresh.example"), Roles: []typev1.Role{role}}})
	must("CreateInvitation", err)
	return name + "/members/" + user.String(), inv.GetName()
}

// directoryTypes are the resource types of a directory set's collections.
var directoryTypes = map[string]string{
	"tenants": "steward.dev/Tenant", "tenants/rooms": "steward.dev/Room", "tenants/instruments": "steward.dev/Instrument",
	"tenants/teachers": "steward.dev/Teacher", "tenants/families": "steward.dev/Family", "tenants/families/students": "steward.dev/Student",
}

// assetTree names a home, a location in it, an asset in that location and
// an attachment of the asset.
type assetTree struct{ home, location, asset, attachment string }

// newAssetTree creates an assetTree in tenant through ctx, the resources
// every fixture of this package starts from: a home called homeName, its
// kitchen, a boiler there and the boiler's manual. must is told of each
// create, so each fixture reports failures in its own words.
func (s *stack) newAssetTree(t *testing.T, ctx context.Context, tenant, homeName string, must func(what string, err error)) assetTree {
	t.Helper()
	home, err := s.assets.CreateHome(ctx, &assetsv1.CreateHomeRequest{Parent: tenant,
		Home: &assetsv1.Home{DisplayName: homeName, TimeZone: "Europe/London"}})
	must("CreateHome", err)
	loc, err := s.assets.CreateLocation(ctx, &assetsv1.CreateLocationRequest{Parent: home.GetName(),
		Location: &assetsv1.Location{DisplayName: "Kitchen", Kind: assetsv1.Location_KIND_ROOM}})
	must("CreateLocation", err)
	asset, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home.GetName(),
		Asset: &assetsv1.Asset{DisplayName: "Boiler", Category: "assetCategories/hvac-boiler", Location: loc.GetName()}})
	must("CreateAsset", err)
	att, err := s.assets.CreateAttachment(ctx, &assetsv1.CreateAttachmentRequest{Parent: asset.GetName(), Content: []byte("manual"),
		Attachment: &assetsv1.Attachment{Kind: assetsv1.Attachment_KIND_MANUAL, Filename: "manual.txt", ContentType: "text/plain"}})
	must("CreateAttachment", err)
	return assetTree{home: home.GetName(), location: loc.GetName(), asset: asset.GetName(), attachment: att.GetName()}
}

// --- RPCs from the descriptors -------------------------------------------

// stewardMethods lists every RPC of every Steward service registered in
// the binary (each gen package registers its files when imported), sorted
// by full name so tests run them in a fixed order.
func stewardMethods(t *testing.T) []protoreflect.MethodDescriptor {
	t.Helper()
	var out []protoreflect.MethodDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "steward.") {
			return true
		}
		for i := range fd.Services().Len() {
			sd := fd.Services().Get(i)
			for j := range sd.Methods().Len() {
				out = append(out, sd.Methods().Get(j))
			}
		}
		return true
	})
	if len(out) == 0 {
		t.Fatal("no Steward RPCs registered")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName() < out[j].FullName() })
	return out
}

// invoke calls method through the stack's gRPC client for its service, by
// reflection over the generated client, so any RPC can be called from its
// descriptor. An RPC of a service the stack has no client for fails t.
func (s *stack) invoke(t *testing.T, ctx context.Context, md protoreflect.MethodDescriptor, req proto.Message) (proto.Message, error) {
	t.Helper()
	clients := map[protoreflect.FullName]any{
		"steward.assets.v1.AssetService":         s.assets,
		"steward.booking.v1.DirectoryService":    s.directory,
		"steward.booking.v1.TermService":         s.terms,
		"steward.booking.v1.SessionService":      s.sessions,
		"steward.booking.v1.CalendarService":     s.calendar,
		"steward.accounts.v1.TenantService":      s.accounts,
		"steward.accounts.v1.MemberService":      s.members,
		"steward.maintenance.v1.PlanService":     s.plans,
		"steward.maintenance.v1.TaskService":     s.tasks,
		"steward.maintenance.v1.InsightService":  s.insight,
		"steward.maintenance.v1.ReminderService": s.reminders,
	}
	maps.Copy(clients, s.dashboardClients())
	maps.Copy(clients, s.invoicingClients())
	client, ok := clients[md.Parent().FullName()]
	if !ok {
		t.Fatalf("no client for %s in the e2e stack: add it to stack.invoke", md.Parent().FullName())
	}
	m := reflect.ValueOf(client).MethodByName(string(md.Name()))
	if !m.IsValid() {
		t.Fatalf("the %s client has no method %s", md.Parent().FullName(), md.Name())
	}
	out := m.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(req)})
	err, _ := out[1].Interface().(error)
	resp, _ := out[0].Interface().(proto.Message)
	return resp, err
}

// newRequest is an empty request message of method.
func newRequest(t *testing.T, md protoreflect.MethodDescriptor) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
	if err != nil {
		t.Fatalf("%s: %v", md.FullName(), err)
	}
	return mt.New().Interface()
}

// resourceField is the message field of an Update request that carries the
// resource (the one with a google.api.resource option), or nil.
func resourceField(input protoreflect.MessageDescriptor) protoreflect.FieldDescriptor {
	for i := range input.Fields().Len() {
		f := input.Fields().Get(i)
		if f.Kind() == protoreflect.MessageKind && resourceType(f.Message()) != "" {
			return f
		}
	}
	return nil
}

// resourceType is a message's google.api.resource type, or "".
func resourceType(md protoreflect.MessageDescriptor) string {
	rd, _ := proto.GetExtension(md.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
	return rd.GetType()
}

// referenceType is the google.api.resource_reference type of a field, or "".
func referenceType(fd protoreflect.FieldDescriptor) string {
	rr, _ := proto.GetExtension(fd.Options(), annotations.E_ResourceReference).(*annotations.ResourceReference)
	return rr.GetType()
}

// targetType is the type of the resource a Get, Update or Delete names:
// its name field's reference, or its resource field's type.
func targetType(md protoreflect.MethodDescriptor) string {
	if f := md.Input().Fields().ByName("name"); f != nil {
		return referenceType(f)
	}
	if f := resourceField(md.Input()); f != nil {
		return resourceType(f.Message())
	}
	return ""
}

// describe prints a request compactly for failure messages.
func describe(m proto.Message) string {
	return fmt.Sprintf("%s{%v}", m.ProtoReflect().Descriptor().Name(), m)
}
