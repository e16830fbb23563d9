package server

import (
	"context"

	"github.com/google/uuid"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

// billablePageSize is ListBillableEnrolments' page when none is asked for:
// a billing run reads a whole term, so its pages are large.
const billablePageSize = 500

// ListBillableEnrolments lists the enrolled students of a term's classes,
// each with the weeks its class meets as a group and one to one, counted
// from the week pattern and the class's overrides exactly as its sessions
// are materialised (loadedTerm.meetings): a week whose day for the class
// falls in a break or outside the term is no week. As far as the caller's
// viewer reaches: a PARENT their family's, a STUDENT their own, a service
// principal (the billing run) every family's. Families come together,
// ordered by family then enrolment; the page token is the last row's
// (family, enrolment).
func (s *TermServer) ListBillableEnrolments(ctx context.Context, req *bookingv1.ListBillableEnrolmentsRequest) (*bookingv1.ListBillableEnrolmentsResponse, error) {
	n, err := termPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	tenant := n.ID("tenant")
	v := viewerOf(ctx, false)
	p := store.ListBillableEnrolmentsParams{TenantID: tenant, TermID: n.ID("term"),
		ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student}
	err = aip.ApplyFilter(req.GetFilter(),
		aip.FilterField{Name: "family", Bind: func(f *aip.Filter, t aip.Term) error {
			fn, err := familyPattern.Parse("filter", t.Value)
			if t.Op != "=" || err != nil {
				return aip.FilterError(`family supports only = with a family's name, e.g. family = "` + familyPattern.String() + `"`)
			}
			id := fn.ID("family")
			if fn.ID("tenant") != tenant {
				id = uuid.Nil // another tenant's family: none of this one's
			}
			return aip.SetOnce(f, t, &p.FamilyID, uuid.NullUUID{UUID: id, Valid: true})
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
		family, err1 := uuid.Parse(key[0])
		enrolment, err2 := uuid.Parse(key[1])
		if err1 != nil || err2 != nil {
			return nil, apierror.InvalidField("page_token", "malformed page token")
		}
		p.AfterFamily, p.AfterEnrolment = family, enrolment
	}
	size := int32(billablePageSize)
	if req.GetPageSize() > 0 {
		size = pagetoken.Size(req.GetPageSize())
	}
	p.PageLimit = size + 1

	var rows []store.ListBillableEnrolmentsRow
	weeks := map[uuid.UUID]billableWeeks{}
	// One transaction: the term's share lock holds its weeks and pattern
	// still while the page's weeks are counted from them.
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		t, err := q.ShareTerm(ctx, store.ShareTermParams{TenantID: tenant, TermID: p.TermID})
		if err != nil {
			return aip.NotFoundAs(err, req.GetParent())
		}
		if rows, err = q.ListBillableEnrolments(ctx, p); err != nil || len(rows) == 0 {
			return err
		}
		lt, err := loadTerm(ctx, q, t)
		if err != nil {
			return err
		}
		overrides, err := q.TermOverrides(ctx, store.TermOverridesParams{TenantID: tenant, TermID: p.TermID})
		if err != nil {
			return err
		}
		byClass := map[uuid.UUID][]store.BookingClassWeekOverride{}
		for _, o := range overrides {
			byClass[o.ClassID] = append(byClass[o.ClassID], o)
		}
		for _, r := range rows {
			if _, done := weeks[r.ClassID]; done {
				continue
			}
			var w billableWeeks
			for _, m := range lt.meetings(r.Weekday, byClass[r.ClassID]) {
				if m.kind == kindIndividual {
					w.individual++
				} else {
					w.group++
				}
			}
			weeks[r.ClassID] = w
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next := pagetoken.Page(rows, size,
		func(r store.ListBillableEnrolmentsRow) []string {
			return []string{r.FamilyID.String(), r.EnrolmentID.String()}
		},
		func(r store.ListBillableEnrolmentsRow) *bookingv1.BillableEnrolment {
			w := weeks[r.ClassID]
			return &bookingv1.BillableEnrolment{
				Enrolment: enrolmentPattern.Format(tenant, r.ClassID, r.EnrolmentID),
				Family:    familyPattern.Format(tenant, r.FamilyID), FamilyDisplayName: r.FamilyDisplayName,
				Student: studentPattern.Format(tenant, r.FamilyID, r.StudentID), StudentDisplayName: r.GivenName,
				Class: classPattern.Format(tenant, r.ClassID), ClassDisplayName: r.ClassDisplayName,
				Instrument: instrumentPattern.Format(tenant, r.InstrumentID), InstrumentDisplayName: r.InstrumentDisplayName,
				GroupWeeks: w.group, IndividualWeeks: w.individual,
			}
		}, request...)
	return &bookingv1.ListBillableEnrolmentsResponse{BillableEnrolments: page, NextPageToken: next}, nil
}

// billableWeeks are a class's weeks of each kind in its term.
type billableWeeks struct{ group, individual int32 }
