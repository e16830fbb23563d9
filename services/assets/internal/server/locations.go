package server

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets/internal/store"
)

func locationName(tenantID, homeID, locationID uuid.UUID) string {
	return homeName(tenantID, homeID) + "/locations/" + locationID.String()
}

func locationKindToDB(k assetsv1.Location_Kind) string {
	if k == assetsv1.Location_KIND_UNSPECIFIED {
		return "room"
	}
	return strings.ToLower(strings.TrimPrefix(k.String(), "KIND_"))
}

func locationKindFromDB(s string) assetsv1.Location_Kind {
	return assetsv1.Location_Kind(assetsv1.Location_Kind_value["KIND_"+strings.ToUpper(s)])
}

func locationToProto(l store.AssetsLocation) *assetsv1.Location {
	return &assetsv1.Location{
		Name:        locationName(l.TenantID, l.HomeID, l.LocationID),
		DisplayName: l.DisplayName,
		Kind:        locationKindFromDB(l.Kind),
		Floor:       l.Floor,
		CreateTime:  timestamppb.New(l.CreateTime),
		UpdateTime:  timestamppb.New(l.UpdateTime),
		Etag:        etag(l.Revision),
	}
}

func (s *Server) CreateLocation(ctx context.Context, req *assetsv1.CreateLocationRequest) (*assetsv1.Location, error) {
	ids, err := resname.Parse("parent", req.GetParent(), false, "tenants", "homes")
	if err != nil {
		return nil, err
	}
	l := req.GetLocation() // display name presence: checked by the contract
	q := store.New(s.db.Scoped(ctx))
	rid := requestID(req.GetRequestId())
	row, err := q.CreateLocation(ctx, store.CreateLocationParams{
		TenantID: ids[0], HomeID: ids[1], LocationID: uuid.Must(uuid.NewV7()),
		DisplayName: l.GetDisplayName(), Kind: locationKindToDB(l.GetKind()), Floor: l.GetFloor(), RequestID: rid,
	})
	if errors.Is(err, pgx.ErrNoRows) && rid.Valid {
		row, err = q.GetLocationByRequestID(ctx, store.GetLocationByRequestIDParams{TenantID: ids[0], RequestID: rid})
	}
	if violatesConstraint(err, "locations_tenant_id_home_id_fkey") {
		return nil, apierror.NotFound(req.GetParent())
	}
	if err != nil {
		return nil, err
	}
	if row.HomeID != ids[1] {
		return nil, apierror.FailedPrecondition("REQUEST_ID_REUSED", "request_id was already used to create a location in another home")
	}
	return locationToProto(row), nil
}

func (s *Server) GetLocation(ctx context.Context, req *assetsv1.GetLocationRequest) (*assetsv1.Location, error) {
	ids, err := resname.Parse("name", req.GetName(), false, "tenants", "homes", "locations")
	if err != nil {
		return nil, err
	}
	row, err := store.New(s.db.Scoped(ctx)).GetLocation(ctx, store.GetLocationParams{TenantID: ids[0], HomeID: ids[1], LocationID: ids[2]})
	if err != nil {
		return nil, notFoundAs(err, req.GetName())
	}
	return locationToProto(row), nil
}

func (s *Server) ListLocations(ctx context.Context, req *assetsv1.ListLocationsRequest) (*assetsv1.ListLocationsResponse, error) {
	ids, err := resname.Parse("parent", req.GetParent(), false, "tenants", "homes")
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	q := store.New(s.db.Scoped(ctx))
	rows, err := q.ListLocations(ctx, store.ListLocationsParams{TenantID: ids[0], HomeID: ids[1], AfterID: after, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if err := checkHomeExists(ctx, q, ids[0], ids[1], req.GetParent()); err != nil {
			return nil, err
		}
	}
	rows, next := pagetoken.Page(rows, size, func(r store.AssetsLocation) []string { return []string{r.LocationID.String()} }, req.GetParent())
	resp := &assetsv1.ListLocationsResponse{NextPageToken: next}
	for _, r := range rows {
		resp.Locations = append(resp.Locations, locationToProto(r))
	}
	return resp, nil
}

func (s *Server) UpdateLocation(ctx context.Context, req *assetsv1.UpdateLocationRequest) (*assetsv1.Location, error) {
	in := req.GetLocation()
	ids, err := resname.Parse("location.name", in.GetName(), false, "tenants", "homes", "locations")
	if err != nil {
		return nil, err
	}
	mask, err := resolveMask(req.GetUpdateMask(), in, "display_name", "kind", "floor")
	if err != nil {
		return nil, err
	}
	var out store.AssetsLocation
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		cur, err := q.GetLocationForUpdate(ctx, store.GetLocationForUpdateParams{TenantID: ids[0], HomeID: ids[1], LocationID: ids[2]})
		if err != nil {
			return notFoundAs(err, in.GetName())
		}
		if err := checkEtag(in.GetEtag(), cur.Revision, in.GetName()); err != nil {
			return err
		}
		p := store.UpdateLocationParams{TenantID: cur.TenantID, LocationID: cur.LocationID, DisplayName: cur.DisplayName, Kind: cur.Kind, Floor: cur.Floor}
		if mask.has("display_name") {
			if in.GetDisplayName() == "" {
				return apierror.InvalidField("location.display_name", "cannot be empty")
			}
			p.DisplayName = in.GetDisplayName()
		}
		if mask.has("kind") {
			p.Kind = locationKindToDB(in.GetKind())
		}
		if mask.has("floor") {
			p.Floor = in.GetFloor()
		}
		out, err = q.UpdateLocation(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return locationToProto(out), nil
}

func (s *Server) DeleteLocation(ctx context.Context, req *assetsv1.DeleteLocationRequest) (*emptypb.Empty, error) {
	ids, err := resname.Parse("name", req.GetName(), false, "tenants", "homes", "locations")
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		cur, err := q.GetLocationForUpdate(ctx, store.GetLocationForUpdateParams{TenantID: ids[0], HomeID: ids[1], LocationID: ids[2]})
		if err != nil {
			return notFoundAs(err, req.GetName())
		}
		if err := checkEtag(req.GetEtag(), cur.Revision, req.GetName()); err != nil {
			return err
		}
		_, err = q.DeleteLocation(ctx, store.DeleteLocationParams{TenantID: ids[0], LocationID: ids[2]})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}
