package server

import (
	"cmp"
	"context"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/services/booking/internal/store"
)

// defaultCalendarColor is booking.teachers.calendar_color's default.
const defaultCalendarColor = "#4f46e5"

var teachers = aip.Resource[*store.Queries, store.BookingTeacher, *bookingv1.Teacher]{
	Pattern: teacherPattern, Parent: tenantPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingTeacher, error) {
		return q.GetTeacher(ctx, store.GetTeacherParams{TenantID: n.ID("tenant"), TeacherID: n.ID("teacher")})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingTeacher, error) {
		return q.LockTeacher(ctx, store.LockTeacherParams{TenantID: n.ID("tenant"), TeacherID: n.ID("teacher")})
	},
	ByRequestID: func(ctx context.Context, q *store.Queries, p resname.Name, rid uuid.NullUUID) (store.BookingTeacher, error) {
		return q.TeacherCreatedBy(ctx, store.TeacherCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
	},
	Revision:    func(r store.BookingTeacher) int64 { return r.Revision },
	Fingerprint: func(r store.BookingTeacher) []byte { return r.RequestFingerprint },
	// member is IMMUTABLE: listed so that a teacher sent back as read
	// updates, refused in apply when it would change.
	Mutable:  []string{"member", "display_name", "instruments", "calendar_color"},
	Required: []string{"display_name"},
	Proto: func(r store.BookingTeacher, _ resname.Name) *bookingv1.Teacher {
		return &bookingv1.Teacher{
			Name: teacherPattern.Format(r.TenantID, r.TeacherID), Member: memberName(r.TenantID, r.UserID),
			DisplayName: r.DisplayName, Instruments: instrumentNames(r.TenantID, r.InstrumentIds), CalendarColor: r.CalendarColor,
			CreateTime: timestamppb.New(r.CreateTime), UpdateTime: timestamppb.New(r.UpdateTime), Etag: aip.Etag(r.Revision),
		}
	},
}

// memberName is the accounts service's name of a membership (DESIGN7
// decision 3): tenants/{tenant}/members/{user}.
func memberName(tenant, user uuid.UUID) string {
	return "tenants/" + tenant.String() + "/members/" + user.String()
}

// memberOf reads a teacher's member, which the contract's pattern has
// checked is well formed: it must be of the teacher's own school.
func memberOf(tenant uuid.UUID, name string) (uuid.UUID, error) {
	rest, ok := strings.CutPrefix(name, "tenants/"+tenant.String()+"/members/")
	user, err := uuid.Parse(rest)
	if !ok || err != nil || user == uuid.Nil {
		return uuid.Nil, apierror.InvalidField("teacher.member", "must be a member of this school, tenants/{tenant}/members/{user}")
	}
	return user, nil
}

// teacherChange is the part of a teacher row a client sets.
type teacherChange struct {
	displayName, color string
	instruments        []uuid.UUID
}

func (c *teacherChange) apply(ctx context.Context, q *store.Queries, tenant uuid.UUID, in *bookingv1.Teacher, mask aip.Mask) (err error) {
	take(mask, "display_name", &c.displayName, in.GetDisplayName())
	take(mask, "calendar_color", &c.color, cmp.Or(in.GetCalendarColor(), defaultCalendarColor))
	if mask.Has("instruments") {
		c.instruments, err = instrumentIDs(ctx, q, tenant, "teacher.instruments", in.GetInstruments())
	}
	return err
}

func (s *Server) CreateTeacher(ctx context.Context, req *bookingv1.CreateTeacherRequest) (*bookingv1.Teacher, error) {
	in := req.GetTeacher()
	return teachers.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, p resname.Name, key aip.Idempotency) (store.BookingTeacher, error) {
		user, err := memberOf(p.ID("tenant"), in.GetMember())
		if err != nil {
			return store.BookingTeacher{}, err
		}
		var c teacherChange
		if err := c.apply(ctx, q, p.ID("tenant"), in, aip.AllFields(teachers.Mutable...)); err != nil {
			return store.BookingTeacher{}, err
		}
		return q.CreateTeacher(ctx, store.CreateTeacherParams{TenantID: p.ID("tenant"), TeacherID: uuid.Must(uuid.NewV7()), UserID: user,
			DisplayName: c.displayName, InstrumentIds: c.instruments, CalendarColor: c.color,
			RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
	})
}

func (s *Server) GetTeacher(ctx context.Context, req *bookingv1.GetTeacherRequest) (*bookingv1.Teacher, error) {
	return teachers.Get(ctx, s.db, "name", req.GetName())
}

func (s *Server) ListTeachers(ctx context.Context, req *bookingv1.ListTeachersRequest) (*bookingv1.ListTeachersResponse, error) {
	page, next, err := teachers.List(ctx, s.db, req, func(r store.BookingTeacher) uuid.UUID { return r.TeacherID },
		func(q *store.Queries, pg aip.Page) ([]store.BookingTeacher, error) {
			p := store.ListTeachersParams{TenantID: pg.Parent.ID("tenant"), AfterID: pg.After, PageLimit: pg.Limit}
			if err := aip.ApplyFilter(req.GetFilter(), instrumentFilter(p.TenantID, &p.InstrumentID)); err != nil {
				return nil, err
			}
			return q.ListTeachers(ctx, p)
		}, req.GetFilter())
	return &bookingv1.ListTeachersResponse{Teachers: page, NextPageToken: next}, err // the page is nil on error
}

func (s *Server) UpdateTeacher(ctx context.Context, req *bookingv1.UpdateTeacherRequest) (*bookingv1.Teacher, error) {
	in := req.GetTeacher()
	return teachers.Update(ctx, s.db, req, func(q *store.Queries, cur store.BookingTeacher, mask aip.Mask) (store.BookingTeacher, error) {
		if mask.Has("member") && in.GetMember() != memberName(cur.TenantID, cur.UserID) {
			return cur, apierror.InvalidField("teacher.member", "cannot change; delete the teacher and add the other member")
		}
		c := teacherChange{displayName: cur.DisplayName, color: cur.CalendarColor, instruments: cur.InstrumentIds}
		if err := c.apply(ctx, q, cur.TenantID, in, mask); err != nil {
			return cur, err
		}
		return q.UpdateTeacher(ctx, store.UpdateTeacherParams{TenantID: cur.TenantID, TeacherID: cur.TeacherID,
			DisplayName: c.displayName, InstrumentIds: c.instruments, CalendarColor: c.color})
	})
}

func (s *Server) DeleteTeacher(ctx context.Context, req *bookingv1.DeleteTeacherRequest) (*emptypb.Empty, error) {
	return teachers.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.BookingTeacher) error {
		return q.DeleteTeacher(ctx, store.DeleteTeacherParams{TenantID: cur.TenantID, TeacherID: cur.TeacherID})
	})
}
