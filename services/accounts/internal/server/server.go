// Package server implements TenantService: the caller's own tenants.
package server

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/google/uuid"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/accountsstore"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

// How tenant kinds and roles are stored; neither has a default.
var (
	tenantKinds = aip.NewEnum(accountsv1.Tenant_KIND_UNSPECIFIED)
	roles       = aip.NewEnum(typev1.Role_ROLE_UNSPECIFIED)
)

var tenantPattern = resname.Of(&accountsv1.Tenant{})

// Server implements accountsv1.TenantServiceServer.
type Server struct {
	accountsv1.UnimplementedTenantServiceServer
	db  *tenantdb.DB
	now func() time.Time
}

// New returns a Server reading accounts through db.
func New(db *tenantdb.DB) *Server { return &Server{db: db, now: time.Now} }

// Members implements accountsv1.MemberServiceServer on the same store.
type Members struct {
	accountsv1.UnimplementedMemberServiceServer
	*Server
}

// Constraints is what a violation of each of accounts' constraints answers.
var Constraints = apierror.Constraints{
	// Two first attempts of one sign-up at once: the loser is told to retry.
	"tenants_request_id_key": {Code: codes.AlreadyExists, Reason: typev1.ErrorReason_ERROR_REASON_REQUEST_ID_REUSED, Field: "request_id"},
}

func tenantToProto(id uuid.UUID, kind, displayName string, stored []string) *accountsv1.Tenant {
	t := &accountsv1.Tenant{
		Name:        tenantPattern.Format(id),
		DisplayName: displayName,
		Kind:        tenantKinds.FromDB(kind),
	}
	for _, r := range stored {
		t.Roles = append(t.Roles, roles.FromDB(r))
	}
	return t
}

func (s *Server) ListTenants(ctx context.Context, req *accountsv1.ListTenantsRequest) (*accountsv1.ListTenantsResponse, error) {
	caller, _ := scope.CallerFrom(ctx)
	resp := &accountsv1.ListTenantsResponse{}
	if caller.UserID == uuid.Nil {
		return resp, nil // an identity without a Steward account belongs nowhere
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	rows, err := accountsstore.New(s.db.AsUser(caller.UserID)).ListTenantsForUser(ctx, accountsstore.ListTenantsForUserParams{
		UserID: caller.UserID, AfterTenantID: after, PageLimit: size + 1,
	})
	if err != nil {
		return nil, err
	}
	resp.Tenants, resp.NextPageToken = pagetoken.Page(rows, size, func(r accountsstore.ListTenantsForUserRow) []string { return []string{r.TenantID.String()} },
		func(r accountsstore.ListTenantsForUserRow) *accountsv1.Tenant {
			return tenantToProto(r.TenantID, r.Kind, r.DisplayName, r.Roles)
		})
	return resp, nil
}

func (s *Server) GetTenant(ctx context.Context, req *accountsv1.GetTenantRequest) (*accountsv1.Tenant, error) {
	t, _ := scope.TenantFrom(ctx)
	caller, _ := scope.CallerFrom(ctx)
	if caller.IsService() { // no membership to join; it holds no roles
		row, err := accountsstore.New(s.db.Scoped(ctx)).GetTenantByID(ctx, t.TenantID)
		if err != nil {
			return nil, err
		}
		return tenantToProto(row.TenantID, row.Kind, row.DisplayName, nil), nil
	}
	row, err := accountsstore.New(s.db.Scoped(ctx)).GetTenant(ctx, accountsstore.GetTenantParams{TenantID: t.TenantID, UserID: caller.UserID})
	if err != nil {
		return nil, err
	}
	return tenantToProto(row.TenantID, row.Kind, row.DisplayName, row.Roles), nil
}
