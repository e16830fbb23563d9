package server

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/resname"
	"steward.dev/services/assets/internal/store"
)

var homes = aip.Resource[*store.Queries, store.AssetsHome, *assetsv1.Home]{
	Pattern: homePattern,
	Parent:  tenantPattern,
	Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsHome, error) {
		return q.GetHome(ctx, store.GetHomeParams{TenantID: n.ID("tenant"), HomeID: n.ID("home")})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsHome, error) {
		return q.GetHomeForUpdate(ctx, store.GetHomeForUpdateParams{TenantID: n.ID("tenant"), HomeID: n.ID("home")})
	},
	Revision: func(h store.AssetsHome) int64 { return h.Revision },
	Mutable:  []string{"display_name", "address", "time_zone"},
	Required: []string{"display_name"},
	ByRequestID: func(ctx context.Context, q *store.Queries, parent resname.Name, rid uuid.NullUUID) (store.AssetsHome, error) {
		return q.GetHomeByRequestID(ctx, store.GetHomeByRequestIDParams{TenantID: parent.ID("tenant"), RequestID: rid})
	},
	Fingerprint: func(h store.AssetsHome) []byte { return h.RequestFingerprint },
	Proto:       homeToProto,
}

func homeToProto(h store.AssetsHome, _ resname.Name) *assetsv1.Home {
	addr := &assetsv1.PostalAddress{}
	_ = protojson.Unmarshal(h.Address, addr) // written by us from the same message
	return &assetsv1.Home{
		Name:        homePattern.Format(h.TenantID, h.HomeID),
		DisplayName: h.DisplayName,
		Address:     addr,
		TimeZone:    h.TimeZone,
		CreateTime:  timestamppb.New(h.CreateTime),
		UpdateTime:  timestamppb.New(h.UpdateTime),
		Etag:        aip.Etag(h.Revision),
	}
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
	aip.PatchFields(out, in, parts)
	return out
}

// CreateHome implements AIP-133 with request_id idempotency.
func (s *Server) CreateHome(ctx context.Context, req *assetsv1.CreateHomeRequest) (*assetsv1.Home, error) {
	h := req.GetHome() // display name and time zone presence: checked by the contract
	if err := aip.CheckTimeZone("home.time_zone", h.GetTimeZone()); err != nil {
		return nil, err
	}
	return homes.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, parent resname.Name, key aip.Idempotency) (store.AssetsHome, error) {
		return q.CreateHome(ctx, store.CreateHomeParams{
			TenantID: parent.ID("tenant"), HomeID: uuid.Must(uuid.NewV7()), DisplayName: h.GetDisplayName(),
			Address: marshalAddress(h.GetAddress()), TimeZone: h.GetTimeZone(),
			RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		})
	})
}

func (s *Server) GetHome(ctx context.Context, req *assetsv1.GetHomeRequest) (*assetsv1.Home, error) {
	return homes.Get(ctx, s.db, "name", req.GetName())
}

func (s *Server) ListHomes(ctx context.Context, req *assetsv1.ListHomesRequest) (*assetsv1.ListHomesResponse, error) {
	page, next, err := homes.List(ctx, s.db, req, func(h store.AssetsHome) uuid.UUID { return h.HomeID }, func(q *store.Queries, p aip.Page) ([]store.AssetsHome, error) {
		return q.ListHomes(ctx, store.ListHomesParams{TenantID: p.Parent.ID("tenant"), AfterID: p.After, PageLimit: p.Limit})
	})
	if err != nil {
		return nil, err
	}
	return &assetsv1.ListHomesResponse{Homes: page, NextPageToken: next}, nil
}

// homeExists tells an empty list of a home's children from a list of a
// missing home.
func homeExists(ctx context.Context, q *store.Queries, parent resname.Name) (bool, error) {
	return q.HomeExists(ctx, store.HomeExistsParams{TenantID: parent.ID("tenant"), HomeID: parent.ID("home")})
}

func (s *Server) UpdateHome(ctx context.Context, req *assetsv1.UpdateHomeRequest) (*assetsv1.Home, error) {
	in := req.GetHome()
	return homes.Update(ctx, s.db, req, func(q *store.Queries, cur store.AssetsHome, mask aip.Mask) (store.AssetsHome, error) {
		p := store.UpdateHomeParams{TenantID: cur.TenantID, HomeID: cur.HomeID, DisplayName: cur.DisplayName, Address: cur.Address, TimeZone: cur.TimeZone}
		if mask.Has("display_name") {
			p.DisplayName = in.GetDisplayName()
		}
		if sub, ok := mask["address"]; ok {
			p.Address = marshalAddress(patchAddress(cur.Address, in.GetAddress(), sub))
		}
		if mask.Has("time_zone") {
			if err := aip.CheckTimeZone("home.time_zone", in.GetTimeZone()); err != nil {
				return cur, err
			}
			p.TimeZone = in.GetTimeZone()
		}
		return q.UpdateHome(ctx, p)
	})
}

// DeleteHome refuses a home that still has locations or assets: their
// foreign keys say so (HOME_NOT_EMPTY, in Constraints).
func (s *Server) DeleteHome(ctx context.Context, req *assetsv1.DeleteHomeRequest) (*emptypb.Empty, error) {
	return homes.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.AssetsHome) error {
		return q.DeleteHome(ctx, store.DeleteHomeParams{TenantID: cur.TenantID, HomeID: cur.HomeID})
	})
}
