package server

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

// enrolmentRow is an enrolment with its student's family and its place on
// the waitlist.
type enrolmentRow = store.GetEnrolmentRow

var enrolmentStates = aip.NewEnum(bookingv1.Enrolment_STATE_UNSPECIFIED)

const (
	stateEnrolled   = "enrolled"
	stateWaitlisted = "waitlisted"
	stateWithdrawn  = "withdrawn"
)

// enrolments are read through the caller's viewer, in SQL: a PARENT's
// family's, a STUDENT's own; anyone else's is no row (NOT_FOUND).
var enrolments = aip.Resource[txQueries, enrolmentRow, *bookingv1.Enrolment]{
	Pattern: enrolmentPattern, Parent: classPattern, Queries: txQueriesOf,
	Read: func(ctx context.Context, q txQueries, n resname.Name) (enrolmentRow, error) {
		v := viewerOf(ctx, false)
		return q.GetEnrolment(ctx, store.GetEnrolmentParams{TenantID: n.ID("tenant"), ClassID: n.ID("class"), EnrolmentID: n.ID("enrolment"),
			ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	},
	CheckParent: func(ctx context.Context, q txQueries, parent resname.Name) error {
		ok, err := q.ClassExists(ctx, store.ClassExistsParams{TenantID: parent.ID("tenant"), ClassID: parent.ID("class")})
		if err == nil && !ok {
			err = apierror.NotFound(parent.String())
		}
		return err
	},
	ByRequestID: func(ctx context.Context, q txQueries, p resname.Name, rid uuid.NullUUID) (enrolmentRow, error) {
		e, err := q.EnrolmentCreatedBy(ctx, store.EnrolmentCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
		if err != nil {
			return enrolmentRow{}, err
		}
		return readEnrolment(ctx, q, e)
	},
	Revision:    func(r enrolmentRow) int64 { return r.BookingEnrolment.Revision },
	Fingerprint: func(r enrolmentRow) []byte { return r.BookingEnrolment.RequestFingerprint },
	Proto:       enrolmentToProto,
}

func enrolmentToProto(r enrolmentRow, _ resname.Name) *bookingv1.Enrolment {
	e := r.BookingEnrolment
	return &bookingv1.Enrolment{
		Name: enrolmentPattern.Format(e.TenantID, e.ClassID, e.EnrolmentID), Student: studentPattern.Format(e.TenantID, r.FamilyID, e.StudentID),
		State: enrolmentStates.FromDB(e.State), WaitlistPosition: r.WaitlistPosition,
		CreateTime: timestamppb.New(e.CreateTime), UpdateTime: timestamppb.New(e.UpdateTime),
	}
}

// readEnrolment reads e again with its family and waitlist position, as
// staff see it (only staff write enrolments).
func readEnrolment(ctx context.Context, q txQueries, e store.BookingEnrolment) (enrolmentRow, error) {
	return q.GetEnrolment(ctx, store.GetEnrolmentParams{TenantID: e.TenantID, ClassID: e.ClassID, EnrolmentID: e.EnrolmentID, ViewerAll: true})
}

// CreateEnrolment gives the student a place, or a waitlist spot when the
// class is full: the place is tried in a savepoint, and the database's
// count (trigger enrolments_count, check classes_enrolled_count_check)
// refuses the one too many, however many enrol at once. An enrolled
// student attends the class's sessions that have not started; when one of
// them clashes with the student's other sessions the enrolment is refused
// (SLOT_TAKEN, naming the clash).
func (s *TermServer) CreateEnrolment(ctx context.Context, req *bookingv1.CreateEnrolmentRequest) (*bookingv1.Enrolment, error) {
	in := req.GetEnrolment()
	if in.GetStudent() == "" {
		return nil, apierror.InvalidField("enrolment.student", "is required")
	}
	return enrolments.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q txQueries, p resname.Name, key aip.Idempotency) (enrolmentRow, error) {
		tenant, class := p.ID("tenant"), p.ID("class")
		sn, err := studentPattern.Parse("enrolment.student", in.GetStudent())
		if err != nil {
			return enrolmentRow{}, err
		}
		if sn.ID("tenant") != tenant {
			return enrolmentRow{}, apierror.NotFound(in.GetStudent())
		}
		exists, err := q.StudentInFamily(ctx, store.StudentInFamilyParams{TenantID: tenant, FamilyID: sn.ID("family"), StudentID: sn.ID("student")})
		if err != nil {
			return enrolmentRow{}, err
		}
		if !exists {
			return enrolmentRow{}, apierror.NotFound(in.GetStudent())
		}
		ins := store.InsertEnrolmentParams{TenantID: tenant, EnrolmentID: uuid.Must(uuid.NewV7()), ClassID: class, StudentID: sn.ID("student"),
			State: stateEnrolled, RequestID: key.RequestID, RequestFingerprint: key.Fingerprint}
		var row store.BookingEnrolment
		err = inSavepoint(ctx, q.tx, func() error {
			if row, err = q.InsertEnrolment(ctx, ins); err != nil {
				return err
			}
			return q.AddStudentToClassSessions(ctx, store.AddStudentToClassSessionsParams{TenantID: tenant, ClassID: class, StudentID: ins.StudentID})
		})
		switch {
		case violated(err, "classes_enrolled_count_check"): // full: the waitlist
			ins.State = stateWaitlisted
			row, err = q.InsertEnrolment(ctx, ins)
		case violated(err, "session_attendees_student_excl"):
			return enrolmentRow{}, studentClash(ctx, q, tenant, class, ins.StudentID, in.GetStudent())
		}
		if err != nil {
			return enrolmentRow{}, err
		}
		return readEnrolment(ctx, q, row)
	})
}

// studentClash is SLOT_TAKEN naming the session of the student's that the
// class's sessions overlap.
func studentClash(ctx context.Context, q txQueries, tenant, class, student uuid.UUID, studentName string) error {
	msg := studentName + " has another session at the time of one of the class's group sessions"
	clash, err := q.EnrolmentClash(ctx, store.EnrolmentClashParams{TenantID: tenant, ClassID: class, StudentID: student})
	if err != nil {
		return slotTaken(msg)
	}
	loc, err := schoolZone(ctx, q.Queries, tenant)
	if err != nil {
		return err
	}
	return slotTaken(studentName + " already attends " + describeSession(clash.Kind, clash.ClassName, clash.StartTime, loc) +
		", which the class's group sessions overlap")
}

func (s *TermServer) GetEnrolment(ctx context.Context, req *bookingv1.GetEnrolmentRequest) (*bookingv1.Enrolment, error) {
	return enrolments.Get(ctx, s.db, "name", req.GetName())
}

// ListEnrolments lists enrolled students first, then the waitlist in order,
// then the withdrawn, of one class or of every class ("-"), as far as the
// caller's viewer reaches. The page token is the last row's (state rank,
// queue number).
func (s *TermServer) ListEnrolments(ctx context.Context, req *bookingv1.ListEnrolmentsRequest) (*bookingv1.ListEnrolmentsResponse, error) {
	parent, err := anyClassPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	v := viewerOf(ctx, false)
	p := store.ListEnrolmentsParams{TenantID: parent.ID("tenant"), AnyClass: parent.IsWildcard("class"), ClassID: parent.ID("class"),
		ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student, AfterRank: -1}
	err = aip.ApplyFilter(req.GetFilter(),
		aip.FilterField{Name: "state", Bind: func(f *aip.Filter, t aip.Term) error {
			st, ok := enrolmentStates.Parse(t.Value)
			if t.Op != "=" || !ok {
				return aip.FilterError("state supports only = with one of " + enrolmentStates.Names())
			}
			return aip.SetOnce(f, t, &p.State, pgtype.Text{String: enrolmentStates.ToDB(st), Valid: true})
		}},
		aip.FilterField{Name: "student", Bind: func(f *aip.Filter, t aip.Term) error {
			n, err := studentPattern.Parse("filter", t.Value)
			if t.Op != "=" || err != nil {
				return aip.FilterError(`student supports only = with a student's name, e.g. student = "` + studentPattern.String() + `"`)
			}
			id := n.ID("student")
			if n.ID("tenant") != p.TenantID {
				id = uuid.Nil
			}
			return aip.SetOnce(f, t, &p.StudentID, uuid.NullUUID{UUID: id, Valid: true})
		}})
	if err != nil {
		return nil, err
	}
	request := []string{req.GetParent(), req.GetFilter()}
	key, err := pagetoken.Decode(req.GetPageToken(), 2, request...)
	if err != nil {
		return nil, err
	}
	if key != nil {
		rank, err1 := strconv.ParseInt(key[0], 10, 32)
		queued, err2 := strconv.ParseInt(key[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, apierror.InvalidField("page_token", "malformed page token")
		}
		p.AfterRank, p.AfterQueued = int32(rank), queued
	}
	size := pagetoken.Size(req.GetPageSize())
	p.PageLimit = size + 1
	q := txQueriesOf(s.db.Scoped(ctx))
	rows, err := q.ListEnrolments(ctx, p)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 && !p.AnyClass {
		ok, err := q.ClassExists(ctx, store.ClassExistsParams{TenantID: p.TenantID, ClassID: p.ClassID})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apierror.NotFound(req.GetParent())
		}
	}
	page, next := pagetoken.Page(rows, size,
		func(r store.ListEnrolmentsRow) []string {
			return []string{strconv.Itoa(int(r.StateRank)), strconv.FormatInt(r.BookingEnrolment.Queued.Int64, 10)}
		},
		func(r store.ListEnrolmentsRow) *bookingv1.Enrolment {
			return enrolmentToProto(enrolmentRow{BookingEnrolment: r.BookingEnrolment, FamilyID: r.FamilyID, WaitlistPosition: r.WaitlistPosition}, parent)
		}, request...)
	return &bookingv1.ListEnrolmentsResponse{Enrolments: page, NextPageToken: next}, nil
}

// withdrawnReason is the cancel_reason of a withdrawn student's individual
// sessions.
const withdrawnReason = "withdrawn from the class"

// DeleteEnrolment withdraws the student: they leave the class's sessions
// that have not started, their individual sessions of the class that have
// not started are cancelled (no make-up credit: they left), and the place
// they free goes to the first student on the waitlist whose own sessions do
// not clash, in the same transaction. Withdrawing a withdrawn enrolment
// changes nothing.
func (s *TermServer) DeleteEnrolment(ctx context.Context, req *bookingv1.DeleteEnrolmentRequest) (*emptypb.Empty, error) {
	n, err := enrolmentPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	tenant, class := n.ID("tenant"), n.ID("class")
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := txQueriesOf(tx)
		// The class first: it serialises the promotions of its waitlist.
		if _, err := q.LockClass(ctx, store.LockClassParams{TenantID: tenant, ClassID: class}); err != nil {
			return aip.NotFoundAs(err, req.GetName())
		}
		e, err := q.LockEnrolment(ctx, store.LockEnrolmentParams{TenantID: tenant, ClassID: class, EnrolmentID: n.ID("enrolment")})
		if err != nil {
			return aip.NotFoundAs(err, req.GetName())
		}
		if e.State == stateWithdrawn {
			return nil
		}
		if _, err := q.SetEnrolmentState(ctx, store.SetEnrolmentStateParams{TenantID: tenant, EnrolmentID: e.EnrolmentID, State: stateWithdrawn}); err != nil {
			return err
		}
		if e.State != stateEnrolled {
			return nil
		}
		if err := q.RemoveStudentFromClassSessions(ctx, store.RemoveStudentFromClassSessionsParams{TenantID: tenant, ClassID: class, StudentID: e.StudentID}); err != nil {
			return err
		}
		if err := cancelWithdrawnSessions(ctx, q, tenant, class, e.StudentID); err != nil {
			return err
		}
		return fillPlaces(ctx, q, tenant, class)
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// cancelWithdrawnSessions cancels a withdrawn student's individual sessions
// of the class that have not started, each with a 'cancelled' event by the
// caller: booked slots of a student who left would keep the teacher from
// the students still in the class.
func cancelWithdrawnSessions(ctx context.Context, q txQueries, tenant, class, student uuid.UUID) error {
	ids, err := q.CancelWithdrawnIndividualSessions(ctx, store.CancelWithdrawnIndividualSessionsParams{TenantID: tenant, ClassID: class,
		StudentID: student, CancelReason: withdrawnReason})
	if err != nil {
		return err
	}
	actor := actorOf(ctx)
	if !actor.Valid {
		return nil // a service caller: no user to name (actor_user_id is required)
	}
	for _, id := range ids {
		if err := q.CreateSessionEvent(ctx, store.CreateSessionEventParams{TenantID: tenant, EventID: uuid.Must(uuid.NewV7()), SessionID: id,
			Action: "cancelled", ActorUserID: actor.UUID, Reason: withdrawnReason, StudentID: uuid.NullUUID{UUID: student, Valid: true},
			CreateTime: time.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// fillPlaces promotes the class's waitlist in order while it has free
// places: each candidate in a savepoint, so one whose sessions clash with
// the class's stays waitlisted and the next is tried. The caller holds the
// class's lock.
func fillPlaces(ctx context.Context, q txQueries, tenant, class uuid.UUID) error {
	waitlist, err := q.ClassWaitlist(ctx, store.ClassWaitlistParams{TenantID: tenant, ClassID: class})
	if err != nil {
		return err
	}
	for _, e := range waitlist {
		err := inSavepoint(ctx, q.tx, func() error {
			if _, err := q.SetEnrolmentState(ctx, store.SetEnrolmentStateParams{TenantID: tenant, EnrolmentID: e.EnrolmentID, State: stateEnrolled}); err != nil {
				return err
			}
			return q.AddStudentToClassSessions(ctx, store.AddStudentToClassSessionsParams{TenantID: tenant, ClassID: class, StudentID: e.StudentID})
		})
		switch {
		case err == nil, violated(err, "session_attendees_student_excl"):
			continue
		case violated(err, "classes_enrolled_count_check"):
			return nil // full again
		default:
			return err
		}
	}
	return nil
}
