package server

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

// always is a booking window that takes every week at any time: a
// reschedule of an individual session needs no open window (the booking
// was made in one), only an in-term individual week.
var always = schedule.Window{Close: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}

// moveRules are the rules a reschedule of session r (for student) checks
// its target against. Both kinds use the session's own teacher's
// availability (the class's teacher may have changed since the booking;
// the session keeps its teacher) on the grid of the session's length. An
// individual session keeps the booking's term and individual-week rules
// without the window; a make-up keeps the expiry of the credit it used.
func (s *SessionServer) moveRules(ctx context.Context, q *store.Queries, r sessionRow, student uuid.UUID, now time.Time) (schedule.Rules, error) {
	row, err := q.BookableRules(ctx, store.BookableRulesParams{TenantID: r.TenantID, ClassID: r.ClassID, StudentID: student})
	if err != nil {
		return schedule.Rules{}, err
	}
	av, err := q.TeacherAvailabilityRules(ctx, store.TeacherAvailabilityRulesParams{TenantID: r.TenantID, TeacherID: r.TeacherID})
	if err != nil {
		return schedule.Rules{}, err
	}
	row.TeacherID, row.Exceptions = r.TeacherID, av.Exceptions
	row.BlockWeekdays, row.BlockStarts, row.BlockEnds, row.BlockRooms = av.BlockWeekdays, av.BlockStarts, av.BlockEnds, av.BlockRooms
	row.IndividualMinutes = int32(endOf(r).Sub(startOf(r)) / time.Minute)
	var credit *store.BookingMakeupCredit
	if r.Kind == "makeup" {
		c, err := q.CreditOfMakeupSession(ctx, store.CreditOfMakeupSessionParams{TenantID: r.TenantID, SessionID: r.SessionID})
		if errors.Is(err, pgx.ErrNoRows) { // a make-up always used one; none left means nothing to move it under
			return schedule.Rules{}, apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_CREDIT_UNAVAILABLE,
				"the make-up session's credit is gone; book a new one")
		}
		if err != nil {
			return schedule.Rules{}, err
		}
		credit = &c
	}
	rules, err := rulesOf(row, credit, now)
	if err != nil {
		return rules, err
	}
	if credit == nil {
		rules.Windows = []schedule.Window{always}
	}
	return rules, nil
}
