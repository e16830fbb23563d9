package server

import (
	"bytes"
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/access"
	"steward.dev/platform/accountsstore"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

// founderRole is the role the person who signs a tenant up gets: the one
// that manages its members.
var founderRole = map[string]typev1.Role{
	access.KindHousehold: typev1.Role_ROLE_OWNER,
	access.KindSchool:    typev1.Role_ROLE_ADMIN,
}

// CreateTenant signs a household or a school up; the caller becomes its
// OWNER or ADMIN. Only a person may: a service principal acts for one
// existing tenant and has no account to make a member.
func (s *Server) CreateTenant(ctx context.Context, req *accountsv1.CreateTenantRequest) (*accountsv1.Tenant, error) {
	caller, _ := scope.CallerFrom(ctx)
	if caller.Kind != scope.KindUser || caller.UserID == uuid.Nil {
		return nil, apierror.PermissionDenied("only a signed-in person may create a tenant")
	}
	in := req.GetTenant() // display_name and kind presence: checked by the contract
	kind := tenantKinds.ToDB(in.GetKind())
	role, ok := founderRole[kind]
	if !ok {
		return nil, apierror.InvalidField("tenant.kind", "must be KIND_HOUSEHOLD or KIND_SCHOOL")
	}
	rid, err := uuid.Parse(req.GetRequestId())
	key := aip.Idempotency{RequestID: uuid.NullUUID{UUID: rid, Valid: err == nil}}
	if key.RequestID.Valid {
		key.Fingerprint = aip.Fingerprint(req)
		if prior, found, err := s.signedUp(ctx, caller.UserID, key); found || err != nil {
			return prior, err
		}
	}
	id := uuid.Must(uuid.NewV7())
	// The new tenant is the scope of its own rows (the RLS checks say so).
	scoped := scope.WithTenant(ctx, scope.Tenant{TenantID: id, Kind: kind})
	err = s.db.InTx(scoped, func(tx tenantdb.DBTX) error {
		q := accountsstore.New(tx)
		if _, err := q.CreateTenant(ctx, accountsstore.CreateTenantParams{
			TenantID: id, Kind: kind, DisplayName: in.GetDisplayName(), RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		}); err != nil {
			return err
		}
		_, err := q.CreateMembership(ctx, accountsstore.CreateMembershipParams{TenantID: id, UserID: caller.UserID, Roles: []string{roles.ToDB(role)}})
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "tenants_request_id_key" {
		// A concurrent first attempt of the same sign-up committed first.
		if prior, found, err := s.signedUp(ctx, caller.UserID, key); found || err != nil {
			return prior, err
		}
	}
	if err != nil {
		return nil, err
	}
	return tenantToProto(id, kind, in.GetDisplayName(), []string{roles.ToDB(role)}), nil
}

// signedUp returns the tenant user created with key's request_id, if they
// did and still belong to it; REQUEST_ID_REUSED when the request differed.
func (s *Server) signedUp(ctx context.Context, user uuid.UUID, key aip.Idempotency) (*accountsv1.Tenant, bool, error) {
	prior, err := accountsstore.New(s.db.AsUser(user)).GetTenantByRequestID(ctx, accountsstore.GetTenantByRequestIDParams{UserID: user, RequestID: key.RequestID})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case !bytes.Equal(prior.RequestFingerprint, key.Fingerprint):
		return nil, true, apierror.RequestIDReused()
	}
	t, err := s.GetTenant(scope.WithTenant(ctx, scope.Tenant{TenantID: prior.TenantID}), &accountsv1.GetTenantRequest{Name: tenantPattern.Format(prior.TenantID)})
	return t, true, err
}
