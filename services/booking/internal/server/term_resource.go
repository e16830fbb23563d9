package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

// termRow is a term with its breaks and the Mondays of its teaching weeks,
// as GetTerm reads it.
type termRow = store.GetTermRow

var terms = aip.Resource[*store.Queries, termRow, *bookingv1.Term]{
	Pattern: termPattern, Parent: tenantPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (termRow, error) {
		return q.GetTerm(ctx, store.GetTermParams{TenantID: n.ID("tenant"), TermID: n.ID("term")})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (termRow, error) {
		t, err := q.LockTerm(ctx, store.LockTermParams{TenantID: n.ID("tenant"), TermID: n.ID("term")})
		return termRow{BookingTerm: t}, err // the update reads the rest again
	},
	ByRequestID: func(ctx context.Context, q *store.Queries, p resname.Name, rid uuid.NullUUID) (termRow, error) {
		t, err := q.TermCreatedBy(ctx, store.TermCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
		if err != nil {
			return termRow{}, err
		}
		return q.GetTerm(ctx, store.GetTermParams{TenantID: t.TenantID, TermID: t.TermID})
	},
	Revision:    func(r termRow) int64 { return r.BookingTerm.Revision },
	Fingerprint: func(r termRow) []byte { return r.BookingTerm.RequestFingerprint },
	Mutable:     []string{"display_name", "start_date", "end_date", "breaks"},
	Required:    []string{"display_name", "start_date", "end_date"},
	Proto:       termToProto,
}

func termToProto(r termRow, _ resname.Name) *bookingv1.Term {
	t := r.BookingTerm
	out := &bookingv1.Term{
		Name: termPattern.Format(t.TenantID, t.TermID), DisplayName: t.DisplayName,
		StartDate: aip.FormatDate(t.StartDate), EndDate: aip.FormatDate(t.EndDate),
		CreateTime: timestamppb.New(t.CreateTime), UpdateTime: timestamppb.New(t.UpdateTime), Etag: aip.Etag(t.Revision),
	}
	for i, name := range r.BreakNames {
		out.Breaks = append(out.Breaks, &bookingv1.Break{DisplayName: name,
			StartDate: aip.FormatDate(r.BreakStarts[i]), EndDate: aip.FormatDate(r.BreakEnds[i])})
	}
	for i, monday := range r.WeekMondays {
		out.Weeks = append(out.Weeks, &bookingv1.TeachingWeek{Number: int32(i + 1), StartDate: aip.FormatDate(monday)})
	}
	return out
}

// termDates reads and checks a term's dates and breaks as the request
// states them.
func termDates(field string, start, end string, breaks []*bookingv1.Break) (schedule.Term, error) {
	var t schedule.Term
	var err error
	if t.Start, err = schedule.ParseDate(start); err != nil {
		return t, apierror.InvalidField(field+".start_date", "is not a date (YYYY-MM-DD)")
	}
	if t.End, err = schedule.ParseDate(end); err != nil {
		return t, apierror.InvalidField(field+".end_date", "is not a date (YYYY-MM-DD)")
	}
	for i, b := range breaks {
		var s schedule.Span
		s.Start, err = schedule.ParseDate(b.GetStartDate())
		if err == nil {
			s.End, err = schedule.ParseDate(b.GetEndDate())
		}
		if err != nil {
			return t, apierror.InvalidField(fmt.Sprintf("%s.breaks[%d]", field, i), "dates must be YYYY-MM-DD")
		}
		t.Breaks = append(t.Breaks, s)
	}
	var bad *schedule.DateError
	if err := t.Check(); errors.As(err, &bad) {
		return t, apierror.InvalidField(field+"."+bad.Field, bad.Msg)
	}
	if len(t.Weeks()) == 0 {
		return t, apierror.InvalidField(field+".breaks", "leave no teaching week in the term")
	}
	return t, nil
}

// writeTermCalendar replaces a term's breaks and teaching weeks (all GROUP
// again: the weeks' numbers now mean other weeks).
func writeTermCalendar(ctx context.Context, q *store.Queries, tenant, term uuid.UUID, t schedule.Term, breaks []*bookingv1.Break) error {
	if err := q.DeleteTermBreaks(ctx, store.DeleteTermBreaksParams{TenantID: tenant, TermID: term}); err != nil {
		return err
	}
	if err := q.DeleteTermWeeks(ctx, store.DeleteTermWeeksParams{TenantID: tenant, TermID: term}); err != nil {
		return err
	}
	for i, b := range t.Breaks {
		if err := q.InsertTermBreak(ctx, store.InsertTermBreakParams{TenantID: tenant, TermID: term, BreakNumber: int32(i + 1),
			DisplayName: breaks[i].GetDisplayName(), StartDate: toDate(b.Start), EndDate: toDate(b.End)}); err != nil {
			return err
		}
	}
	for _, w := range t.Weeks() {
		if err := q.InsertTermWeek(ctx, store.InsertTermWeekParams{TenantID: tenant, TermID: term, WeekNumber: int32(w.Number), Monday: toDate(w.Monday)}); err != nil {
			return err
		}
	}
	return nil
}

func (s *TermServer) CreateTerm(ctx context.Context, req *bookingv1.CreateTermRequest) (*bookingv1.Term, error) {
	in := req.GetTerm()
	if in.GetDisplayName() == "" {
		return nil, apierror.InvalidField("term.display_name", "is required")
	}
	if in.GetStartDate() == "" || in.GetEndDate() == "" {
		return nil, apierror.InvalidField("term.start_date", "start_date and end_date are required")
	}
	dates, err := termDates("term", in.GetStartDate(), in.GetEndDate(), in.GetBreaks())
	if err != nil {
		return nil, err
	}
	return terms.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, p resname.Name, key aip.Idempotency) (termRow, error) {
		t, err := q.CreateTerm(ctx, store.CreateTermParams{TenantID: p.ID("tenant"), TermID: uuid.Must(uuid.NewV7()), DisplayName: in.GetDisplayName(),
			StartDate: toDate(dates.Start), EndDate: toDate(dates.End), RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
		if err != nil {
			return termRow{}, err
		}
		if err := writeTermCalendar(ctx, q, t.TenantID, t.TermID, dates, in.GetBreaks()); err != nil {
			return termRow{}, err
		}
		return q.GetTerm(ctx, store.GetTermParams{TenantID: t.TenantID, TermID: t.TermID})
	})
}

func (s *TermServer) GetTerm(ctx context.Context, req *bookingv1.GetTermRequest) (*bookingv1.Term, error) {
	return terms.Get(ctx, s.db, "name", req.GetName())
}

func (s *TermServer) ListTerms(ctx context.Context, req *bookingv1.ListTermsRequest) (*bookingv1.ListTermsResponse, error) {
	page, next, err := terms.List(ctx, s.db, req, func(r termRow) uuid.UUID { return r.BookingTerm.TermID },
		func(q *store.Queries, pg aip.Page) ([]termRow, error) {
			p := store.ListTermsParams{TenantID: pg.Parent.ID("tenant"), AfterID: pg.After, PageLimit: pg.Limit}
			err := aip.ApplyFilter(req.GetFilter(), aip.FilterField{Name: "display_name", Bind: func(f *aip.Filter, t aip.Term) error {
				if t.Op != "=" {
					return aip.FilterError("display_name supports only =")
				}
				return aip.SetOnce(f, t, &p.DisplayName, pgtype.Text{String: t.Value, Valid: true})
			}})
			if err != nil {
				return nil, err
			}
			rows, err := q.ListTerms(ctx, p)
			out := make([]termRow, len(rows))
			for i, r := range rows {
				out[i] = termRow(r)
			}
			return out, err
		}, req.GetFilter())
	return &bookingv1.ListTermsResponse{Terms: page, NextPageToken: next}, err // the page is nil on error
}

// UpdateTerm changes a term; its dates and breaks only while it has no
// classes (TERM_IN_USE), since the classes' sessions were made from them.
// New dates or breaks renumber the weeks, which start over as all GROUP.
func (s *TermServer) UpdateTerm(ctx context.Context, req *bookingv1.UpdateTermRequest) (*bookingv1.Term, error) {
	in := req.GetTerm()
	return terms.Update(ctx, s.db, req, func(q *store.Queries, cur termRow, mask aip.Mask) (termRow, error) {
		t := cur.BookingTerm
		full, err := q.GetTerm(ctx, store.GetTermParams{TenantID: t.TenantID, TermID: t.TermID})
		if err != nil {
			return cur, err
		}
		start, end, breaks := aip.FormatDate(t.StartDate), aip.FormatDate(t.EndDate), termToProto(full, resname.Name{}).GetBreaks()
		take(mask, "start_date", &start, in.GetStartDate())
		take(mask, "end_date", &end, in.GetEndDate())
		take(mask, "breaks", &breaks, in.GetBreaks())
		dates, err := termDates("term", start, end, breaks)
		if err != nil {
			return cur, err
		}
		if changed := !dates.Start.Equal(fromDate(t.StartDate)) || !dates.End.Equal(fromDate(t.EndDate)) || !sameBreaks(breaks, full); changed {
			inUse, err := q.TermHasClasses(ctx, store.TermHasClassesParams{TenantID: t.TenantID, TermID: t.TermID})
			if err != nil {
				return cur, err
			}
			if inUse {
				return cur, apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_TERM_IN_USE,
					"the term's dates and breaks cannot change while it has classes; its sessions were made from them")
			}
			if err := writeTermCalendar(ctx, q, t.TenantID, t.TermID, dates, breaks); err != nil {
				return cur, err
			}
			if _, err := q.TouchTermPattern(ctx, store.TouchTermPatternParams{TenantID: t.TenantID, TermID: t.TermID}); err != nil {
				return cur, err
			}
		}
		name := t.DisplayName
		take(mask, "display_name", &name, in.GetDisplayName())
		if _, err := q.UpdateTerm(ctx, store.UpdateTermParams{TenantID: t.TenantID, TermID: t.TermID, DisplayName: name,
			StartDate: toDate(dates.Start), EndDate: toDate(dates.End)}); err != nil {
			return cur, err
		}
		return q.GetTerm(ctx, store.GetTermParams{TenantID: t.TenantID, TermID: t.TermID})
	})
}

// sameBreaks reports whether breaks are the ones the term has.
func sameBreaks(breaks []*bookingv1.Break, cur termRow) bool {
	if len(breaks) != len(cur.BreakNames) {
		return false
	}
	for i, b := range breaks {
		if b.GetDisplayName() != cur.BreakNames[i] || b.GetStartDate() != aip.FormatDate(cur.BreakStarts[i]) ||
			b.GetEndDate() != aip.FormatDate(cur.BreakEnds[i]) {
			return false
		}
	}
	return true
}

// DeleteTerm refuses a term with classes (TERM_IN_USE); its breaks and
// weeks go with it.
func (s *TermServer) DeleteTerm(ctx context.Context, req *bookingv1.DeleteTermRequest) (*emptypb.Empty, error) {
	return terms.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur termRow) error {
		t := cur.BookingTerm
		inUse, err := q.TermHasClasses(ctx, store.TermHasClassesParams{TenantID: t.TenantID, TermID: t.TermID})
		if err != nil {
			return err
		}
		if inUse {
			return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_TERM_IN_USE, req.GetName()+" still has classes; delete them first")
		}
		return q.DeleteTerm(ctx, store.DeleteTermParams{TenantID: t.TenantID, TermID: t.TermID})
	})
}

// loadTerm is a term's dates, breaks and weeks (with their kinds) for
// materialising sessions.
type loadedTerm struct {
	dates schedule.Term
	weeks []store.BookingTermWeek
}

func loadTerm(ctx context.Context, q *store.Queries, t store.BookingTerm) (loadedTerm, error) {
	lt := loadedTerm{dates: schedule.Term{Start: fromDate(t.StartDate), End: fromDate(t.EndDate)}}
	breaks, err := q.TermBreaks(ctx, store.TermBreaksParams{TenantID: t.TenantID, TermID: t.TermID})
	if err != nil {
		return lt, err
	}
	for _, b := range breaks {
		lt.dates.Breaks = append(lt.dates.Breaks, schedule.Span{Start: fromDate(b.StartDate), End: fromDate(b.EndDate)})
	}
	lt.weeks, err = q.TermWeeks(ctx, store.TermWeeksParams{TenantID: t.TenantID, TermID: t.TermID})
	return lt, err
}
