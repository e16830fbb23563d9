package server

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets/internal/store"
)

func homeName(tenantID, homeID uuid.UUID) string {
	return "tenants/" + tenantID.String() + "/homes/" + homeID.String()
}

func homeToProto(h store.AssetsHome) *assetsv1.Home {
	addr := &assetsv1.PostalAddress{}
	_ = protojson.Unmarshal(h.Address, addr) // written by us from the same message
	return &assetsv1.Home{
		Name:        homeName(h.TenantID, h.HomeID),
		DisplayName: h.DisplayName,
		Address:     addr,
		TimeZone:    h.TimeZone,
		CreateTime:  timestamppb.New(h.CreateTime),
		UpdateTime:  timestamppb.New(h.UpdateTime),
		Etag:        etag(h.Revision),
	}
}

func checkTimeZone(field, tz string) error {
	if tz == "" {
		return apierror.InvalidField(field, "is required (an IANA time zone such as America/Chicago)")
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return apierror.InvalidField(field, "is not an IANA time zone such as America/Chicago")
	}
	return nil
}

func marshalAddress(a *assetsv1.PostalAddress) []byte {
	if a == nil {
		return []byte("{}")
	}
	b, _ := protojson.Marshal(a)
	return b
}

// patchAddress returns the address an update stores: in itself when the mask
// names the whole address, else the stored one with only the named parts
// ("locality" for address.locality) taken from in.
func patchAddress(stored []byte, in *assetsv1.PostalAddress, parts []string) *assetsv1.PostalAddress {
	if parts == nil {
		return in
	}
	out := &assetsv1.PostalAddress{}
	_ = protojson.Unmarshal(stored, out) // written by us from the same message
	patchFields(out, in, parts)
	return out
}

// CreateHome implements AIP-133 with request_id idempotency.
func (s *Server) CreateHome(ctx context.Context, req *assetsv1.CreateHomeRequest) (*assetsv1.Home, error) {
	t, _ := scope.TenantFrom(ctx)
	h := req.GetHome() // display name and time zone presence: checked by the contract
	if err := checkTimeZone("home.time_zone", h.GetTimeZone()); err != nil {
		return nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	rid := requestID(req.GetRequestId())
	row, err := q.CreateHome(ctx, store.CreateHomeParams{
		TenantID: t.TenantID, HomeID: uuid.Must(uuid.NewV7()), DisplayName: h.GetDisplayName(),
		Address: marshalAddress(h.GetAddress()), TimeZone: h.GetTimeZone(), RequestID: rid,
	})
	if errors.Is(err, pgx.ErrNoRows) && rid.Valid {
		row, err = q.GetHomeByRequestID(ctx, store.GetHomeByRequestIDParams{TenantID: t.TenantID, RequestID: rid})
	}
	if err != nil {
		return nil, err
	}
	return homeToProto(row), nil
}

func (s *Server) GetHome(ctx context.Context, req *assetsv1.GetHomeRequest) (*assetsv1.Home, error) {
	ids, err := resname.Parse("name", req.GetName(), false, "tenants", "homes")
	if err != nil {
		return nil, err
	}
	row, err := store.New(s.db.Scoped(ctx)).GetHome(ctx, store.GetHomeParams{TenantID: ids[0], HomeID: ids[1]})
	if err != nil {
		return nil, notFoundAs(err, req.GetName())
	}
	return homeToProto(row), nil
}

func (s *Server) ListHomes(ctx context.Context, req *assetsv1.ListHomesRequest) (*assetsv1.ListHomesResponse, error) {
	ids, err := resname.Parse("parent", req.GetParent(), false, "tenants")
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	rows, err := store.New(s.db.Scoped(ctx)).ListHomes(ctx, store.ListHomesParams{TenantID: ids[0], AfterID: after, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	rows, next := pagetoken.Page(rows, size, func(r store.AssetsHome) []string { return []string{r.HomeID.String()} }, req.GetParent())
	resp := &assetsv1.ListHomesResponse{NextPageToken: next}
	for _, r := range rows {
		resp.Homes = append(resp.Homes, homeToProto(r))
	}
	return resp, nil
}

// checkHomeExists answers NOT_FOUND for parent unless the home exists in the
// tenant: a List of a missing parent is NOT_FOUND (AIP-132), not an empty
// page. Lists call it only when a page comes back empty, so the common case
// stays one round trip.
func checkHomeExists(ctx context.Context, q *store.Queries, tenantID, homeID uuid.UUID, parent string) error {
	ok, err := q.HomeExists(ctx, store.HomeExistsParams{TenantID: tenantID, HomeID: homeID})
	if err != nil {
		return err
	}
	if !ok {
		return apierror.NotFound(parent)
	}
	return nil
}

func (s *Server) UpdateHome(ctx context.Context, req *assetsv1.UpdateHomeRequest) (*assetsv1.Home, error) {
	in := req.GetHome()
	ids, err := resname.Parse("home.name", in.GetName(), false, "tenants", "homes")
	if err != nil {
		return nil, err
	}
	mask, err := resolveMask(req.GetUpdateMask(), in, "display_name", "address", "time_zone")
	if err != nil {
		return nil, err
	}
	var out store.AssetsHome
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		cur, err := q.GetHomeForUpdate(ctx, store.GetHomeForUpdateParams{TenantID: ids[0], HomeID: ids[1]})
		if err != nil {
			return notFoundAs(err, in.GetName())
		}
		if err := checkEtag(in.GetEtag(), cur.Revision, in.GetName()); err != nil {
			return err
		}
		p := store.UpdateHomeParams{TenantID: cur.TenantID, HomeID: cur.HomeID, DisplayName: cur.DisplayName, Address: cur.Address, TimeZone: cur.TimeZone}
		if mask.has("display_name") {
			if in.GetDisplayName() == "" {
				return apierror.InvalidField("home.display_name", "cannot be empty")
			}
			p.DisplayName = in.GetDisplayName()
		}
		if sub, ok := mask["address"]; ok {
			p.Address = marshalAddress(patchAddress(cur.Address, in.GetAddress(), sub))
		}
		if mask.has("time_zone") {
			if err := checkTimeZone("home.time_zone", in.GetTimeZone()); err != nil {
				return err
			}
			p.TimeZone = in.GetTimeZone()
		}
		out, err = q.UpdateHome(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return homeToProto(out), nil
}

func (s *Server) DeleteHome(ctx context.Context, req *assetsv1.DeleteHomeRequest) (*emptypb.Empty, error) {
	ids, err := resname.Parse("name", req.GetName(), false, "tenants", "homes")
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		cur, err := q.GetHomeForUpdate(ctx, store.GetHomeForUpdateParams{TenantID: ids[0], HomeID: ids[1]})
		if err != nil {
			return notFoundAs(err, req.GetName())
		}
		if err := checkEtag(req.GetEtag(), cur.Revision, req.GetName()); err != nil {
			return err
		}
		_, err = q.DeleteHome(ctx, store.DeleteHomeParams{TenantID: ids[0], HomeID: ids[1]})
		if violatesConstraint(err, "locations_tenant_id_home_id_fkey") || violatesConstraint(err, "assets_tenant_id_home_id_fkey") {
			return apierror.FailedPrecondition("HOME_NOT_EMPTY", req.GetName()+" still has locations or assets; delete them first")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}
