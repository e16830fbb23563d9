package server

import (
	"context"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/resname"
	"steward.dev/services/booking/internal/store"
)

var rooms = aip.Resource[*store.Queries, store.BookingRoom, *bookingv1.Room]{
	Pattern: roomPattern, Parent: tenantPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingRoom, error) {
		return q.GetRoom(ctx, store.GetRoomParams{TenantID: n.ID("tenant"), RoomID: n.ID("room")})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingRoom, error) {
		return q.LockRoom(ctx, store.LockRoomParams{TenantID: n.ID("tenant"), RoomID: n.ID("room")})
	},
	ByRequestID: func(ctx context.Context, q *store.Queries, p resname.Name, rid uuid.NullUUID) (store.BookingRoom, error) {
		return q.RoomCreatedBy(ctx, store.RoomCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
	},
	Revision:    func(r store.BookingRoom) int64 { return r.Revision },
	Fingerprint: func(r store.BookingRoom) []byte { return r.RequestFingerprint },
	Mutable:     []string{"display_name", "capacity"},
	Required:    []string{"display_name", "capacity"},
	Proto: func(r store.BookingRoom, _ resname.Name) *bookingv1.Room {
		return &bookingv1.Room{
			Name: roomPattern.Format(r.TenantID, r.RoomID), DisplayName: r.DisplayName, Capacity: r.Capacity,
			CreateTime: timestamppb.New(r.CreateTime), UpdateTime: timestamppb.New(r.UpdateTime), Etag: aip.Etag(r.Revision),
		}
	},
}

func (s *Server) CreateRoom(ctx context.Context, req *bookingv1.CreateRoomRequest) (*bookingv1.Room, error) {
	in := req.GetRoom() // name and capacity: required by the contract
	return rooms.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, p resname.Name, key aip.Idempotency) (store.BookingRoom, error) {
		return q.CreateRoom(ctx, store.CreateRoomParams{TenantID: p.ID("tenant"), RoomID: uuid.Must(uuid.NewV7()),
			DisplayName: in.GetDisplayName(), Capacity: in.GetCapacity(), RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
	})
}

func (s *Server) GetRoom(ctx context.Context, req *bookingv1.GetRoomRequest) (*bookingv1.Room, error) {
	return rooms.Get(ctx, s.db, "name", req.GetName())
}

func (s *Server) ListRooms(ctx context.Context, req *bookingv1.ListRoomsRequest) (*bookingv1.ListRoomsResponse, error) {
	page, next, err := rooms.List(ctx, s.db, req, func(r store.BookingRoom) uuid.UUID { return r.RoomID },
		func(q *store.Queries, pg aip.Page) ([]store.BookingRoom, error) {
			p := store.ListRoomsParams{TenantID: pg.Parent.ID("tenant"), AfterID: pg.After, PageLimit: pg.Limit}
			err := aip.ApplyFilter(req.GetFilter(), aip.FilterField{Name: "capacity", Bind: func(f *aip.Filter, t aip.Term) error {
				n, err := strconv.ParseInt(t.Value, 10, 32)
				if t.Op != ">=" || err != nil {
					return aip.FilterError("capacity supports only >= with a whole number, e.g. capacity >= 4")
				}
				return aip.SetOnce(f, t, &p.MinCapacity, pgtype.Int4{Int32: int32(n), Valid: true})
			}})
			if err != nil {
				return nil, err
			}
			return q.ListRooms(ctx, p)
		}, req.GetFilter())
	return &bookingv1.ListRoomsResponse{Rooms: page, NextPageToken: next}, err // the page is nil on error
}

func (s *Server) UpdateRoom(ctx context.Context, req *bookingv1.UpdateRoomRequest) (*bookingv1.Room, error) {
	in := req.GetRoom()
	return rooms.Update(ctx, s.db, req, func(q *store.Queries, cur store.BookingRoom, mask aip.Mask) (store.BookingRoom, error) {
		next := store.UpdateRoomParams{TenantID: cur.TenantID, RoomID: cur.RoomID, DisplayName: cur.DisplayName, Capacity: cur.Capacity}
		take(mask, "display_name", &next.DisplayName, in.GetDisplayName())
		take(mask, "capacity", &next.Capacity, in.GetCapacity())
		return q.UpdateRoom(ctx, next)
	})
}

func (s *Server) DeleteRoom(ctx context.Context, req *bookingv1.DeleteRoomRequest) (*emptypb.Empty, error) {
	return rooms.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.BookingRoom) error {
		return q.DeleteRoom(ctx, store.DeleteRoomParams{TenantID: cur.TenantID, RoomID: cur.RoomID})
	})
}
