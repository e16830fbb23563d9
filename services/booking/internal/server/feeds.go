package server

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/icalfeed"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

// feedManager is whose feeds a caller manages: all (ADMIN), their own
// teacher's (TEACHER), their family's (PARENT). Every feed query takes it,
// so another's feed is no row: NOT_FOUND.
type feedManager struct {
	all             bool
	teacher, family uuid.NullUUID
}

func feedManagerOf(ctx context.Context, q *store.Queries) (feedManager, error) {
	t, ok := scope.TenantFrom(ctx)
	if !ok {
		return feedManager{}, nil // fail closed
	}
	if t.HasRole(typev1.Role_ROLE_ADMIN) {
		return feedManager{all: true}, nil
	}
	var m feedManager
	if t.HasRole(typev1.Role_ROLE_PARENT) {
		m.family = uuid.NullUUID{UUID: t.FamilyID, Valid: true}
	}
	if t.HasRole(typev1.Role_ROLE_TEACHER) {
		id, ok, err := callerTeacher(ctx, q)
		if err != nil {
			return m, err
		}
		m.teacher = uuid.NullUUID{UUID: id, Valid: ok}
	}
	return m, nil
}

// CreateCalendarFeed makes a feed of one teacher or one family and answers
// its URL with the secret, once: only the secret's sha256 is stored.
//
// ADMIN may create any teacher's or family's feed (a name of nothing is
// NOT_FOUND). A TEACHER may create only their own teacher's: another
// teacher's, or a family's, is PERMISSION_DENIED (they can see those, so
// NOT_FOUND would be untrue). A PARENT may create only their family's:
// another family is NOT_FOUND (they cannot see it), a teacher's feed
// PERMISSION_DENIED.
func (s *CalendarServer) CreateCalendarFeed(ctx context.Context, req *bookingv1.CreateCalendarFeedRequest) (*bookingv1.CalendarFeed, error) {
	parent, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	in := req.GetCalendarFeed()
	if (in.GetTeacher() == "") == (in.GetFamily() == "") {
		return nil, apierror.InvalidField("calendar_feed.teacher", "exactly one of teacher and family must be set")
	}
	tenant := parent.ID("tenant")
	token, hash, err := icalfeed.NewSecret()
	if err != nil {
		return nil, err
	}
	caller, _ := scope.CallerFrom(ctx)
	var row store.BookingCalendarFeed
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := queries(tx)
		m, err := feedManagerOf(ctx, q)
		if err != nil {
			return err
		}
		p := store.CreateCalendarFeedParams{TenantID: tenant, FeedID: uuid.Must(uuid.NewV7()), SecretHash: hash, CreatedBy: caller.UserID}
		if in.GetTeacher() != "" {
			n, err := feedSubject("calendar_feed.teacher", in.GetTeacher(), teacherPattern, tenant)
			if err != nil {
				return err
			}
			id := n.ID("teacher")
			if !m.all && (!m.teacher.Valid || m.teacher.UUID != id) {
				return apierror.PermissionDenied("a TEACHER may create only their own teacher's feed")
			}
			p.TeacherID = uuid.NullUUID{UUID: id, Valid: true}
		} else {
			n, err := feedSubject("calendar_feed.family", in.GetFamily(), familyPattern, tenant)
			if err != nil {
				return err
			}
			id := n.ID("family")
			switch {
			case m.all || (m.family.Valid && m.family.UUID == id):
			case m.family.Valid:
				return apierror.NotFound(in.GetFamily()) // another family: invisible to a PARENT
			default:
				return apierror.PermissionDenied("only ADMIN and the family's PARENT may create a family's feed")
			}
			p.FamilyID = uuid.NullUUID{UUID: id, Valid: true}
		}
		row, err = q.CreateCalendarFeed(ctx, p) // the foreign keys say whether the subject exists
		return err
	})
	if err != nil {
		return nil, err
	}
	out := feedToProto(row)
	out.Url = icalfeed.URL(out.GetName(), token)
	return out, nil
}

// feedSubject parses a feed's teacher or family name; another tenant's is
// NOT_FOUND, as its row would be.
func feedSubject(field, name string, p resname.Pattern, tenant uuid.UUID) (resname.Name, error) {
	n, err := p.Parse(field, name)
	if err == nil && n.ID("tenant") != tenant {
		err = apierror.NotFound(name)
	}
	return n, err
}

func feedToProto(r store.BookingCalendarFeed) *bookingv1.CalendarFeed {
	out := &bookingv1.CalendarFeed{Name: feedPattern.Format(r.TenantID, r.FeedID), CreateTime: timestamppb.New(r.CreateTime)}
	if r.TeacherID.Valid {
		out.Teacher = teacherPattern.Format(r.TenantID, r.TeacherID.UUID)
	}
	if r.FamilyID.Valid {
		out.Family = familyPattern.Format(r.TenantID, r.FamilyID.UUID)
	}
	return out
}

// ListCalendarFeeds lists the feeds the caller manages, without URLs (the
// secret is not kept).
func (s *CalendarServer) ListCalendarFeeds(ctx context.Context, req *bookingv1.ListCalendarFeedsRequest) (*bookingv1.ListCalendarFeedsResponse, error) {
	parent, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	q := queries(s.db.Scoped(ctx))
	m, err := feedManagerOf(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := q.ListCalendarFeeds(ctx, store.ListCalendarFeedsParams{TenantID: parent.ID("tenant"), AfterID: after, PageLimit: size + 1,
		ViewerAll: m.all, ViewerTeacher: m.teacher, ViewerFamily: m.family})
	if err != nil {
		return nil, err
	}
	feeds, next := pagetoken.Page(rows, size, func(r store.BookingCalendarFeed) []string { return []string{r.FeedID.String()} },
		feedToProto, req.GetParent())
	return &bookingv1.ListCalendarFeedsResponse{CalendarFeeds: feeds, NextPageToken: next}, nil
}

// DeleteCalendarFeed revokes a feed: the row goes, and its URL answers
// NOT_FOUND from then on. Another's feed is NOT_FOUND too.
func (s *CalendarServer) DeleteCalendarFeed(ctx context.Context, req *bookingv1.DeleteCalendarFeedRequest) (*emptypb.Empty, error) {
	n, err := feedPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := queries(tx)
		m, err := feedManagerOf(ctx, q)
		if err != nil {
			return err
		}
		deleted, err := q.DeleteCalendarFeed(ctx, store.DeleteCalendarFeedParams{TenantID: n.ID("tenant"), FeedID: n.ID("calendar_feed"),
			ViewerAll: m.all, ViewerTeacher: m.teacher, ViewerFamily: m.family})
		if err == nil && deleted == 0 {
			err = apierror.NotFound(req.GetName())
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}
