package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

// TermServer implements bookingv1.TermServiceServer.
type TermServer struct {
	bookingv1.UnimplementedTermServiceServer
	db *tenantdb.DB
}

// NewTermServer returns a TermServer storing rows through db.
func NewTermServer(db *tenantdb.DB) *TermServer { return &TermServer{db: db} }

var (
	termPattern, weekPatternPattern = resname.Of(&bookingv1.Term{}), resname.Of(&bookingv1.WeekPattern{})
	classPattern, enrolmentPattern  = resname.Of(&bookingv1.Class{}), resname.Of(&bookingv1.Enrolment{})
	// anyClassPattern is a class, or "-" for every class of the school.
	anyClassPattern = classPattern.WithWildcards("class")
)

// termConstraints is what a violation of the constraints of the tables
// these RPCs write answers. The exclusion constraints are not here: the
// code that writes sessions knows which slot clashed and says so.
var termConstraints = apierror.Constraints{
	"classes_term_fkey": {Code: codes.NotFound, Field: "class.term", OnDelete: &apierror.Constraint{
		Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_TERM_IN_USE,
		Field: "name", Description: "still has classes; delete them first"}},
	// The directory's deletes meet these too: a class keeps its instrument,
	// teacher and room.
	"classes_instrument_fkey": {Code: codes.NotFound, Field: "class.instrument", OnDelete: &apierror.Constraint{
		Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_INSTRUMENT_IN_USE,
		Field: "name", Description: "is still the instrument of classes; delete them first"}},
	"classes_teacher_fkey": {Code: codes.NotFound, Field: "class.teacher", OnDelete: &apierror.Constraint{
		Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_TEACHER_IN_USE,
		Field: "name", Description: "still teaches classes; give them to another teacher first"}},
	"classes_room_fkey": {Code: codes.NotFound, Field: "class.room", OnDelete: &apierror.Constraint{
		Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_ROOM_IN_USE,
		Field: "name", Description: "is still the room of classes; move them first"}},
	"classes_enrolled_count_check": {Code: codes.FailedPrecondition, Field: "class.capacity",
		Description: "capacity cannot be below the number of students enrolled"},
	"enrolments_class_fkey":   {Code: codes.NotFound, Field: "parent"},
	"enrolments_student_fkey": {Code: codes.NotFound, Field: "enrolment.student", OnDelete: studentInUse},
	// Class sessions are written here (materialized) and by the booking
	// code; either way they keep their teacher and room.
	"sessions_teacher_fkey": {Code: codes.NotFound, Field: "class.teacher", OnDelete: &apierror.Constraint{
		Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_TEACHER_IN_USE,
		Field: "name", Description: "still has sessions; give them to another teacher first"}},
	"sessions_room_fkey": {Code: codes.NotFound, Field: "class.room", OnDelete: &apierror.Constraint{
		Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_ROOM_IN_USE,
		Field: "name", Description: "is still the room of sessions; move them first"}},
	"enrolments_active_key": {Code: codes.AlreadyExists, Field: "enrolment.student",
		Description: "is already enrolled in the class or on its waitlist"},
}

// studentInUse answers DeleteStudent of a student the schedule still
// records (enrolments, bookings, places in sessions, make-up credits).
var studentInUse = &apierror.Constraint{Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_STUDENT_IN_USE,
	Field: "name", Description: "still has enrolments, bookings, sessions or make-up credits"}

// The stored kinds of weeks and sessions.
const (
	kindGroup       = "group"
	kindIndividual  = "individual"
	kindPlaceholder = "placeholder"
)

var weekKinds = map[bookingv1.WeekKind]string{bookingv1.WeekKind_WEEK_KIND_GROUP: kindGroup, bookingv1.WeekKind_WEEK_KIND_INDIVIDUAL: kindIndividual}

func weekKindOf(s string) bookingv1.WeekKind {
	if s == kindIndividual {
		return bookingv1.WeekKind_WEEK_KIND_INDIVIDUAL
	}
	return bookingv1.WeekKind_WEEK_KIND_GROUP
}

// sessionKindFor is the class session a week of kind holds.
func sessionKindFor(weekKind string) string {
	if weekKind == kindIndividual {
		return kindPlaceholder
	}
	return kindGroup
}

// schoolZone is the school's time zone (booking.settings, UTC until set).
func schoolZone(ctx context.Context, q *store.Queries, tenant uuid.UUID) (*time.Location, error) {
	s, err := q.GetSettings(ctx, tenant)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.UTC, nil
	}
	if err != nil {
		return nil, err
	}
	return aip.LoadTimeZone(s.TimeZone)
}

// inSavepoint runs fn so that its failure undoes only its own statements:
// the transaction goes on, to fall back (waitlist instead of a place) or to
// look up what a refusal should name.
func inSavepoint(ctx context.Context, tx tenantdb.DBTX, fn func() error) error {
	if _, err := tx.Exec(ctx, "SAVEPOINT terms_step"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rbErr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT terms_step"); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return err
	}
	_, err := tx.Exec(ctx, "RELEASE SAVEPOINT terms_step")
	return err
}

// violated reports whether err is a violation of constraint.
func violated(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.ConstraintName == constraint
}

// slotTaken is SLOT_TAKEN (ABORTED, HTTP 409) with a message saying what
// the slot clashes with.
func slotTaken(msg string) *apierror.Error {
	return &apierror.Error{Code: codes.Aborted, Reason: apierror.Reason(bookingv1.ErrorReason_ERROR_REASON_SLOT_TAKEN), Message: msg}
}

// describeSession names a session for a refusal, in the school's zone.
func describeSession(kind, className string, start time.Time, loc *time.Location) string {
	what := fmt.Sprintf("the %s session of %q", kind, className)
	if className == "" {
		what = "a " + kind + " session"
	}
	return what + " on " + start.In(loc).Format("Mon 2 Jan 2006 at 15:04")
}

func toDate(t time.Time) pgtype.Date { return pgtype.Date{Time: t, Valid: true} }

func fromDate(d pgtype.Date) time.Time { return schedule.DateOf(d.Time) }

func toClock(c schedule.Clock) pgtype.Time {
	return pgtype.Time{Microseconds: c.Duration().Microseconds(), Valid: true}
}

func fromClock(t pgtype.Time) schedule.Clock {
	return schedule.ClockOf(time.Duration(t.Microseconds) * time.Microsecond)
}

func pgInt4(n int32) pgtype.Int4 { return pgtype.Int4{Int32: n, Valid: true} }
