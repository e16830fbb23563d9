package server

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/services/assets/internal/store"
)

var locationKinds = aip.NewEnum(assetsv1.Location_KIND_ROOM)

var locations = aip.Resource[*store.Queries, store.AssetsLocation]{
	Pattern: locationPattern,
	Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsLocation, error) {
		return q.GetLocation(ctx, store.GetLocationParams{TenantID: n.ID("tenant"), HomeID: n.ID("home"), LocationID: n.ID("location")})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsLocation, error) {
		return q.GetLocationForUpdate(ctx, store.GetLocationForUpdateParams{TenantID: n.ID("tenant"), HomeID: n.ID("home"), LocationID: n.ID("location")})
	},
	Revision: func(l store.AssetsLocation) int64 { return l.Revision },
}

func locationToProto(l store.AssetsLocation) *assetsv1.Location {
	return &assetsv1.Location{
		Name:        locationPattern.Format(l.TenantID, l.HomeID, l.LocationID),
		DisplayName: l.DisplayName,
		Kind:        locationKinds.FromDB(l.Kind),
		Floor:       l.Floor,
		CreateTime:  timestamppb.New(l.CreateTime),
		UpdateTime:  timestamppb.New(l.UpdateTime),
		Etag:        aip.Etag(l.Revision),
	}
}

func (s *Server) CreateLocation(ctx context.Context, req *assetsv1.CreateLocationRequest) (*assetsv1.Location, error) {
	parent, err := homePattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	l := req.GetLocation() // display name presence: checked by the contract
	q := store.New(s.db.Scoped(ctx))
	row, err := aip.Create[store.AssetsLocation]{
		Find: func(ctx context.Context, rid uuid.UUID) (store.AssetsLocation, error) {
			return q.GetLocationByRequestID(ctx, store.GetLocationByRequestIDParams{TenantID: parent.ID("tenant"), RequestID: uuid.NullUUID{UUID: rid, Valid: true}})
		},
		Fingerprint: func(l store.AssetsLocation) []byte { return l.RequestFingerprint },
		Insert: func(ctx context.Context, key aip.Idempotency) (store.AssetsLocation, error) {
			return q.CreateLocation(ctx, store.CreateLocationParams{
				TenantID: parent.ID("tenant"), HomeID: parent.ID("home"), LocationID: uuid.Must(uuid.NewV7()),
				DisplayName: l.GetDisplayName(), Kind: locationKinds.ToDB(l.GetKind()), Floor: l.GetFloor(),
				RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
			})
		},
	}.Run(ctx, req)
	if err != nil {
		return nil, err
	}
	return locationToProto(row), nil
}

func (s *Server) GetLocation(ctx context.Context, req *assetsv1.GetLocationRequest) (*assetsv1.Location, error) {
	row, err := locations.Get(ctx, s.db, "name", req.GetName())
	if err != nil {
		return nil, err
	}
	return locationToProto(row), nil
}

func (s *Server) ListLocations(ctx context.Context, req *assetsv1.ListLocationsRequest) (*assetsv1.ListLocationsResponse, error) {
	parent, err := homePattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	q := store.New(s.db.Scoped(ctx))
	rows, err := q.ListLocations(ctx, store.ListLocationsParams{TenantID: parent.ID("tenant"), HomeID: parent.ID("home"), AfterID: after, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if err := checkHomeExists(ctx, q, parent.ID("tenant"), parent.ID("home"), req.GetParent()); err != nil {
			return nil, err
		}
	}
	resp := &assetsv1.ListLocationsResponse{}
	resp.Locations, resp.NextPageToken = pagetoken.Page(rows, size, func(r store.AssetsLocation) []string { return []string{r.LocationID.String()} }, locationToProto, req.GetParent())
	return resp, nil
}

func (s *Server) UpdateLocation(ctx context.Context, req *assetsv1.UpdateLocationRequest) (*assetsv1.Location, error) {
	in := req.GetLocation()
	mask, err := aip.ResolveMask(req.GetUpdateMask(), in, "display_name", "kind", "floor")
	if err != nil {
		return nil, err
	}
	out, err := locations.Update(ctx, s.db, "location.name", in.GetName(), in.GetEtag(), func(q *store.Queries, cur store.AssetsLocation) (store.AssetsLocation, error) {
		p := store.UpdateLocationParams{TenantID: cur.TenantID, LocationID: cur.LocationID, DisplayName: cur.DisplayName, Kind: cur.Kind, Floor: cur.Floor}
		if mask.Has("display_name") {
			if in.GetDisplayName() == "" {
				return cur, apierror.InvalidField("location.display_name", "cannot be empty")
			}
			p.DisplayName = in.GetDisplayName()
		}
		if mask.Has("kind") {
			p.Kind = locationKinds.ToDB(in.GetKind())
		}
		if mask.Has("floor") {
			p.Floor = in.GetFloor()
		}
		return q.UpdateLocation(ctx, p)
	})
	if err != nil {
		return nil, err
	}
	return locationToProto(out), nil
}

func (s *Server) DeleteLocation(ctx context.Context, req *assetsv1.DeleteLocationRequest) (*emptypb.Empty, error) {
	err := locations.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.AssetsLocation) error {
		_, err := q.DeleteLocation(ctx, store.DeleteLocationParams{TenantID: cur.TenantID, LocationID: cur.LocationID})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}
