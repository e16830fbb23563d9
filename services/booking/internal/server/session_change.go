package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

// changer is who changes a session and with what standing: staff (ADMIN,
// or the session's own TEACHER) may override the notice rule with a
// reason; a PARENT acts only on their family's sessions, in time.
type changer struct {
	row   sessionRow
	staff bool
}

// lockToChange locks the session name names for a change. ADMIN reaches
// every session; a PARENT their family's (another's is NOT_FOUND); a
// TEACHER reads the whole school, so another teacher's session is
// PERMISSION_DENIED rather than NOT_FOUND: they know it exists.
func lockToChange(ctx context.Context, q *store.Queries, n resname.Name) (changer, error) {
	t, _ := scope.TenantFrom(ctx)
	admin := t.HasRole(typev1.Role_ROLE_ADMIN)
	v := viewerOf(ctx, true)
	p := store.LockSessionToChangeParams{TenantID: n.ID("tenant"), SessionID: n.ID("session"), ViewerAll: admin, ViewerFamily: v.family}
	row, err := q.LockSessionToChange(ctx, p)
	if err == nil {
		return changer{row: sessionRow(row), staff: admin}, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return changer{}, err
	}
	teacher, isTeacher, terr := callerTeacher(ctx, q)
	if terr != nil {
		return changer{}, terr
	}
	if isTeacher && t.HasRole(typev1.Role_ROLE_TEACHER) {
		p.ViewerAll = true
		row, err := q.LockSessionToChange(ctx, p)
		if err != nil {
			return changer{}, aip.NotFoundAs(err, n.String())
		}
		if row.TeacherID != teacher {
			return changer{}, apierror.PermissionDenied("only the session's teacher or an admin may change it")
		}
		return changer{row: sessionRow(row), staff: true}, nil
	}
	return changer{}, apierror.NotFound(n.String())
}

// startOf and endOf are a session's times.
func startOf(r sessionRow) time.Time { return r.During.Lower.Time }
func endOf(r sessionRow) time.Time   { return r.During.Upper.Time }

// movable refuses what no one may change: a cancelled session, one that
// has started.
func movable(r sessionRow, now time.Time) error {
	if r.State == "cancelled" {
		return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_SESSION_CANCELLED, "the session is cancelled")
	}
	if !now.Before(startOf(r)) {
		return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_SESSION_STARTED, "the session has started; it cannot change any more")
	}
	return nil
}

// notice applies the school's notice rule to a change at now of a session
// starting at start: in time passes; too late refuses a PARENT
// (NOTICE_TOO_SHORT) and lets staff through only with a reason, which the
// audit trail records as an override.
func notice(c changer, inTime bool, reason, field string) (overridden bool, err error) {
	switch {
	case inTime:
		return false, nil
	case !c.staff:
		return false, apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_NOTICE_TOO_SHORT,
			"too close to the session's start for the school's notice rule; ask the school")
	case strings.TrimSpace(reason) == "":
		return false, apierror.InvalidField(field, "is required to override the school's notice rule")
	}
	return true, nil
}

func notOneToOne(what string) error {
	return &apierror.Error{Code: codes.FailedPrecondition, Reason: apierror.ReasonFailedPrecondition,
		Message: "only individual and make-up sessions " + what}
}

// RescheduleSession moves an individual or make-up session with one UPDATE
// of its time and week (the attendee rows follow by trigger): a taken slot
// fails the statement and leaves the session where it was (SLOT_TAKEN with
// alternatives), as does a week the student already has an individual
// session of the class in (sessions_student_week_key: ALREADY_BOOKED_THIS_WEEK).
// The new slot must be in the session's teacher's availability on the grid
// of the session's length, not on a break; an individual session stays in
// an individual week of its term, a make-up before its credit's expiry
// (moveRules). Both the old and the new start must satisfy the notice rule
// for a PARENT; staff override it with a reason.
func (s *SessionServer) RescheduleSession(ctx context.Context, req *bookingv1.RescheduleSessionRequest) (*bookingv1.Session, error) {
	n, err := sessionPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	tenant, to, now := n.ID("tenant"), req.GetStartTime().AsTime(), s.now()
	var out *bookingv1.Session
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := queries(tx)
		c, err := lockToChange(ctx, q, n)
		if err != nil {
			return err
		}
		r := c.row
		if r.Kind != "individual" && r.Kind != "makeup" {
			return notOneToOne("are rescheduled; cancel a group session instead")
		}
		if err := movable(r, now); err != nil {
			return err
		}
		if err := aip.CheckEtag(req.GetEtag(), r.Revision, req.GetName()); err != nil {
			return err
		}
		student, err := attendeeOf(ctx, q, r)
		if err != nil {
			return err
		}
		rules, err := s.moveRules(ctx, q, r, student, now)
		if err != nil {
			return err
		}
		slot, p := rules.Check(to)
		if p != schedule.OK && p != schedule.TooSoon {
			return refusal(p, to, rules.Loc)
		}
		if !to.After(now) {
			return refusal(schedule.TooSoon, to, rules.Loc)
		}
		inTime := p == schedule.OK && schedule.InTime(now, startOf(r), rules.NoticeHours, rules.Loc)
		overridden, err := notice(c, inTime, req.GetReason(), "reason")
		if err != nil {
			return err
		}
		if _, err := q.MoveSession(ctx, store.MoveSessionParams{TenantID: tenant, SessionID: r.SessionID, StartTime: slot.Start, EndTime: slot.End,
			RoomID: slot.Room, WeekNumber: weekNumber(slot.Week)}); err != nil {
			return asTaken(err, slot, rules, r.TeacherID, student)
		}
		if err := s.event(ctx, q, r, "rescheduled", req.GetReason(), overridden, func(e *store.CreateSessionEventParams) {
			e.PreviousStartTime = pgtype.Timestamptz{Time: startOf(r), Valid: true}
			e.NewStartTime = pgtype.Timestamptz{Time: slot.Start, Valid: true}
		}); err != nil {
			return err
		}
		out, err = reread(ctx, q, n)
		return err
	})
	if err != nil {
		return nil, s.answerTaken(ctx, tenant, err)
	}
	return out, nil
}

// CancelSession cancels a session under the notice rule. The school
// cancelling (ADMIN, the session's TEACHER; also group sessions) or a
// PARENT cancelling an individual session in time grants each attendee a
// make-up credit (GrantMakeupCredits: one per student and session, however
// often asked); a cancelled make-up session returns the credit it used.
func (s *SessionServer) CancelSession(ctx context.Context, req *bookingv1.CancelSessionRequest) (*bookingv1.Session, error) {
	n, err := sessionPattern.Parse("name", req.GetName())
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
		case r.Kind == "placeholder":
			return notOneToOne("and group sessions are cancelled; a placeholder holds no one")
		case r.Kind == "group" && !c.staff:
			return apierror.PermissionDenied("only the school cancels a group session")
		}
		if err := movable(r, now); err != nil {
			return err
		}
		if err := aip.CheckEtag(req.GetEtag(), r.Revision, req.GetName()); err != nil {
			return err
		}
		loc, hours, err := settingsOf(ctx, q, tenant)
		if err != nil {
			return err
		}
		overridden, err := notice(c, schedule.InTime(now, startOf(r), hours, loc), req.GetReason(), "reason")
		if err != nil {
			return err
		}
		if _, err := q.CancelSessionRow(ctx, store.CancelSessionRowParams{TenantID: tenant, SessionID: r.SessionID, CancelReason: req.GetReason()}); err != nil {
			return err
		}
		// Staff always grant; a PARENT reaching here was in time. A make-up
		// gives its own credit back (original expiry) instead: a new one each
		// time would roll credits forward for ever.
		if r.Kind == "makeup" {
			if _, err := q.ReturnMakeupCredit(ctx, store.ReturnMakeupCreditParams{TenantID: tenant, SessionID: r.SessionID}); err != nil {
				return err
			}
		} else if _, err := q.GrantMakeupCredits(ctx, store.GrantMakeupCreditsParams{TenantID: tenant, SessionID: r.SessionID}); err != nil {
			return err
		}
		if err := s.event(ctx, q, r, "cancelled", req.GetReason(), overridden, nil); err != nil {
			return err
		}
		out, err = reread(ctx, q, n)
		return err
	})
	return out, err
}

// event records one change of a session in the audit trail, at the clock's
// time; fill sets the action's own columns.
func (s *SessionServer) event(ctx context.Context, q *store.Queries, r sessionRow, action, reason string, overridden bool,
	fill func(*store.CreateSessionEventParams)) error {
	e := store.CreateSessionEventParams{TenantID: r.TenantID, EventID: uuid.Must(uuid.NewV7()), SessionID: r.SessionID, Action: action,
		ActorUserID: callerUserID(ctx), Reason: reason, NoticeOverridden: overridden, CreateTime: s.now()}
	if fill != nil {
		fill(&e)
	}
	return q.CreateSessionEvent(ctx, e)
}

// attendeeOf is the one student of an individual or make-up session.
func attendeeOf(ctx context.Context, q *store.Queries, r sessionRow) (uuid.UUID, error) {
	rows, err := q.SessionAttendeesVisible(ctx, store.SessionAttendeesVisibleParams{TenantID: r.TenantID, SessionIds: []uuid.UUID{r.SessionID}, ViewerAll: true})
	if err != nil || len(rows) == 0 {
		return uuid.Nil, err
	}
	return rows[0].StudentID, nil
}

// reread answers a change with the session as the caller now sees it.
func reread(ctx context.Context, q *store.Queries, n resname.Name) (*bookingv1.Session, error) {
	v := viewerOf(ctx, false)
	row, err := q.GetSessionVisible(ctx, store.GetSessionVisibleParams{TenantID: n.ID("tenant"), SessionID: n.ID("session"),
		ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	if err != nil {
		return nil, fmt.Errorf("rereading %s: %w", n, err)
	}
	return sessionOut(ctx, q, v, row)
}
