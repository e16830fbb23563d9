package server

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

// The week pattern is the singleton of a term: the kinds of its weeks and
// the classes' overrides, its etag the term's pattern_revision.

func (s *TermServer) GetWeekPattern(ctx context.Context, req *bookingv1.GetWeekPatternRequest) (*bookingv1.WeekPattern, error) {
	n, err := weekPatternPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	var out *bookingv1.WeekPattern
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error { // one snapshot of the term, its weeks and overrides
		q := store.New(tx)
		t, err := q.ShareTerm(ctx, store.ShareTermParams{TenantID: n.ID("tenant"), TermID: n.ID("term")})
		if err != nil {
			return aip.NotFoundAs(err, req.GetName())
		}
		out, err = readPattern(ctx, q, t)
		return err
	})
	return out, err
}

func readPattern(ctx context.Context, q *store.Queries, t store.BookingTerm) (*bookingv1.WeekPattern, error) {
	weeks, err := q.TermWeeks(ctx, store.TermWeeksParams{TenantID: t.TenantID, TermID: t.TermID})
	if err != nil {
		return nil, err
	}
	overrides, err := q.TermOverrides(ctx, store.TermOverridesParams{TenantID: t.TenantID, TermID: t.TermID})
	if err != nil {
		return nil, err
	}
	out := &bookingv1.WeekPattern{Name: weekPatternPattern.Format(t.TenantID, t.TermID),
		UpdateTime: timestamppb.New(t.PatternUpdateTime), Etag: aip.Etag(t.PatternRevision)}
	for _, w := range weeks {
		out.Weeks = append(out.Weeks, weekKindOf(w.Kind))
	}
	for _, o := range overrides {
		out.ClassOverrides = append(out.ClassOverrides, &bookingv1.ClassWeekOverride{Class: classPattern.Format(o.TenantID, o.ClassID),
			Week: o.WeekNumber, Kind: weekKindOf(o.Kind)})
	}
	return out, nil
}

// classWeek is one class in one week.
type classWeek struct {
	class uuid.UUID
	week  int32
}

// UpdateWeekPattern replaces the pattern and, in the same transaction,
// every class's sessions that have not started in each week whose kind
// changed for it: GROUP→INDIVIDUAL turns the group session into a
// placeholder (the trigger makes its attendees non-blocking);
// INDIVIDUAL→GROUP cancels the class's individual sessions of that week
// (make-up credits for their students) and turns the placeholder back into
// the group session. When that group session would double-book its
// teacher, room or a student the whole update is refused (SLOT_TAKEN) and
// nothing changes.
func (s *TermServer) UpdateWeekPattern(ctx context.Context, req *bookingv1.UpdateWeekPatternRequest) (*bookingv1.WeekPattern, error) {
	in := req.GetWeekPattern()
	n, err := weekPatternPattern.Parse("week_pattern.name", in.GetName())
	if err != nil {
		return nil, err
	}
	tenant, termID := n.ID("tenant"), n.ID("term")
	var out *bookingv1.WeekPattern
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		t, err := q.LockTerm(ctx, store.LockTermParams{TenantID: tenant, TermID: termID})
		if err != nil {
			return aip.NotFoundAs(err, in.GetName())
		}
		if err := aip.CheckEtag(in.GetEtag(), t.PatternRevision, in.GetName()); err != nil {
			return err
		}
		weeks, err := q.TermWeeks(ctx, store.TermWeeksParams{TenantID: tenant, TermID: termID})
		if err != nil {
			return err
		}
		if len(in.GetWeeks()) != len(weeks) {
			return apierror.InvalidField("week_pattern.weeks", fmt.Sprintf("must have one entry per teaching week: the term has %d", len(weeks)))
		}
		classIDs, err := q.TermClassIDs(ctx, store.TermClassIDsParams{TenantID: tenant, TermID: termID})
		if err != nil {
			return err
		}
		newOverrides, err := patternOverrides(in, tenant, classIDs, len(weeks))
		if err != nil {
			return err
		}
		oldOverrides, err := q.TermOverrides(ctx, store.TermOverridesParams{TenantID: tenant, TermID: termID})
		if err != nil {
			return err
		}
		old := map[classWeek]string{}
		for _, o := range oldOverrides {
			old[classWeek{o.ClassID, o.WeekNumber}] = o.Kind
		}
		// Write the pattern, then move each class's sessions to it.
		for i, w := range weeks {
			if k := weekKinds[in.GetWeeks()[i]]; k != w.Kind {
				if err := q.SetTermWeekKind(ctx, store.SetTermWeekKindParams{TenantID: tenant, TermID: termID, WeekNumber: w.WeekNumber, Kind: k}); err != nil {
					return err
				}
			}
		}
		if err := q.DeleteTermOverrides(ctx, store.DeleteTermOverridesParams{TenantID: tenant, TermID: termID}); err != nil {
			return err
		}
		for cw, k := range newOverrides {
			if err := q.InsertClassOverride(ctx, store.InsertClassOverrideParams{TenantID: tenant, TermID: termID, ClassID: cw.class, WeekNumber: cw.week, Kind: k}); err != nil {
				return err
			}
		}
		for _, c := range classIDs {
			for i, w := range weeks {
				was, now := w.Kind, weekKinds[in.GetWeeks()[i]]
				if k, ok := old[classWeek{c, w.WeekNumber}]; ok {
					was = k
				}
				if k, ok := newOverrides[classWeek{c, w.WeekNumber}]; ok {
					now = k
				}
				if was == now {
					continue
				}
				if err := switchClassWeek(ctx, q, tenant, c, w.WeekNumber, now); err != nil {
					return err
				}
			}
		}
		if t, err = q.TouchTermPattern(ctx, store.TouchTermPatternParams{TenantID: tenant, TermID: termID}); err != nil {
			return err
		}
		out, err = readPattern(ctx, q, t)
		return err
	})
	return out, err
}

// patternOverrides reads the request's overrides: each of a class of the
// term (another's is NOT_FOUND), in one of its weeks, at most once.
func patternOverrides(in *bookingv1.WeekPattern, tenant uuid.UUID, classIDs []uuid.UUID, weeks int) (map[classWeek]string, error) {
	ofTerm := map[uuid.UUID]bool{}
	for _, c := range classIDs {
		ofTerm[c] = true
	}
	out := map[classWeek]string{}
	for i, o := range in.GetClassOverrides() {
		field := fmt.Sprintf("week_pattern.class_overrides[%d]", i)
		id, err := refID(field+".class", o.GetClass(), classPattern, "class", tenant)
		if err != nil {
			return nil, err
		}
		if !ofTerm[id] {
			return nil, apierror.InvalidField(field+".class", "is not a class of the term")
		}
		if o.GetWeek() < 1 || int(o.GetWeek()) > weeks {
			return nil, apierror.InvalidField(field+".week", fmt.Sprintf("must be a teaching week of the term, 1 to %d", weeks))
		}
		cw := classWeek{id, o.GetWeek()}
		if _, dup := out[cw]; dup {
			return nil, apierror.InvalidField(field, "overrides the same class and week again")
		}
		out[cw] = weekKinds[o.GetKind()]
	}
	return out, nil
}

// switchClassWeek moves one class's session of one week to kind.
func switchClassWeek(ctx context.Context, q *store.Queries, tenant, class uuid.UUID, week int32, kind string) error {
	wk := pgInt4(week)
	if kind == kindGroup {
		reason := fmt.Sprintf("week %d became a group week", week)
		cancelled, err := q.CancelWeekIndividualSessions(ctx, store.CancelWeekIndividualSessionsParams{TenantID: tenant, ClassID: class,
			WeekNumber: wk, CancelReason: reason})
		if err != nil {
			return err
		}
		actor := actorOf(ctx)
		for _, id := range cancelled {
			if _, err := q.GrantMakeupCredits(ctx, store.GrantMakeupCreditsParams{TenantID: tenant, SessionID: id}); err != nil {
				return err
			}
			if actor.Valid {
				if err := q.RecordPatternCancellation(ctx, store.RecordPatternCancellationParams{TenantID: tenant, EventID: uuid.Must(uuid.NewV7()),
					SessionID: id, ActorUserID: actor.UUID, Reason: reason}); err != nil {
					return err
				}
			}
		}
	}
	_, err := q.SetWeekSessionKind(ctx, store.SetWeekSessionKindParams{TenantID: tenant, ClassID: class, WeekNumber: wk, Kind: sessionKindFor(kind)})
	switch {
	case violated(err, "sessions_teacher_excl"):
		return slotTaken(fmt.Sprintf("week %d cannot become a group week: a group session of class %s would double-book its teacher", week, classPattern.Format(tenant, class)))
	case violated(err, "sessions_room_excl"):
		return slotTaken(fmt.Sprintf("week %d cannot become a group week: a group session of class %s would double-book its room", week, classPattern.Format(tenant, class)))
	case violated(err, "session_attendees_student_excl"):
		return slotTaken(fmt.Sprintf("week %d cannot become a group week: a student of class %s has another session at its group time", week, classPattern.Format(tenant, class)))
	}
	return err
}

// actorOf is the calling user, for the audit trail.
func actorOf(ctx context.Context) uuid.NullUUID {
	if c, ok := scope.CallerFrom(ctx); ok && c.UserID != uuid.Nil {
		return uuid.NullUUID{UUID: c.UserID, Valid: true}
	}
	return uuid.NullUUID{}
}
