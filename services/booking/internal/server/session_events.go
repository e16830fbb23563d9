package server

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

var (
	eventActions = aip.NewEnum(bookingv1.SessionEvent_ACTION_UNSPECIFIED)
	anySession   = sessionPattern.WithWildcards("session")
)

// MarkAttendance marks one attendee of a session from its start: the
// session's TEACHER or ADMIN (another teacher is PERMISSION_DENIED). It
// changes the session's etag, not its sequence (calendars do not show it).
func (s *SessionServer) MarkAttendance(ctx context.Context, req *bookingv1.MarkAttendanceRequest) (*bookingv1.Session, error) {
	n, err := sessionPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	st, err := studentPattern.Parse("student", req.GetStudent())
	if err != nil {
		return nil, err
	}
	tenant, now := n.ID("tenant"), s.now()
	var out *bookingv1.Session
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := queries(tx)
		c, err := lockToChange(ctx, q, n)
		if err != nil {
			return err
		}
		r := c.row
		switch {
		case !c.staff:
			return apierror.PermissionDenied("only the session's teacher or an admin marks attendance")
		case r.Kind == "placeholder":
			return notOneToOne("and group sessions take attendance; no one meets at a placeholder")
		case r.State == "cancelled":
			return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_SESSION_CANCELLED, "the session is cancelled")
		case now.Before(startOf(r)):
			return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_SESSION_NOT_STARTED, "attendance is marked from the session's start")
		}
		mark := pgtype.Text{String: attendances.ToDB(req.GetAttendance()), Valid: true}
		if _, err := q.MarkAttendee(ctx, store.MarkAttendeeParams{TenantID: tenant, SessionID: r.SessionID, StudentID: st.ID("student"),
			Attendance: mark, AttendanceBy: nullUser(callerUserID(ctx)), AttendanceTime: now}); err != nil {
			return aip.NotFoundAs(err, req.GetStudent()) // not an attendee of the session
		}
		if err := q.BumpSessionRevision(ctx, store.BumpSessionRevisionParams{TenantID: tenant, SessionID: r.SessionID}); err != nil {
			return err
		}
		if err := s.event(ctx, q, r, "attendance_marked", "", false, func(e *store.CreateSessionEventParams) {
			e.StudentID, e.Attendance = nullUser(st.ID("student")), mark
		}); err != nil {
			return err
		}
		out, err = reread(ctx, q, n)
		return err
	})
	return out, err
}

// ListSessionEvents lists a session's audit trail, or every session's with
// "tenants/{tenant}/sessions/-", oldest first. Only staff hold audit.read.
func (s *SessionServer) ListSessionEvents(ctx context.Context, req *bookingv1.ListSessionEventsRequest) (*bookingv1.ListSessionEventsResponse, error) {
	p, err := anySession.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	all := p.IsWildcard("session")
	params := store.ListSessionEventsPageParams{TenantID: p.ID("tenant"), AllSessions: all}
	if !all {
		params.SessionID = p.ID("session")
	}
	request := []string{req.GetParent()}
	if params.AfterID, err = pagetoken.DecodeUUID(req.GetPageToken(), request...); err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	params.PageLimit = size + 1
	q := queries(s.db.Scoped(ctx))
	rows, err := q.ListSessionEventsPage(ctx, params)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 && !all {
		ok, err := q.SessionExists(ctx, store.SessionExistsParams{TenantID: params.TenantID, SessionID: params.SessionID})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apierror.NotFound(req.GetParent())
		}
	}
	page, next := pagetoken.Page(rows, size, func(r store.ListSessionEventsPageRow) []string { return []string{r.EventID.String()} },
		eventToProto, request...)
	return &bookingv1.ListSessionEventsResponse{SessionEvents: page, NextPageToken: next}, nil
}

func eventToProto(r store.ListSessionEventsPageRow) *bookingv1.SessionEvent {
	out := &bookingv1.SessionEvent{Name: sessionEventPattern.Format(r.TenantID, r.SessionID, r.EventID), Action: eventActions.FromDB(r.Action),
		Actor: memberName(r.TenantID, r.ActorUserID), CreateTime: timestamppb.New(r.CreateTime), Reason: r.Reason,
		NoticeOverridden: r.NoticeOverridden, Attendance: attendances.FromDB(r.Attendance.String)}
	if r.PreviousStartTime.Valid {
		out.PreviousStartTime = timestamppb.New(r.PreviousStartTime.Time)
	}
	if r.NewStartTime.Valid {
		out.NewStartTime = timestamppb.New(r.NewStartTime.Time)
	}
	if r.StudentID.Valid && r.StudentFamilyID.Valid {
		out.Student = studentPattern.Format(r.TenantID, r.StudentFamilyID.UUID, r.StudentID.UUID)
	}
	return out
}

// nullUser is id as a nullable column, NULL for uuid.Nil (a service).
func nullUser(id uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil} }
