package server

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/services/booking/internal/store"
)

var creditStates = aip.NewEnum(bookingv1.MakeupCredit_STATE_UNSPECIFIED)

// ListMakeupCredits lists credits soonest to expire first. The state is
// the clock's: USED once a make-up was booked with it, else EXPIRED from
// expire_time, else AVAILABLE. filter: `student = "…"`, `state = AVAILABLE`.
func (s *SessionServer) ListMakeupCredits(ctx context.Context, req *bookingv1.ListMakeupCreditsRequest) (*bookingv1.ListMakeupCreditsResponse, error) {
	p, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	now, v := s.now(), viewerOf(ctx, false)
	params := store.ListMakeupCreditsVisibleParams{TenantID: p.ID("tenant"), ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student, Now: now}
	err = aip.ApplyFilter(req.GetFilter(),
		aip.FilterField{Name: "student", Bind: func(f *aip.Filter, t aip.Term) error {
			n, err := studentPattern.Parse("filter", t.Value)
			if t.Op != "=" || err != nil {
				return aip.FilterError(`student supports only = with a student's name`)
			}
			return aip.SetOnce(f, t, &params.StudentID, uuid.NullUUID{UUID: n.ID("student"), Valid: true})
		}},
		aip.FilterField{Name: "state", Bind: func(f *aip.Filter, t aip.Term) error {
			st, ok := creditStates.Parse(t.Value)
			if t.Op != "=" || !ok {
				return aip.FilterError("state supports only = with one of " + creditStates.Names())
			}
			return aip.SetOnce(f, t, &params.State, pgtype.Text{String: creditStates.ToDB(st), Valid: true})
		}})
	if err != nil {
		return nil, err
	}
	request := []string{req.GetParent(), req.GetFilter()}
	key, err := pagetoken.Decode(req.GetPageToken(), 2, request...)
	if err != nil {
		return nil, err
	}
	if key != nil {
		at, terr := time.Parse(time.RFC3339Nano, key[0])
		id, ierr := uuid.Parse(key[1])
		if terr != nil || ierr != nil {
			return nil, apierror.InvalidField("page_token", "malformed page token")
		}
		params.AfterExpire, params.AfterID = at, id
	}
	size := pagetoken.Size(req.GetPageSize())
	params.PageLimit = size + 1
	rows, err := queries(s.db.Scoped(ctx)).ListMakeupCreditsVisible(ctx, params)
	if err != nil {
		return nil, err
	}
	page, next := pagetoken.Page(rows, size,
		func(r store.ListMakeupCreditsVisibleRow) []string {
			return []string{r.ExpireTime.UTC().Format(time.RFC3339Nano), r.CreditID.String()}
		},
		func(r store.ListMakeupCreditsVisibleRow) *bookingv1.MakeupCredit { return creditToProto(r, now) }, request...)
	return &bookingv1.ListMakeupCreditsResponse{MakeupCredits: page, NextPageToken: next}, nil
}

func creditToProto(r store.ListMakeupCreditsVisibleRow, now time.Time) *bookingv1.MakeupCredit {
	out := &bookingv1.MakeupCredit{Name: creditPattern.Format(r.TenantID, r.CreditID), Student: studentPattern.Format(r.TenantID, r.FamilyID, r.StudentID),
		SourceSession: sessionPattern.Format(r.TenantID, r.SourceSessionID), ExpireTime: timestamppb.New(r.ExpireTime),
		CreateTime: timestamppb.New(r.CreateTime), State: bookingv1.MakeupCredit_STATE_AVAILABLE}
	switch {
	case r.UsedSessionID.Valid:
		out.State, out.MakeupSession = bookingv1.MakeupCredit_STATE_USED, sessionPattern.Format(r.TenantID, r.UsedSessionID.UUID)
	case !r.ExpireTime.After(now):
		out.State = bookingv1.MakeupCredit_STATE_EXPIRED
	}
	return out
}
