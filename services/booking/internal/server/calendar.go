package server

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

// CalendarServer implements bookingv1.CalendarServiceServer.
type CalendarServer struct {
	bookingv1.UnimplementedCalendarServiceServer
	db  *tenantdb.DB
	now func() time.Time
}

// NewCalendarServer returns a CalendarServer storing rows through db.
func NewCalendarServer(db *tenantdb.DB) *CalendarServer {
	return &CalendarServer{db: db, now: time.Now}
}

// calendarConstraints is what a violation of the constraints of the tables
// these RPCs write answers: a feed names a teacher or family of the school.
var calendarConstraints = apierror.Constraints{
	"calendar_feeds_teacher_fkey": {Code: codes.NotFound, Field: "calendar_feed.teacher"},
	"calendar_feeds_family_fkey":  {Code: codes.NotFound, Field: "calendar_feed.family"},
}

// The calendar's names, prefixed so they never clash with the session and
// term servers' own in this package.
var (
	calSessionPattern, calClassPattern = resname.Of(&bookingv1.Session{}), resname.Of(&bookingv1.Class{})
	calTermPattern, calBookingPattern  = resname.Of(&bookingv1.Term{}), resname.Of(&bookingv1.Booking{})
	feedPattern                        = resname.Of(&bookingv1.CalendarFeed{})
	calSessionKinds                    = aip.NewEnum(bookingv1.Session_KIND_UNSPECIFIED)
	calSessionStates                   = aip.NewEnum(bookingv1.Session_STATE_UNSPECIFIED)
	calAttendance                      = aip.NewEnum(bookingv1.Attendance_ATTENDANCE_UNSPECIFIED)
)

// maxCalendarWindow bounds a ListCalendarEntries request: a quarter of a
// year, so one query never walks a whole year of sessions.
const maxCalendarWindow = 93 * 24 * time.Hour

// calendarPageSize is the contract's: 0 means 100, above 1000 means 1000.
func calendarPageSize(requested int32) int32 {
	switch {
	case requested <= 0:
		return 100
	case requested > pagetoken.MaxSize:
		return pagetoken.MaxSize
	}
	return requested
}

// calendarFilter is the one narrowing of a calendar request, checked to be
// one the caller may see.
type calendarFilter struct {
	teacher, room, student, family uuid.NullUUID
}

// ListCalendarEntries merges sessions and breaks overlapping [start_time,
// end_time) in (start, id) order. Each source is read after the page
// token's key with the page's limit, and the two are merged here: the
// merged page's first limit entries are then exactly the next ones.
// Visibility is in SQL (viewer); a filter naming a teacher, room, student
// or family the caller cannot see is NOT_FOUND, like another tenant's.
func (s *CalendarServer) ListCalendarEntries(ctx context.Context, req *bookingv1.ListCalendarEntriesRequest) (*bookingv1.ListCalendarEntriesResponse, error) {
	parent, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	start, end := req.GetStartTime().AsTime(), req.GetEndTime().AsTime()
	switch {
	case !end.After(start):
		return nil, apierror.InvalidField("end_time", "must be after start_time")
	case end.Sub(start) > maxCalendarWindow:
		return nil, apierror.InvalidField("end_time", "must be at most 93 days after start_time")
	}
	v := viewerOf(ctx, false)
	q := queries(s.db.Scoped(ctx))
	f, err := calendarFilterOf(ctx, q, parent, req, v)
	if err != nil {
		return nil, err
	}
	bound := []string{req.GetParent(), start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano),
		req.GetTeacher(), req.GetRoom(), req.GetStudent(), req.GetFamily()}
	key, err := pagetoken.Decode(req.GetPageToken(), 2, bound...)
	if err != nil {
		return nil, err
	}
	afterStart, afterID := time.Time{}, uuid.Nil
	if key != nil {
		t, terr := time.Parse(time.RFC3339Nano, key[0])
		id, ierr := uuid.Parse(key[1])
		if terr != nil || ierr != nil {
			return nil, apierror.InvalidField("page_token", "malformed page token")
		}
		afterStart, afterID = t, id
	}
	if key == nil {
		afterStart = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC) // before everything: the window bounds the rows
	}
	size := calendarPageSize(req.GetPageSize())
	tenant := parent.ID("tenant")
	sessions, err := q.ListCalendarSessions(ctx, store.ListCalendarSessionsParams{TenantID: tenant, WindowStart: start, WindowEnd: end,
		AfterStart: afterStart, AfterID: afterID, TeacherID: f.teacher, RoomID: f.room, StudentID: f.student, FamilyID: f.family,
		ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	breaks, err := q.ListCalendarBreaks(ctx, store.ListCalendarBreaksParams{TenantID: tenant, WindowStart: start, WindowEnd: end,
		AfterStart: afterStart, AfterID: afterID, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	merged := mergeCalendar(sessions, breaks)
	attendees, err := calendarAttendees(ctx, q, tenant, merged, size, v)
	if err != nil {
		return nil, err
	}
	entries, next := pagetoken.Page(merged, size,
		func(e calendarRow) []string { return []string{e.start.Format(time.RFC3339Nano), e.id.String()} },
		func(e calendarRow) *bookingv1.CalendarEntry { return e.proto(tenant, attendees) }, bound...)
	return &bookingv1.ListCalendarEntriesResponse{Entries: entries, NextPageToken: next}, nil
}

// calendarFilterOf reads the request's one filter (INVALID_ARGUMENT for
// more) and checks that the caller may see what it names.
func calendarFilterOf(ctx context.Context, q *store.Queries, parent resname.Name, req *bookingv1.ListCalendarEntriesRequest, v viewer) (calendarFilter, error) {
	var f calendarFilter
	set := 0
	for _, name := range []string{req.GetTeacher(), req.GetRoom(), req.GetStudent(), req.GetFamily()} {
		if name != "" {
			set++
		}
	}
	if set > 1 {
		return f, apierror.InvalidField("teacher", "at most one of teacher, room, student and family may be set")
	}
	tenant := parent.ID("tenant")
	// A name of another tenant is NOT_FOUND, as its rows would be.
	inTenant := func(field, name string, p resname.Pattern) (resname.Name, error) {
		n, err := p.Parse(field, name)
		if err == nil && n.ID("tenant") != tenant {
			err = apierror.NotFound(name)
		}
		return n, err
	}
	found := func(err error, name string) error { return aip.NotFoundAs(err, name) }
	switch {
	case req.GetTeacher() != "":
		n, err := inTenant("teacher", req.GetTeacher(), teacherPattern)
		if err != nil {
			return f, err
		}
		if _, err := q.GetTeacher(ctx, store.GetTeacherParams{TenantID: tenant, TeacherID: n.ID("teacher")}); err != nil {
			return f, found(err, req.GetTeacher())
		}
		f.teacher = uuid.NullUUID{UUID: n.ID("teacher"), Valid: true}
	case req.GetRoom() != "":
		n, err := inTenant("room", req.GetRoom(), roomPattern)
		if err != nil {
			return f, err
		}
		if _, err := q.GetRoom(ctx, store.GetRoomParams{TenantID: tenant, RoomID: n.ID("room")}); err != nil {
			return f, found(err, req.GetRoom())
		}
		f.room = uuid.NullUUID{UUID: n.ID("room"), Valid: true}
	case req.GetStudent() != "":
		n, err := inTenant("student", req.GetStudent(), studentPattern)
		if err != nil {
			return f, err
		}
		if _, err := q.GetStudent(ctx, store.GetStudentParams{TenantID: tenant, FamilyID: n.ID("family"), StudentID: n.ID("student"),
			ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student}); err != nil {
			return f, found(err, req.GetStudent())
		}
		f.student = uuid.NullUUID{UUID: n.ID("student"), Valid: true}
	case req.GetFamily() != "":
		n, err := inTenant("family", req.GetFamily(), familyPattern)
		if err != nil {
			return f, err
		}
		// A STUDENT sees no family, not even their own: they ask for
		// themselves.
		if _, err := q.GetFamily(ctx, store.GetFamilyParams{TenantID: tenant, FamilyID: n.ID("family"), ViewerAll: v.all, ViewerFamily: v.family}); err != nil {
			return f, found(err, req.GetFamily())
		}
		f.family = uuid.NullUUID{UUID: n.ID("family"), Valid: true}
	}
	return f, nil
}

// calendarRow is one entry of the merged calendar: a session or a break.
type calendarRow struct {
	start   time.Time
	id      uuid.UUID
	session *store.ListCalendarSessionsRow
	brk     *store.ListCalendarBreaksRow
}

// mergeCalendar merges the two sorted sources in (start, id) order, the
// order PostgreSQL sorted each in (uuids compare bytewise there too).
func mergeCalendar(sessions []store.ListCalendarSessionsRow, breaks []store.ListCalendarBreaksRow) []calendarRow {
	out := make([]calendarRow, 0, len(sessions)+len(breaks))
	for i := range sessions {
		out = append(out, calendarRow{start: sessions[i].StartTime, id: sessions[i].SessionID, session: &sessions[i]})
	}
	bs := make([]calendarRow, 0, len(breaks))
	for i := range breaks {
		bs = append(bs, calendarRow{start: breaks[i].StartTime, id: breaks[i].BreakID, brk: &breaks[i]})
	}
	merged := make([]calendarRow, 0, len(out)+len(bs))
	i, j := 0, 0
	for i < len(out) || j < len(bs) {
		if j == len(bs) || (i < len(out) && calendarBefore(out[i], bs[j])) {
			merged = append(merged, out[i])
			i++
		} else {
			merged = append(merged, bs[j])
			j++
		}
	}
	return merged
}

func calendarBefore(a, b calendarRow) bool {
	if !a.start.Equal(b.start) {
		return a.start.Before(b.start)
	}
	return bytes.Compare(a.id[:], b.id[:]) < 0
}

// calendarAttendees reads the attendees of the page's sessions (the first
// size entries), as far as the caller may see them.
func calendarAttendees(ctx context.Context, q *store.Queries, tenant uuid.UUID, rows []calendarRow, size int32, v viewer) (map[uuid.UUID][]*bookingv1.SessionAttendee, error) {
	var ids []uuid.UUID
	for _, r := range rows[:min(len(rows), int(size))] {
		if r.session != nil {
			ids = append(ids, r.id)
		}
	}
	out := map[uuid.UUID][]*bookingv1.SessionAttendee{}
	if len(ids) == 0 {
		return out, nil
	}
	as, err := q.ListSessionAttendees(ctx, store.ListSessionAttendeesParams{TenantID: tenant, SessionIds: ids,
		ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		name := a.GivenName
		if a.FamilyName != "" {
			name += " " + a.FamilyName
		}
		out[a.SessionID] = append(out[a.SessionID], &bookingv1.SessionAttendee{
			Student: studentPattern.Format(tenant, a.FamilyID, a.StudentID), DisplayName: name,
			Attendance: calAttendance.FromDB(a.Attendance.String),
		})
	}
	return out, nil
}

func (r calendarRow) proto(tenant uuid.UUID, attendees map[uuid.UUID][]*bookingv1.SessionAttendee) *bookingv1.CalendarEntry {
	if b := r.brk; b != nil {
		return &bookingv1.CalendarEntry{Entry: &bookingv1.CalendarEntry_TermBreak{TermBreak: &bookingv1.TermBreak{
			Term: calTermPattern.Format(tenant, b.TermID), DisplayName: b.DisplayName,
			StartDate: aip.FormatDate(b.StartDate), EndDate: aip.FormatDate(b.EndDate),
		}}}
	}
	s := r.session
	out := &bookingv1.Session{
		Name: calSessionPattern.Format(tenant, s.SessionID), Kind: calSessionKinds.FromDB(s.Kind), State: calSessionStates.FromDB(s.State),
		Class: calClassPattern.Format(tenant, s.ClassID), Teacher: teacherPattern.Format(tenant, s.TeacherID),
		Room: roomPattern.Format(tenant, s.RoomID), Week: s.WeekNumber.Int32,
		StartTime: timestamppb.New(s.StartTime), EndTime: timestamppb.New(s.EndTime),
		Attendees: attendees[s.SessionID], Sequence: s.Sequence, CancelReason: s.CancelReason, Title: s.Title,
		Etag: aip.Etag(s.Revision),
	}
	if s.BookingID.Valid {
		out.Booking = calBookingPattern.Format(tenant, s.BookingID.UUID)
	}
	return &bookingv1.CalendarEntry{Entry: &bookingv1.CalendarEntry_Session{Session: out}}
}

// noRows reports a missing row.
func feedNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
