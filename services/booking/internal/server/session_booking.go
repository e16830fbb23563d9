package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

var repeats = aip.NewEnum(bookingv1.Booking_REPEAT_ONCE)

// overlapConstraints are the exclusion constraints a booked slot can hit:
// the slot is taken, whoever holds it.
var overlapConstraints = map[string]bool{
	"sessions_teacher_excl": true, "sessions_room_excl": true, "session_attendees_student_excl": true,
}

// slotTakenError is what holds a slot the database refused as taken: the
// rules and whom it was for, to find the alternatives after the rollback.
type slotTakenError struct {
	err     error
	slot    schedule.Bookable
	rules   schedule.Rules
	teacher uuid.UUID
	student uuid.UUID
}

func (e *slotTakenError) Error() string { return e.err.Error() }

// asTaken wraps err when it is an overlap with an existing session.
func asTaken(err error, slot schedule.Bookable, r schedule.Rules, teacher, student uuid.UUID) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23P01" && overlapConstraints[pgErr.ConstraintName] {
		return &slotTakenError{err: err, slot: slot, rules: r, teacher: teacher, student: student}
	}
	return err
}

// alternatives is at most how many free slots SLOT_TAKEN offers.
const alternatives = 5

// answerTaken turns a slotTakenError into SLOT_TAKEN (ABORTED) with the
// free slots nearest to the one asked for, read after the failure (a week
// either side); other errors pass.
func (s *SessionServer) answerTaken(ctx context.Context, tenant uuid.UUID, err error) error {
	var taken *slotTakenError
	if !errors.As(err, &taken) {
		return err
	}
	d := schedule.LocalDate(taken.slot.Start, taken.rules.Loc)
	from, to := d.AddDate(0, 0, -7), d.AddDate(0, 0, 7)
	var near []schedule.Bookable
	q := queries(s.db.Scoped(ctx))
	if busy, berr := busyFor(ctx, q, tenant, taken.teacher, taken.student, taken.rules, from, to); berr == nil {
		free, _ := taken.rules.Range(from, to, busy)
		near = schedule.Nearest(free, taken.slot.Start, alternatives)
	} // without alternatives the refusal still stands
	st := (&apierror.Error{Code: codes.Aborted, Reason: apierror.Reason(bookingv1.ErrorReason_ERROR_REASON_SLOT_TAKEN),
		Message: fmt.Sprintf("the slot at %s is taken; choose another free slot", taken.slot.Start.In(taken.rules.Loc).Format("2006-01-02 15:04"))}).Status()
	detail := &bookingv1.SlotAlternatives{}
	for _, sl := range near {
		detail.Slots = append(detail.Slots, slotToProto(tenant, taken.teacher, sl))
	}
	if withAlts, derr := st.WithDetails(detail); derr == nil {
		st = withAlts
	}
	return st.Err()
}

func slotToProto(tenant, teacher uuid.UUID, sl schedule.Bookable) *bookingv1.Slot {
	return &bookingv1.Slot{StartTime: timestamppb.New(sl.Start), EndTime: timestamppb.New(sl.End),
		Teacher: teacherPattern.Format(tenant, teacher), Room: roomPattern.Format(tenant, sl.Room), Week: int32(sl.Week)}
}

// refusal is the contract's answer to a slot the rules refuse.
func refusal(p schedule.Problem, start time.Time, loc *time.Location) error {
	when := start.In(loc).Format("Mon 2006-01-02 15:04")
	switch p {
	case schedule.OnBreak:
		return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_NOT_INDIVIDUAL_WEEK, when+" is a break of the term")
	case schedule.NotInTerm, schedule.GroupWeek:
		return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_NOT_INDIVIDUAL_WEEK, when+" is not in an individual week of the class")
	case schedule.WindowClosed:
		return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_WINDOW_CLOSED, "no booking window takes bookings of this class for the week of "+when+" now")
	case schedule.Unavailable:
		return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_OUTSIDE_AVAILABILITY, when+" is not a slot of the teacher's availability; pick one from ListFreeSlots")
	case schedule.TooSoon:
		return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_NOTICE_TOO_SHORT, when+" is too soon for the school's notice rule")
	case schedule.Expired:
		return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_CREDIT_UNAVAILABLE, "the make-up credit expires before "+when)
	}
	return fmt.Errorf("slot problem %d", p)
}

// bookingAsked is a CreateBooking request, parsed.
type bookingAsked struct {
	tenant         uuid.UUID
	student, class resname.Name
	credit         *resname.Name
	start          time.Time
	repeat         bookingv1.Booking_Repeat
}

func parseBooking(req *bookingv1.CreateBookingRequest) (bookingAsked, error) {
	var a bookingAsked
	p, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return a, err
	}
	a.tenant = p.ID("tenant")
	in := req.GetBooking()
	if a.student, err = studentPattern.Parse("booking.student", in.GetStudent()); err != nil {
		return a, err
	}
	if a.class, err = bookedClassPattern.Parse("booking.class", in.GetClass()); err != nil {
		return a, err
	}
	if !in.GetStartTime().IsValid() {
		return a, apierror.InvalidField("booking.start_time", "is required: a free slot's start from ListFreeSlots")
	}
	a.start = in.GetStartTime().AsTime()
	a.repeat = in.GetRepeat()
	if a.repeat == bookingv1.Booking_REPEAT_UNSPECIFIED {
		a.repeat = bookingv1.Booking_REPEAT_ONCE
	}
	if in.GetMakeupCredit() != "" {
		c, err := creditPattern.Parse("booking.makeup_credit", in.GetMakeupCredit())
		if err != nil {
			return a, err
		}
		if a.repeat != bookingv1.Booking_REPEAT_ONCE {
			return a, apierror.InvalidField("booking.repeat", "a make-up credit books one session")
		}
		a.credit = &c
	}
	// Names of another tenant than the parent are nobody's here.
	for _, n := range []resname.Name{a.student, a.class} {
		if n.ID("tenant") != a.tenant {
			return a, apierror.NotFound(n.String())
		}
	}
	if a.credit != nil && a.credit.ID("tenant") != a.tenant {
		return a, apierror.NotFound(a.credit.String())
	}
	return a, nil
}

// CreateBooking books one individual session, a series (the same slot in
// every individual week of the class to the end of the term, all or
// nothing: one transaction), or a make-up session with a credit.
//
// Who: ADMIN for any student, a PARENT for their family's (another
// family's is NOT_FOUND); a TEACHER books nothing (their viewer reaches no
// family when writing, so NOT_FOUND). The rules are read first only to
// word the refusals; the exclusion constraints decide whether the slot is
// free, and an overlap is SLOT_TAKEN with the nearest free slots. A series
// needs every one of its weeks taken by an open window.
func (s *SessionServer) CreateBooking(ctx context.Context, req *bookingv1.CreateBookingRequest) (*bookingv1.Booking, error) {
	a, err := parseBooking(req)
	if err != nil {
		return nil, err
	}
	key := aip.Idempotency{}
	if rid, err := uuid.Parse(req.GetRequestId()); err == nil {
		key = aip.Idempotency{RequestID: uuid.NullUUID{UUID: rid, Valid: true}, Fingerprint: aip.Fingerprint(req)}
	}
	now, v, actor := s.now(), viewerOf(ctx, true), callerUserID(ctx)
	var out *bookingv1.Booking
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := queries(tx)
		if key.RequestID.Valid {
			prior, err := q.BookingCreatedBy(ctx, store.BookingCreatedByParams{TenantID: a.tenant, RequestID: key.RequestID})
			if err == nil {
				out, err = s.priorBooking(ctx, q, prior, key, v)
				return err
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		student, err := q.StudentToBook(ctx, store.StudentToBookParams{TenantID: a.tenant, StudentID: a.student.ID("student"),
			FamilyID: a.student.ID("family"), ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
		if err != nil {
			return aip.NotFoundAs(err, a.student.String())
		}
		var credit *store.BookingMakeupCredit
		if a.credit != nil {
			c, err := q.MakeupCreditToBook(ctx, store.MakeupCreditToBookParams{TenantID: a.tenant, CreditID: a.credit.ID("makeup_credit"), StudentID: student.StudentID})
			if err != nil {
				return aip.NotFoundAs(err, a.credit.String())
			}
			if c.UsedSessionID.Valid || !c.ExpireTime.After(now) {
				return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_CREDIT_UNAVAILABLE, "the make-up credit is used or expired")
			}
			credit = &c
		}
		class, rules, err := bookableRules(ctx, q, a.tenant, a.class.ID("class"), student.StudentID, credit, now)
		if err != nil {
			return aip.NotFoundAs(err, a.class.String())
		}
		if credit == nil && !class.Enrolled { // a make-up needs a credit, not a place
			return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_NOT_ENROLLED, "the student is not enrolled in the class")
		}
		starts := []time.Time{a.start}
		if a.repeat == bookingv1.Booking_REPEAT_EVERY_INDIVIDUAL_WEEK {
			if _, p := rules.Check(a.start); p != schedule.OK {
				return refusal(p, a.start, rules.Loc)
			}
			starts = rules.Series(a.start)
		}
		slots := make([]schedule.Bookable, len(starts))
		for i, st := range starts {
			sl, p := rules.Check(st)
			if p != schedule.OK {
				return refusal(p, st, rules.Loc)
			}
			slots[i] = sl
		}
		booking, err := q.CreateBookingRow(ctx, store.CreateBookingRowParams{TenantID: a.tenant, BookingID: uuid.Must(uuid.NewV7()),
			FamilyID: student.FamilyID, StudentID: student.StudentID, ClassID: class.ClassID, Repeat: repeats.ToDB(a.repeat),
			MakeupCreditID: nullID(credit), BookedBy: actor, RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
		if errors.Is(err, pgx.ErrNoRows) && key.RequestID.Valid { // a concurrent retry won; READ COMMITTED sees it now
			prior, err := q.BookingCreatedBy(ctx, store.BookingCreatedByParams{TenantID: a.tenant, RequestID: key.RequestID})
			if err != nil {
				return err
			}
			out, err = s.priorBooking(ctx, q, prior, key, v)
			return err
		}
		if err != nil {
			return err
		}
		kind := "individual"
		if credit != nil {
			kind = "makeup"
		}
		var ids []uuid.UUID
		for _, sl := range slots {
			id, err := q.CreateBookedSession(ctx, store.CreateBookedSessionParams{TenantID: a.tenant, SessionID: uuid.Must(uuid.NewV7()),
				Kind: kind, TermID: class.TermID, ClassID: class.ClassID, WeekNumber: weekNumber(sl.Week), TeacherID: class.TeacherID,
				RoomID: sl.Room, StartTime: sl.Start, EndTime: sl.End, BookingID: uuid.NullUUID{UUID: booking.BookingID, Valid: true}, StudentID: student.StudentID,
				EventID: uuid.Must(uuid.NewV7()), ActorUserID: actor})
			if err != nil {
				return asTaken(err, sl, rules, class.TeacherID, student.StudentID)
			}
			ids = append(ids, id)
		}
		if credit != nil {
			_, err := q.UseMakeupCredit(ctx, store.UseMakeupCreditParams{TenantID: a.tenant, CreditID: credit.CreditID, StudentID: student.StudentID,
				SessionID: uuid.NullUUID{UUID: ids[0], Valid: true}, Now: now, SessionStart: slots[0].Start})
			if errors.Is(err, pgx.ErrNoRows) { // used by a concurrent booking, or expired meanwhile
				return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_CREDIT_UNAVAILABLE, "the make-up credit is used or expired")
			}
			if err != nil {
				return err
			}
		}
		out = bookingToProto(booking, ids)
		return nil
	})
	if err != nil {
		return nil, s.answerTaken(ctx, a.tenant, err)
	}
	return out, nil
}

// priorBooking answers a retry with the booking the first attempt made, or
// REQUEST_ID_REUSED when the request differs, or when the booking is one
// the caller may not see (another family's: its request_id is no key to it).
func (s *SessionServer) priorBooking(ctx context.Context, q *store.Queries, prior store.BookingBooking, key aip.Idempotency, v viewer) (*bookingv1.Booking, error) {
	mine := v.all || (v.family.Valid && v.family.UUID == prior.FamilyID)
	if !mine || !bytes.Equal(prior.RequestFingerprint, key.Fingerprint) {
		return nil, apierror.RequestIDReused()
	}
	page, err := withSessions(ctx, q, []store.BookingBooking{prior})
	if err != nil {
		return nil, err
	}
	return page[0], nil
}

func nullID(c *store.BookingMakeupCredit) uuid.NullUUID {
	if c == nil {
		return uuid.NullUUID{}
	}
	return uuid.NullUUID{UUID: c.CreditID, Valid: true}
}

// weekNumber is a session's week, NULL for a make-up outside the weeks.
func weekNumber(w int) pgtype.Int4 { return pgtype.Int4{Int32: int32(w), Valid: w != 0} }

func bookingToProto(b store.BookingBooking, sessions []uuid.UUID) *bookingv1.Booking {
	out := &bookingv1.Booking{Name: bookingPattern.Format(b.TenantID, b.BookingID),
		Student: studentPattern.Format(b.TenantID, b.FamilyID, b.StudentID), Class: bookedClassPattern.Format(b.TenantID, b.ClassID),
		Repeat: repeats.FromDB(b.Repeat), CreateTime: timestamppb.New(b.CreateTime)}
	if b.MakeupCreditID.Valid {
		out.MakeupCredit = creditPattern.Format(b.TenantID, b.MakeupCreditID.UUID)
	}
	for _, id := range sessions {
		out.Sessions = append(out.Sessions, sessionPattern.Format(b.TenantID, id))
	}
	return out
}

// withSessions converts bookings with their sessions, in one query.
func withSessions(ctx context.Context, q *store.Queries, rows []store.BookingBooking) ([]*bookingv1.Booking, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(rows))
	for i, b := range rows {
		ids[i] = b.BookingID
	}
	made, err := q.SessionsOfBookings(ctx, store.SessionsOfBookingsParams{TenantID: rows[0].TenantID, BookingIds: ids})
	if err != nil {
		return nil, err
	}
	of := map[uuid.UUID][]uuid.UUID{}
	for _, m := range made {
		of[m.BookingID.UUID] = append(of[m.BookingID.UUID], m.SessionID)
	}
	out := make([]*bookingv1.Booking, len(rows))
	for i, b := range rows {
		out[i] = bookingToProto(b, of[b.BookingID])
	}
	return out, nil
}

func (s *SessionServer) GetBooking(ctx context.Context, req *bookingv1.GetBookingRequest) (*bookingv1.Booking, error) {
	n, err := bookingPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	v := viewerOf(ctx, false)
	q := queries(s.db.Scoped(ctx))
	row, err := q.GetBookingVisible(ctx, store.GetBookingVisibleParams{TenantID: n.ID("tenant"), BookingID: n.ID("booking"),
		ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	if err != nil {
		return nil, aip.NotFoundAs(err, req.GetName())
	}
	page, err := withSessions(ctx, q, []store.BookingBooking{row})
	if err != nil {
		return nil, err
	}
	return page[0], nil
}

// ListBookings lists the bookings the caller may see, newest first:
// staff all, a PARENT their family's, a STUDENT their own.
// filter: `student = "tenants/…/families/…/students/…"`.
func (s *SessionServer) ListBookings(ctx context.Context, req *bookingv1.ListBookingsRequest) (*bookingv1.ListBookingsResponse, error) {
	p, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	v := viewerOf(ctx, false)
	params := store.ListBookingsVisibleParams{TenantID: p.ID("tenant"), ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student}
	err = aip.ApplyFilter(req.GetFilter(), aip.FilterField{Name: "student", Bind: func(f *aip.Filter, t aip.Term) error {
		n, err := studentPattern.Parse("filter", t.Value)
		if t.Op != "=" || err != nil {
			return aip.FilterError(`student supports only = with a student's name, e.g. student = "tenants/…/families/…/students/…"`)
		}
		return aip.SetOnce(f, t, &params.StudentID, uuid.NullUUID{UUID: n.ID("student"), Valid: true})
	}})
	if err != nil {
		return nil, err
	}
	request := []string{req.GetParent(), req.GetFilter()}
	if params.AfterID, err = pagetoken.DecodeUUID(req.GetPageToken(), request...); err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	params.PageLimit = size + 1
	q := queries(s.db.Scoped(ctx))
	rows, err := q.ListBookingsVisible(ctx, params)
	if err != nil {
		return nil, err
	}
	converted, err := withSessions(ctx, q, rows)
	if err != nil {
		return nil, err
	}
	byID := map[uuid.UUID]*bookingv1.Booking{}
	for i, b := range rows {
		byID[b.BookingID] = converted[i]
	}
	page, next := pagetoken.Page(rows, size, func(b store.BookingBooking) []string { return []string{b.BookingID.String()} },
		func(b store.BookingBooking) *bookingv1.Booking { return byID[b.BookingID] }, request...)
	return &bookingv1.ListBookingsResponse{Bookings: page, NextPageToken: next}, nil
}
