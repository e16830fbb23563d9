package accounts_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"steward.dev/db/dbtest"
	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/servertest"
	"steward.dev/services/accounts"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// setup serves the tenant directory as its main does, on a database of its
// own, and returns a client with the test bundle.
func setup(t *testing.T) (accountsv1.TenantServiceClient, *servertest.Env) {
	t.Helper()
	env := servertest.New(t)
	return accountsv1.NewTenantServiceClient(env.Serve(t, accounts.Services)), env
}

func callContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestGetTenant(t *testing.T) {
	t.Parallel()
	client, env := setup(t)
	school := env.Tenant(t, "school")
	teacher := env.User(t, school, "teacher", "parent")
	name := "tenants/" + school.String()

	got, err := client.GetTenant(env.As(callContext(t), t, teacher), &accountsv1.GetTenantRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetName() != name || got.GetKind() != accountsv1.Tenant_KIND_SCHOOL ||
		!slices.Equal(got.GetRoles(), []typev1.Role{typev1.Role_ROLE_TEACHER, typev1.Role_ROLE_PARENT}) {
		t.Errorf("GetTenant as a teacher and parent = %v", got)
	}

	// A service acting for the tenant reads it, holding no roles there.
	got, err = client.GetTenant(env.AsService(callContext(t), t, school), &accountsv1.GetTenantRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetName() != name || got.GetKind() != accountsv1.Tenant_KIND_SCHOOL || got.GetDisplayName() == "" || len(got.GetRoles()) != 0 {
		t.Errorf("GetTenant as a service = %v; want the school without roles", got)
	}

	stranger := env.NewUser(t)
	if _, err := client.GetTenant(env.As(callContext(t), t, stranger), &accountsv1.GetTenantRequest{Name: name}); status.Code(err) != codes.NotFound {
		t.Errorf("GetTenant as a non-member: %v; want NOT_FOUND", err)
	}
}

func TestListTenants(t *testing.T) {
	t.Parallel()
	client, env := setup(t)
	home, school := env.Tenant(t, "household"), env.Tenant(t, "school")
	u := env.User(t, home, "owner")
	env.Join(t, school, u, "admin")
	env.Tenant(t, "household") // someone else's

	got, err := client.ListTenants(env.As(callContext(t), t, u), &accountsv1.ListTenantsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, tn := range got.GetTenants() {
		names = append(names, tn.GetName())
	}
	want := []string{"tenants/" + home.String(), "tenants/" + school.String()}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("ListTenants = %v; want the caller's two, %v", names, want)
	}

	// A service belongs nowhere: its list is empty, whatever tenant it names.
	got, err = client.ListTenants(env.AsService(callContext(t), t, home), &accountsv1.ListTenantsRequest{})
	if err != nil || len(got.GetTenants()) != 0 {
		t.Errorf("ListTenants as a service = %v, %v; want none", got, err)
	}
	if _, err := client.ListTenants(env.AsService(callContext(t), t, uuid.Nil), &accountsv1.ListTenantsRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("ListTenants as a service naming no tenant: %v; want PERMISSION_DENIED", err)
	}
}
