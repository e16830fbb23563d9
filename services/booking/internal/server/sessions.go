package server

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

// SessionServer implements bookingv1.SessionServiceServer.
type SessionServer struct {
	bookingv1.UnimplementedSessionServiceServer
	db *tenantdb.DB
	// now is the clock every rule reads (windows, notice, start, expiry),
	// so tests can stand at a DST change or an exact deadline.
	now func() time.Time
}

// NewSessionServer returns a SessionServer storing rows through db, on the
// wall clock.
func NewSessionServer(db *tenantdb.DB) *SessionServer { return NewSessionServerWithClock(db, time.Now) }

// NewSessionServerWithClock is NewSessionServer reading the time from now.
func NewSessionServerWithClock(db *tenantdb.DB, now func() time.Time) *SessionServer {
	return &SessionServer{db: db, now: now}
}

// sessionConstraints is what a violation of the constraints of the tables
// these RPCs write answers. The three exclusion constraints are answered by
// the booking code itself (SLOT_TAKEN with alternatives), never here.
var sessionConstraints = apierror.Constraints{
	// A block's room must be the school's (a composite foreign key).
	"availability_blocks_room_fkey": {Code: codes.InvalidArgument, Field: "availability.blocks", Description: "name a room the school does not have",
		OnDelete: &apierror.Constraint{Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_ROOM_IN_USE,
			Field: "name", Description: "is still in teachers' availability; take it out first"}},
	// Bookings, places and credits name the student; they are its history,
	// so DeleteStudent refuses rather than erase them.
	"bookings_student_fkey":          {Code: codes.NotFound, Field: "booking.student", OnDelete: studentInUse},
	"session_attendees_student_fkey": {Code: codes.NotFound, Field: "booking.student", OnDelete: studentInUse},
	"makeup_credits_student_fkey":    {Code: codes.NotFound, Field: "booking.student", OnDelete: studentInUse},
	"sessions_student_fkey":          {Code: codes.NotFound, Field: "booking.student", OnDelete: studentInUse},
	// One individual session per student, class and teaching week
	// (migration 00004): a second booking, a series over a booked week, or a
	// move into one.
	"sessions_student_week_key": {Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_ALREADY_BOOKED_THIS_WEEK,
		Description: "the student already has an individual session of this class in that week; reschedule or cancel it instead"},
}

// The schedule's names these RPCs read and write.
var (
	sessionPattern, bookingPattern  = resname.Of(&bookingv1.Session{}), resname.Of(&bookingv1.Booking{})
	creditPattern, windowPattern    = resname.Of(&bookingv1.MakeupCredit{}), resname.Of(&bookingv1.BookingWindow{})
	availabilityPattern             = resname.Of(&bookingv1.Availability{})
	sessionEventPattern             = resname.Of(&bookingv1.SessionEvent{})
	bookedClassPattern, windowTerms = resname.Of(&bookingv1.Class{}), resname.Of(&bookingv1.Term{})
)

// callerUserID is the calling user, uuid.Nil for none (a service).
func callerUserID(ctx context.Context) uuid.UUID {
	c, _ := scope.CallerFrom(ctx)
	return c.UserID
}

// settingsOf is the school's zone and notice rule, the defaults when it
// never changed them.
func settingsOf(ctx context.Context, q *store.Queries, tenant uuid.UUID) (*time.Location, int, error) {
	row, err := q.GetSettings(ctx, tenant)
	if errors.Is(err, pgx.ErrNoRows) {
		row, err = store.BookingSetting{TimeZone: "UTC", RescheduleNoticeHours: 24}, nil
	}
	if err != nil {
		return nil, 0, err
	}
	loc, err := aip.LoadTimeZone(row.TimeZone)
	if err != nil {
		return nil, 0, err // the settings refuse a zone that does not load
	}
	return loc, int(row.RescheduleNoticeHours), nil
}
