package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/services/booking/internal/store"
)

// windows are the standard methods of booking windows. term is listed as
// mutable only so that a client sending back what it read passes; changing
// it is refused (immutable).
var windows = aip.Resource[*store.Queries, store.BookingBookingWindow, *bookingv1.BookingWindow]{
	Pattern: windowPattern, Parent: tenantPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingBookingWindow, error) {
		return q.GetBookingWindow(ctx, store.GetBookingWindowParams{TenantID: n.ID("tenant"), WindowID: n.ID("booking_window")})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingBookingWindow, error) {
		return q.LockBookingWindow(ctx, store.LockBookingWindowParams{TenantID: n.ID("tenant"), WindowID: n.ID("booking_window")})
	},
	ByRequestID: func(ctx context.Context, q *store.Queries, p resname.Name, rid uuid.NullUUID) (store.BookingBookingWindow, error) {
		return q.BookingWindowCreatedBy(ctx, store.BookingWindowCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
	},
	Revision:    func(r store.BookingBookingWindow) int64 { return r.Revision },
	Fingerprint: func(r store.BookingBookingWindow) []byte { return r.RequestFingerprint },
	Mutable:     []string{"term", "weeks", "classes", "open_time", "close_time"},
	Required:    []string{"open_time", "close_time"},
	Proto:       windowToProto,
}

func windowToProto(r store.BookingBookingWindow, _ resname.Name) *bookingv1.BookingWindow {
	out := &bookingv1.BookingWindow{Name: windowPattern.Format(r.TenantID, r.WindowID), Term: windowTerms.Format(r.TenantID, r.TermID),
		Weeks: r.WeekNumbers, OpenTime: timestamppb.New(r.OpenTime), CloseTime: timestamppb.New(r.CloseTime),
		CreateTime: timestamppb.New(r.CreateTime), UpdateTime: timestamppb.New(r.UpdateTime), Etag: aip.Etag(r.Revision)}
	for _, c := range r.ClassIds {
		out.Classes = append(out.Classes, bookedClassPattern.Format(r.TenantID, c))
	}
	return out
}

// windowScope checks a window's weeks and classes against its term: each
// week a teaching week of it, each class one of its classes.
func windowScope(ctx context.Context, q *store.Queries, tenant, term uuid.UUID, in *bookingv1.BookingWindow) ([]int32, []uuid.UUID, error) {
	weeks, err := q.WindowTermWeeks(ctx, store.WindowTermWeeksParams{TenantID: tenant, TermID: term})
	if err != nil {
		return nil, nil, err
	}
	for i, w := range in.GetWeeks() {
		if !slices.Contains(weeks, w) {
			return nil, nil, apierror.InvalidField(fmt.Sprintf("booking_window.weeks[%d]", i), fmt.Sprintf("week %d is not a teaching week of the term", w))
		}
	}
	classes, err := q.WindowTermClasses(ctx, store.WindowTermClassesParams{TenantID: tenant, TermID: term})
	if err != nil {
		return nil, nil, err
	}
	ids := []uuid.UUID{}
	for i, name := range in.GetClasses() {
		field := fmt.Sprintf("booking_window.classes[%d]", i)
		n, err := bookedClassPattern.Parse(field, name)
		if err != nil {
			return nil, nil, err
		}
		if n.ID("tenant") != tenant || !slices.Contains(classes, n.ID("class")) {
			return nil, nil, apierror.InvalidField(field, "is not a class of the term")
		}
		ids = append(ids, n.ID("class"))
	}
	return append([]int32{}, in.GetWeeks()...), ids, nil
}

func checkWindowTimes(in *bookingv1.BookingWindow) error {
	if !in.GetOpenTime().IsValid() {
		return apierror.InvalidField("booking_window.open_time", "is required")
	}
	if !in.GetCloseTime().IsValid() {
		return apierror.InvalidField("booking_window.close_time", "is required")
	}
	if !in.GetCloseTime().AsTime().After(in.GetOpenTime().AsTime()) {
		return apierror.InvalidField("booking_window.close_time", "must be after open_time")
	}
	return nil
}

func (s *SessionServer) CreateBookingWindow(ctx context.Context, req *bookingv1.CreateBookingWindowRequest) (*bookingv1.BookingWindow, error) {
	in := req.GetBookingWindow()
	term, err := windowTerms.Parse("booking_window.term", in.GetTerm())
	if err != nil {
		return nil, err
	}
	if err := checkWindowTimes(in); err != nil {
		return nil, err
	}
	return windows.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, p resname.Name, key aip.Idempotency) (store.BookingBookingWindow, error) {
		tenant := p.ID("tenant")
		ok, err := q.WindowTermExists(ctx, store.WindowTermExistsParams{TenantID: tenant, TermID: term.ID("term")})
		if err != nil {
			return store.BookingBookingWindow{}, err
		}
		if !ok || term.ID("tenant") != tenant {
			return store.BookingBookingWindow{}, apierror.InvalidField("booking_window.term", "is not a term of the school")
		}
		weeks, classes, err := windowScope(ctx, q, tenant, term.ID("term"), in)
		if err != nil {
			return store.BookingBookingWindow{}, err
		}
		return q.CreateBookingWindow(ctx, store.CreateBookingWindowParams{TenantID: tenant, WindowID: uuid.Must(uuid.NewV7()), TermID: term.ID("term"),
			WeekNumbers: weeks, ClassIds: classes, OpenTime: in.GetOpenTime().AsTime(), CloseTime: in.GetCloseTime().AsTime(),
			RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
	})
}

func (s *SessionServer) GetBookingWindow(ctx context.Context, req *bookingv1.GetBookingWindowRequest) (*bookingv1.BookingWindow, error) {
	return windows.Get(ctx, s.db, "name", req.GetName())
}

// ListBookingWindows lists windows; filter: `term = "tenants/…/terms/…"`.
func (s *SessionServer) ListBookingWindows(ctx context.Context, req *bookingv1.ListBookingWindowsRequest) (*bookingv1.ListBookingWindowsResponse, error) {
	page, next, err := windows.List(ctx, s.db, req, func(r store.BookingBookingWindow) uuid.UUID { return r.WindowID },
		func(q *store.Queries, pg aip.Page) ([]store.BookingBookingWindow, error) {
			p := store.ListBookingWindowsParams{TenantID: pg.Parent.ID("tenant"), AfterID: pg.After, PageLimit: pg.Limit}
			err := aip.ApplyFilter(req.GetFilter(), aip.FilterField{Name: "term", Bind: func(f *aip.Filter, t aip.Term) error {
				n, err := windowTerms.Parse("filter", t.Value)
				if t.Op != "=" || err != nil {
					return aip.FilterError(`term supports only = with a term's name, e.g. term = "tenants/…/terms/…"`)
				}
				return aip.SetOnce(f, t, &p.TermID, uuid.NullUUID{UUID: n.ID("term"), Valid: true})
			}})
			if err != nil {
				return nil, err
			}
			return q.ListBookingWindows(ctx, p)
		}, req.GetFilter())
	return &bookingv1.ListBookingWindowsResponse{BookingWindows: page, NextPageToken: next}, err
}

// UpdateBookingWindow changes the weeks, classes and times; the term is
// immutable (INVALID_ARGUMENT when the mask asks to change it).
func (s *SessionServer) UpdateBookingWindow(ctx context.Context, req *bookingv1.UpdateBookingWindowRequest) (*bookingv1.BookingWindow, error) {
	in := req.GetBookingWindow()
	return windows.Update(ctx, s.db, req, func(q *store.Queries, cur store.BookingBookingWindow, mask aip.Mask) (store.BookingBookingWindow, error) {
		if mask.Has("term") && in.GetTerm() != windowTerms.Format(cur.TenantID, cur.TermID) {
			return cur, apierror.InvalidField("booking_window.term", "is immutable: create a window for the other term")
		}
		weeks, classes, err := windowScope(ctx, q, cur.TenantID, cur.TermID, in)
		if err != nil {
			return cur, err
		}
		next := store.UpdateBookingWindowParams{TenantID: cur.TenantID, WindowID: cur.WindowID, WeekNumbers: cur.WeekNumbers,
			ClassIds: cur.ClassIds, OpenTime: cur.OpenTime, CloseTime: cur.CloseTime}
		take(mask, "weeks", &next.WeekNumbers, weeks)
		take(mask, "classes", &next.ClassIds, classes)
		// A masked time that is absent or out of range would read as 1970
		// (AsTime of nil): refuse it rather than open the window then.
		for _, f := range []struct {
			name string
			ts   *timestamppb.Timestamp
		}{{"open_time", in.GetOpenTime()}, {"close_time", in.GetCloseTime()}} {
			if mask.Has(f.name) && !f.ts.IsValid() {
				return cur, apierror.InvalidField("booking_window."+f.name, "is required when the update_mask names it")
			}
		}
		take(mask, "open_time", &next.OpenTime, in.GetOpenTime().AsTime())
		take(mask, "close_time", &next.CloseTime, in.GetCloseTime().AsTime())
		if !next.CloseTime.After(next.OpenTime) {
			return cur, apierror.InvalidField("booking_window.close_time", "must be after open_time")
		}
		return q.UpdateBookingWindow(ctx, next)
	})
}

func (s *SessionServer) DeleteBookingWindow(ctx context.Context, req *bookingv1.DeleteBookingWindowRequest) (*emptypb.Empty, error) {
	return windows.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.BookingBookingWindow) error {
		return q.DeleteBookingWindow(ctx, store.DeleteBookingWindowParams{TenantID: cur.TenantID, WindowID: cur.WindowID})
	})
}
