package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/services/booking/internal/store"
)

var instruments = aip.Resource[*store.Queries, store.BookingInstrument, *bookingv1.Instrument]{
	Pattern: instrumentPattern, Parent: tenantPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingInstrument, error) {
		return q.GetInstrument(ctx, store.GetInstrumentParams{TenantID: n.ID("tenant"), InstrumentID: n.ID("instrument")})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingInstrument, error) {
		return q.LockInstrument(ctx, store.LockInstrumentParams{TenantID: n.ID("tenant"), InstrumentID: n.ID("instrument")})
	},
	ByRequestID: func(ctx context.Context, q *store.Queries, p resname.Name, rid uuid.NullUUID) (store.BookingInstrument, error) {
		return q.InstrumentCreatedBy(ctx, store.InstrumentCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
	},
	Revision:    func(r store.BookingInstrument) int64 { return r.Revision },
	Fingerprint: func(r store.BookingInstrument) []byte { return r.RequestFingerprint },
	Mutable:     []string{"display_name", "kind"},
	Required:    []string{"display_name", "kind"},
	Proto: func(r store.BookingInstrument, _ resname.Name) *bookingv1.Instrument {
		return &bookingv1.Instrument{
			Name: instrumentPattern.Format(r.TenantID, r.InstrumentID), DisplayName: r.DisplayName, Kind: instrumentKinds.FromDB(r.Kind),
			CreateTime: timestamppb.New(r.CreateTime), UpdateTime: timestamppb.New(r.UpdateTime), Etag: aip.Etag(r.Revision),
		}
	},
}

// instrumentKinds has no default: the contract refuses an unspecified kind.
var instrumentKinds = aip.NewEnum(bookingv1.Instrument_KIND_UNSPECIFIED)

func (s *Server) CreateInstrument(ctx context.Context, req *bookingv1.CreateInstrumentRequest) (*bookingv1.Instrument, error) {
	in := req.GetInstrument() // name and kind: required by the contract
	return instruments.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, p resname.Name, key aip.Idempotency) (store.BookingInstrument, error) {
		return q.CreateInstrument(ctx, store.CreateInstrumentParams{TenantID: p.ID("tenant"), InstrumentID: uuid.Must(uuid.NewV7()),
			DisplayName: in.GetDisplayName(), Kind: instrumentKinds.ToDB(in.GetKind()), RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
	})
}

func (s *Server) GetInstrument(ctx context.Context, req *bookingv1.GetInstrumentRequest) (*bookingv1.Instrument, error) {
	return instruments.Get(ctx, s.db, "name", req.GetName())
}

func (s *Server) ListInstruments(ctx context.Context, req *bookingv1.ListInstrumentsRequest) (*bookingv1.ListInstrumentsResponse, error) {
	page, next, err := instruments.List(ctx, s.db, req, func(r store.BookingInstrument) uuid.UUID { return r.InstrumentID },
		func(q *store.Queries, pg aip.Page) ([]store.BookingInstrument, error) {
			p := store.ListInstrumentsParams{TenantID: pg.Parent.ID("tenant"), AfterID: pg.After, PageLimit: pg.Limit}
			err := aip.ApplyFilter(req.GetFilter(), aip.FilterField{Name: "kind", Bind: func(f *aip.Filter, t aip.Term) error {
				k, ok := instrumentKinds.Parse(t.Value)
				if !ok {
					return aip.FilterError("kind must be one of " + instrumentKinds.Names())
				}
				return aip.EqOrNe(f, t, &p.Kind, &p.KindNot, pgtype.Text{String: instrumentKinds.ToDB(k), Valid: true})
			}})
			if err != nil {
				return nil, err
			}
			return q.ListInstruments(ctx, p)
		}, req.GetFilter())
	return &bookingv1.ListInstrumentsResponse{Instruments: page, NextPageToken: next}, err // the page is nil on error
}

func (s *Server) UpdateInstrument(ctx context.Context, req *bookingv1.UpdateInstrumentRequest) (*bookingv1.Instrument, error) {
	in := req.GetInstrument()
	return instruments.Update(ctx, s.db, req, func(q *store.Queries, cur store.BookingInstrument, mask aip.Mask) (store.BookingInstrument, error) {
		next := store.UpdateInstrumentParams{TenantID: cur.TenantID, InstrumentID: cur.InstrumentID, DisplayName: cur.DisplayName, Kind: cur.Kind}
		take(mask, "display_name", &next.DisplayName, in.GetDisplayName())
		take(mask, "kind", &next.Kind, instrumentKinds.ToDB(in.GetKind()))
		return q.UpdateInstrument(ctx, next)
	})
}

// DeleteInstrument refuses an instrument still taught or played: the lock
// Delete takes waits for creates and updates holding it (ShareInstruments),
// so none can add it while this checks.
func (s *Server) DeleteInstrument(ctx context.Context, req *bookingv1.DeleteInstrumentRequest) (*emptypb.Empty, error) {
	return instruments.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.BookingInstrument) error {
		used, err := q.InstrumentInUse(ctx, store.InstrumentInUseParams{TenantID: cur.TenantID, InstrumentID: cur.InstrumentID})
		if err != nil {
			return err
		}
		if used {
			return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_INSTRUMENT_IN_USE,
				req.GetName()+" is still taught, played or the instrument of a class; take it off those teachers, students and classes first")
		}
		return q.DeleteInstrument(ctx, store.DeleteInstrumentParams{TenantID: cur.TenantID, InstrumentID: cur.InstrumentID})
	})
}

// instrumentIDs reads the instruments a teacher or student names: each an
// instrument of tenant (a name of another school is no instrument here),
// held under a share lock until the transaction ends, none twice.
func instrumentIDs(ctx context.Context, q *store.Queries, tenant uuid.UUID, field string, names []string) ([]uuid.UUID, error) {
	ids := make([]uuid.UUID, 0, len(names))
	for i, name := range names {
		n, err := instrumentPattern.Parse(fmt.Sprintf("%s[%d]", field, i), name)
		if err != nil {
			return nil, err
		}
		if n.ID("tenant") != tenant {
			return nil, apierror.InvalidField(fmt.Sprintf("%s[%d]", field, i), "is not an instrument of this school")
		}
		if !slices.Contains(ids, n.ID("instrument")) {
			ids = append(ids, n.ID("instrument"))
		}
	}
	if len(ids) == 0 {
		return ids, nil
	}
	held, err := q.ShareInstruments(ctx, store.ShareInstrumentsParams{TenantID: tenant, Ids: ids})
	if err != nil {
		return nil, err
	}
	if held != int64(len(ids)) {
		return nil, apierror.InvalidField(field, "names an instrument the school does not have (see ListInstruments)")
	}
	return ids, nil
}

// instrumentNames writes instrument ids back as names.
func instrumentNames(tenant uuid.UUID, ids []uuid.UUID) []string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = instrumentPattern.Format(tenant, id)
	}
	return names
}

// instrumentFilter binds `instrument = "<name>"` of a teacher or student
// list to dst.
func instrumentFilter(tenant uuid.UUID, dst *uuid.NullUUID) aip.FilterField {
	return aip.FilterField{Name: "instrument", Bind: func(f *aip.Filter, t aip.Term) error {
		n, err := instrumentPattern.Parse("filter", t.Value)
		if err != nil || n.ID("tenant") != tenant || t.Op != "=" {
			return aip.FilterError(`instrument supports only = with an instrument of this school, "tenants/{tenant}/instruments/{instrument}"`)
		}
		return aip.SetOnce(f, t, dst, uuid.NullUUID{UUID: n.ID("instrument"), Valid: true})
	}}
}
