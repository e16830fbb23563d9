package server

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/resname"
	"steward.dev/services/assets/internal/store"
)

var locationKinds = aip.NewEnum(assetsv1.Location_KIND_ROOM)

var locations = aip.Resource[*store.Queries, store.AssetsLocation, *assetsv1.Location]{
	Pattern: locationPattern,
	Parent:  homePattern,
	Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsLocation, error) {
		return q.GetLocation(ctx, store.GetLocationParams{TenantID: n.ID("tenant"), HomeID: n.ID("home"), LocationID: n.ID("location")})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsLocation, error) {
		return q.GetLocationForUpdate(ctx, store.GetLocationForUpdateParams{TenantID: n.ID("tenant"), HomeID: n.ID("home"), LocationID: n.ID("location")})
	},
	Revision: func(l store.AssetsLocation) int64 { return l.Revision },
	Mutable:  []string{"display_name", "kind", "floor"},
	Required: []string{"display_name"},
	ByRequestID: func(ctx context.Context, q *store.Queries, parent resname.Name, rid uuid.NullUUID) (store.AssetsLocation, error) {
		return q.GetLocationByRequestID(ctx, store.GetLocationByRequestIDParams{TenantID: parent.ID("tenant"), RequestID: rid})
	},
	Fingerprint:  func(l store.AssetsLocation) []byte { return l.RequestFingerprint },
	ParentExists: homeExists,
	Proto:        locationToProto,
}

func locationToProto(l store.AssetsLocation, _ resname.Name) *assetsv1.Location {
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
	l := req.GetLocation() // display name presence: checked by the contract
	return locations.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, parent resname.Name, key aip.Idempotency) (store.AssetsLocation, error) {
		return q.CreateLocation(ctx, store.CreateLocationParams{
			TenantID: parent.ID("tenant"), HomeID: parent.ID("home"), LocationID: uuid.Must(uuid.NewV7()),
			DisplayName: l.GetDisplayName(), Kind: locationKinds.ToDB(l.GetKind()), Floor: l.GetFloor(),
			RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		})
	})
}

func (s *Server) GetLocation(ctx context.Context, req *assetsv1.GetLocationRequest) (*assetsv1.Location, error) {
	return locations.Get(ctx, s.db, "name", req.GetName())
}

func (s *Server) ListLocations(ctx context.Context, req *assetsv1.ListLocationsRequest) (*assetsv1.ListLocationsResponse, error) {
	page, next, err := locations.List(ctx, s.db, req, func(l store.AssetsLocation) uuid.UUID { return l.LocationID }, func(q *store.Queries, p aip.Page) ([]store.AssetsLocation, error) {
		return q.ListLocations(ctx, store.ListLocationsParams{TenantID: p.Parent.ID("tenant"), HomeID: p.Parent.ID("home"), AfterID: p.After, PageLimit: p.Limit})
	})
	if err != nil {
		return nil, err
	}
	return &assetsv1.ListLocationsResponse{Locations: page, NextPageToken: next}, nil
}

func (s *Server) UpdateLocation(ctx context.Context, req *assetsv1.UpdateLocationRequest) (*assetsv1.Location, error) {
	in := req.GetLocation()
	return locations.Update(ctx, s.db, req, func(q *store.Queries, cur store.AssetsLocation, mask aip.Mask) (store.AssetsLocation, error) {
		p := store.UpdateLocationParams{TenantID: cur.TenantID, LocationID: cur.LocationID, DisplayName: cur.DisplayName, Kind: cur.Kind, Floor: cur.Floor}
		if mask.Has("display_name") {
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
}

func (s *Server) DeleteLocation(ctx context.Context, req *assetsv1.DeleteLocationRequest) (*emptypb.Empty, error) {
	return locations.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.AssetsLocation) error {
		return q.DeleteLocation(ctx, store.DeleteLocationParams{TenantID: cur.TenantID, LocationID: cur.LocationID})
	})
}
