package grpcserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"steward.dev/db/dbtest"
	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	"steward.dev/platform/access"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type tenants struct {
	accountsv1.UnimplementedTenantServiceServer
}

func (tenants) GetTenant(_ context.Context, req *accountsv1.GetTenantRequest) (*accountsv1.Tenant, error) {
	return &accountsv1.Tenant{Name: req.GetName()}, nil
}

// TestUsersTenantHeaderIsIgnored: x-steward-tenant is a service's; a user
// sending one neither gains the tenant it names nor loses their own.
func TestUsersTenantHeaderIsIgnored(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	client := accountsv1.NewTenantServiceClient(env.Serve(t, func(*tenantdb.DB) ([]grpcserver.Service, error) {
		return []grpcserver.Service{{Desc: &accountsv1.TenantService_ServiceDesc, Impl: tenants{}}}, nil
	}))
	mine, theirs := env.Tenant(t, "household"), env.Tenant(t, "household")
	owner := env.User(t, mine, "owner")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(env.As(ctx, t, owner), access.TenantHeader, "tenants/"+theirs.String())
	if _, err := client.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: "tenants/" + mine.String()}); err != nil {
		t.Errorf("own tenant with another's header: %v", err)
	}
	if _, err := client.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: "tenants/" + theirs.String()}); status.Code(err) != codes.NotFound {
		t.Errorf("the header's tenant: %v; want NOT_FOUND, as without it", err)
	}
	if _, err := client.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: "tenants/" + uuid.NewString()}); status.Code(err) != codes.NotFound {
		t.Errorf("an unknown tenant: %v; want NOT_FOUND", err)
	}
}
