package server

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/services/booking/internal/store"
)

var (
	sessionKinds  = aip.NewEnum(bookingv1.Session_KIND_UNSPECIFIED)
	sessionStates = aip.NewEnum(bookingv1.Session_STATE_UNSPECIFIED)
	attendances   = aip.NewEnum(bookingv1.Attendance_ATTENDANCE_UNSPECIFIED)
)

// sessionRow is a session with its class's name, however it was read.
type sessionRow = store.GetSessionVisibleRow

func (s *SessionServer) GetSession(ctx context.Context, req *bookingv1.GetSessionRequest) (*bookingv1.Session, error) {
	n, err := sessionPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	v := viewerOf(ctx, false)
	q := queries(s.db.Scoped(ctx))
	row, err := q.GetSessionVisible(ctx, store.GetSessionVisibleParams{TenantID: n.ID("tenant"), SessionID: n.ID("session"),
		ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	if err != nil {
		return nil, aip.NotFoundAs(err, req.GetName())
	}
	return sessionOut(ctx, q, v, row)
}

// sessionOut converts a session with the attendees v may see.
func sessionOut(ctx context.Context, q *store.Queries, v viewer, row sessionRow) (*bookingv1.Session, error) {
	attendees, err := q.SessionAttendeesVisible(ctx, store.SessionAttendeesVisibleParams{TenantID: row.TenantID,
		SessionIds: []uuid.UUID{row.SessionID}, ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	if err != nil {
		return nil, err
	}
	return sessionToProto(row, attendees), nil
}

func sessionToProto(r sessionRow, attendees []store.SessionAttendeesVisibleRow) *bookingv1.Session {
	out := &bookingv1.Session{Name: sessionPattern.Format(r.TenantID, r.SessionID), Kind: sessionKinds.FromDB(r.Kind),
		State: sessionStates.FromDB(r.State), Class: bookedClassPattern.Format(r.TenantID, r.ClassID),
		Teacher: teacherPattern.Format(r.TenantID, r.TeacherID), Room: roomPattern.Format(r.TenantID, r.RoomID),
		Week: r.WeekNumber.Int32, StartTime: timestamppb.New(r.During.Lower.Time), EndTime: timestamppb.New(r.During.Upper.Time),
		Sequence: r.Sequence, CancelReason: r.CancelReason, Title: r.ClassName, Etag: aip.Etag(r.Revision)}
	if r.BookingID.Valid {
		out.Booking = bookingPattern.Format(r.TenantID, r.BookingID.UUID)
	}
	for _, a := range attendees {
		name := a.GivenName
		if a.FamilyName != "" {
			name += " " + a.FamilyName
		}
		out.Attendees = append(out.Attendees, &bookingv1.SessionAttendee{Student: studentPattern.Format(r.TenantID, a.FamilyID, a.StudentID),
			DisplayName: name, Attendance: attendances.FromDB(a.Attendance.String)})
		if r.Kind == "individual" || r.Kind == "makeup" {
			out.Title = r.ClassName + " — " + name // whose one-to-one it is
		}
	}
	return out
}
