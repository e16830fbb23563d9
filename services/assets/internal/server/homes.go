package server

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/services/assets/internal/store"
)

var homes = aip.Resource[*store.Queries, store.AssetsHome]{
	Pattern: homePattern,
	Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsHome, error) {
		return q.GetHome(ctx, store.GetHomeParams{TenantID: n.ID("tenant"), HomeID: n.ID("home")})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsHome, error) {
		return q.GetHomeForUpdate(ctx, store.GetHomeForUpdateParams{TenantID: n.ID("tenant"), HomeID: n.ID("home")})
	},
	Revision: func(h store.AssetsHome) int64 { return h.Revision },
}

func homeToProto(h store.AssetsHome) *assetsv1.Home {
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
	aip.PatchFields(out, in, parts)
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
	row, err := aip.Create[store.AssetsHome]{
		Find: func(ctx context.Context, rid uuid.UUID) (store.AssetsHome, error) {
			return q.GetHomeByRequestID(ctx, store.GetHomeByRequestIDParams{TenantID: t.TenantID, RequestID: uuid.NullUUID{UUID: rid, Valid: true}})
		},
		Fingerprint: func(h store.AssetsHome) []byte { return h.RequestFingerprint },
		Insert: func(ctx context.Context, key aip.Idempotency) (store.AssetsHome, error) {
			return q.CreateHome(ctx, store.CreateHomeParams{
				TenantID: t.TenantID, HomeID: uuid.Must(uuid.NewV7()), DisplayName: h.GetDisplayName(),
				Address: marshalAddress(h.GetAddress()), TimeZone: h.GetTimeZone(),
				RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
			})
		},
	}.Run(ctx, req)
	if err != nil {
		return nil, err
	}
	return homeToProto(row), nil
}

func (s *Server) GetHome(ctx context.Context, req *assetsv1.GetHomeRequest) (*assetsv1.Home, error) {
	row, err := homes.Get(ctx, s.db, "name", req.GetName())
	if err != nil {
		return nil, err
	}
	return homeToProto(row), nil
}

func (s *Server) ListHomes(ctx context.Context, req *assetsv1.ListHomesRequest) (*assetsv1.ListHomesResponse, error) {
	parent, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	rows, err := store.New(s.db.Scoped(ctx)).ListHomes(ctx, store.ListHomesParams{TenantID: parent.ID("tenant"), AfterID: after, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	resp := &assetsv1.ListHomesResponse{}
	resp.Homes, resp.NextPageToken = pagetoken.Page(rows, size, func(r store.AssetsHome) []string { return []string{r.HomeID.String()} }, homeToProto, req.GetParent())
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
	mask, err := aip.ResolveMask(req.GetUpdateMask(), in, "display_name", "address", "time_zone")
	if err != nil {
		return nil, err
	}
	out, err := homes.Update(ctx, s.db, "home.name", in.GetName(), in.GetEtag(), func(q *store.Queries, cur store.AssetsHome) (store.AssetsHome, error) {
		p := store.UpdateHomeParams{TenantID: cur.TenantID, HomeID: cur.HomeID, DisplayName: cur.DisplayName, Address: cur.Address, TimeZone: cur.TimeZone}
		if mask.Has("display_name") {
			if in.GetDisplayName() == "" {
				return cur, apierror.InvalidField("home.display_name", "cannot be empty")
			}
			p.DisplayName = in.GetDisplayName()
		}
		if sub, ok := mask["address"]; ok {
			p.Address = marshalAddress(patchAddress(cur.Address, in.GetAddress(), sub))
		}
		if mask.Has("time_zone") {
			if err := checkTimeZone("home.time_zone", in.GetTimeZone()); err != nil {
				return cur, err
			}
			p.TimeZone = in.GetTimeZone()
		}
		return q.UpdateHome(ctx, p)
	})
	if err != nil {
		return nil, err
	}
	return homeToProto(out), nil
}

// DeleteHome refuses a home that still has locations or assets: their
// foreign keys say so (HOME_NOT_EMPTY, in Constraints).
func (s *Server) DeleteHome(ctx context.Context, req *assetsv1.DeleteHomeRequest) (*emptypb.Empty, error) {
	err := homes.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.AssetsHome) error {
		_, err := q.DeleteHome(ctx, store.DeleteHomeParams{TenantID: cur.TenantID, HomeID: cur.HomeID})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}
