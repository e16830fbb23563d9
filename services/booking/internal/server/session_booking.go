package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
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

// slotTakenError is what holds a slot refused as taken: the rules and whom
// it was for, to find the alternatives; busy is what a read just before
// showed (nil: read it afresh).
type slotTakenError struct {
	err     error
	slots   []schedule.Bookable // the slots asked for; one of them is taken
	rules   schedule.Rules
	teacher uuid.UUID
	student uuid.UUID
	busy    *schedule.Busy
}

func (e *slotTakenError) Error() string { return e.err.Error() }

// contested reports whether err is the database refusing a slot as taken:
// an overlap with an existing session, or a deadlock between two writers
// of overlapping sessions (each waited for the other's exclusion-constraint
// entry), which is the slot being contested, not a conflict to retry
// blindly.
func contested(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == "23P01" && overlapConstraints[pgErr.ConstraintName] || pgErr.Code == "40P01"
}

// asTaken wraps err when the database refused slot as taken.
func asTaken(err error, slot schedule.Bookable, r schedule.Rules, teacher, student uuid.UUID) error {
	if contested(err) {
		return &slotTakenError{err: err, slots: []schedule.Bookable{slot}, rules: r, teacher: teacher, student: student}
	}
	return err
}

// alternatives is at most how many free slots SLOT_TAKEN offers.
const alternatives = 5

// busyMargin is how far either side of a slot's start what is busy must be
// known to offer the alternatives of a week either side of its local date,
// whatever the zone's offset.
const busyMargin = 9 * 24 * time.Hour

// answerTaken turns a slotTakenError into SLOT_TAKEN (ABORTED) with the
// free slots nearest to the taken one (a week either side), from what was
// busy when the slot was refused or, after the database refused it, read
// afresh; other errors pass.
func (s *SessionServer) answerTaken(ctx context.Context, tenant uuid.UUID, err error) error {
	var taken *slotTakenError
	if !errors.As(err, &taken) {
		return err
	}
	slot, r := taken.slots[0], taken.rules
	busy := taken.busy
	if busy == nil {
		from := schedule.LocalDate(slot.Start.Add(-busyMargin), r.Loc)
		to := schedule.LocalDate(taken.slots[len(taken.slots)-1].Start.Add(busyMargin), r.Loc)
		if b, berr := busyFor(ctx, queries(s.db.Scoped(ctx)), tenant, taken.teacher, taken.student, r, from, to); berr == nil {
			busy = &b
			// Of a series, the first slot now visibly taken is the one refused.
			if i := slices.IndexFunc(taken.slots, b.Takes); i >= 0 {
				slot = taken.slots[i]
			}
		}
	}
	var near []schedule.Bookable
	if busy != nil { // without alternatives the refusal still stands
		near = r.NearestFree(slot.Start, 7, alternatives, *busy)
	}
	st := (&apierror.Error{Code: codes.Aborted, Reason: apierror.Reason(bookingv1.ErrorReason_ERROR_REASON_SLOT_TAKEN),
		Message: fmt.Sprintf("the slot at %s is taken; choose another free slot", slot.Start.In(r.Loc).Format("2006-01-02 15:04"))}).Status()
	detail := &bookingv1.SlotAlternatives{Slots: make([]*bookingv1.Slot, 0, len(near))}
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
// nothing: one statement), or a make-up session with a credit.
//
// Who: ADMIN for any student, a PARENT for their family's (another
// family's is NOT_FOUND); a TEACHER books nothing (their viewer reaches no
// family when writing, so NOT_FOUND). One read (BookingContext) words the
// refusals and refuses a slot already visibly taken, with the nearest free
// slots from what it read; one statement (CreateBookedSlots) writes the rest, and
// its exclusion constraints decide whether the slot is free: an overlap is
// SLOT_TAKEN too. A series needs every one of its weeks taken by an open
// window. A booked answer costs two round trips, a taken slot one.
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
	// The read and the one-slot write on their generic plans from the first
	// use on each connection (checked: PostgreSQL settles on them anyway),
	// so a rush on fresh connections does not plan each five times over.
	q := queries(s.db.Scoped(ctx, tenantdb.GenericPlans()))
	c, err := q.BookingContext(ctx, store.BookingContextParams{TenantID: a.tenant, ClassID: a.class.ID("class"),
		StudentID: a.student.ID("student"), FamilyID: a.student.ID("family"), RequestID: key.RequestID,
		ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student,
		RangeStart: a.start.Add(-busyMargin), RangeEnd: a.start.Add(busyMargin)})
	if errors.Is(err, pgx.ErrNoRows) {
		return s.noSuchClass(ctx, q, a, key, v)
	}
	if err != nil {
		return nil, err
	}
	if c.Replay {
		return s.replay(ctx, q, a.tenant, key, v)
	}
	if !c.StudentVisible {
		return nil, apierror.NotFound(a.student.String())
	}
	studentID := a.student.ID("student")
	var credit *store.BookingMakeupCredit
	if a.credit != nil {
		cr, err := q.MakeupCreditToBook(ctx, store.MakeupCreditToBookParams{TenantID: a.tenant, CreditID: a.credit.ID("makeup_credit"), StudentID: studentID})
		if err != nil {
			return nil, aip.NotFoundAs(err, a.credit.String())
		}
		if cr.UsedSessionID.Valid || !cr.ExpireTime.After(now) {
			return nil, apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_CREDIT_UNAVAILABLE, "the make-up credit is used or expired")
		}
		credit = &cr
	}
	if credit == nil && !c.Enrolled { // a make-up needs a credit, not a place
		return nil, apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_NOT_ENROLLED, "the student is not enrolled in the class")
	}
	rules, err := rulesOf(rulesRowOf(c), credit, now)
	if err != nil {
		return nil, err
	}
	starts := []time.Time{a.start}
	if a.repeat == bookingv1.Booking_REPEAT_EVERY_INDIVIDUAL_WEEK {
		if _, p := rules.Check(a.start); p != schedule.OK {
			return nil, refusal(p, a.start, rules.Loc)
		}
		starts = rules.Series(a.start)
	}
	kind := "individual"
	if credit != nil {
		kind = "makeup"
	}
	p := store.CreateBookedSlotsParams{TenantID: a.tenant, BookingID: uuid.Must(uuid.NewV7()), FamilyID: a.student.ID("family"), StudentID: studentID,
		ClassID: c.ClassID, Repeat: repeats.ToDB(a.repeat), MakeupCreditID: nullID(credit), BookedBy: actor,
		RequestID: key.RequestID, RequestFingerprint: key.Fingerprint, Kind: kind, TermID: c.TermID, TeacherID: c.TeacherID,
		SessionIds: make([]uuid.UUID, len(starts)), EventIds: make([]uuid.UUID, len(starts)), WeekNumbers: make([]int32, len(starts)),
		RoomIds: make([]uuid.UUID, len(starts)), StartTimes: make([]time.Time, len(starts)), EndTimes: make([]time.Time, len(starts))}
	slots := make([]schedule.Bookable, len(starts))
	for i, st := range starts {
		sl, pr := rules.Check(st)
		if pr != schedule.OK {
			return nil, refusal(pr, st, rules.Loc)
		}
		slots[i] = sl
		p.SessionIds[i], p.EventIds[i] = uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
		p.WeekNumbers[i], p.RoomIds[i], p.StartTimes[i], p.EndTimes[i] = int32(sl.Week), sl.Room, sl.Start, sl.End
	}
	// The read covers the first slot's fortnight: refuse it early when it
	// is visibly taken, sparing the database a doomed insert and its
	// rollback. The constraints still decide every slot that looks free.
	busy := busyOfContext(c)
	if busy.Takes(slots[0]) {
		return nil, s.answerTaken(ctx, a.tenant, &slotTakenError{err: errors.New("visibly taken"), slots: slots[:1], rules: rules,
			teacher: c.TeacherID, student: studentID, busy: &busy})
	}
	// The read holds the student's own individual sessions of the class
	// near the slot too: a second one in the slot's week is refused without
	// the write that sessions_student_week_key would fail (and still
	// decides when two arrive at once).
	if kind == "individual" && len(slots) == 1 && slices.Contains(c.BusyClassWeeks, int32(slots[0].Week)) {
		return nil, apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_ALREADY_BOOKED_THIS_WEEK,
			sessionConstraints["sessions_student_week_key"].Description)
	}
	var row store.CreateBookedSlotsRow
	if credit == nil {
		row, err = bookSlots(ctx, q, p)
	} else {
		// The credit is used in the same transaction as its session is booked.
		err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
			tq := queries(tx)
			if row, err = bookSlots(ctx, tq, p); err != nil {
				return err
			}
			_, err := tq.UseMakeupCredit(ctx, store.UseMakeupCreditParams{TenantID: a.tenant, CreditID: credit.CreditID, StudentID: studentID,
				SessionID: uuid.NullUUID{UUID: p.SessionIds[0], Valid: true}, Now: now, SessionStart: slots[0].Start})
			if errors.Is(err, pgx.ErrNoRows) { // used by a concurrent booking, or expired meanwhile
				return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_CREDIT_UNAVAILABLE, "the make-up credit is used or expired")
			}
			return err
		})
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows) && key.RequestID.Valid: // a concurrent retry won; its booking is committed now
		return s.replay(ctx, q, a.tenant, key, v)
	case contested(err):
		taken := &slotTakenError{err: err, slots: slots, rules: rules, teacher: c.TeacherID, student: studentID}
		if len(slots) == 1 { // lost a race for it: the alternatives are what the read showed free, but that slot
			busy.All = append(busy.All, schedule.Slot{Start: slots[0].Start, End: slots[0].End})
			taken.busy = &busy
		} // of a series, a fresh read finds which slot was taken
		return nil, s.answerTaken(ctx, a.tenant, taken)
	case err != nil:
		return nil, err
	}
	return bookingToProto(store.BookingBooking{TenantID: a.tenant, BookingID: row.BookingID, FamilyID: p.FamilyID, StudentID: studentID,
		ClassID: c.ClassID, Repeat: p.Repeat, MakeupCreditID: p.MakeupCreditID, CreateTime: row.CreateTime}, p.SessionIds), nil
}

// bookSlots runs CreateBookedSlot (one slot) or CreateBookedSlots (a
// series) on q. A deadlock (40P01), two writers of overlapping sessions
// each waiting for the other's exclusion-constraint entry, is tried again
// by the executor (a Scoped statement, or InTx's transaction): by then the
// other has finished, so the next try gets the constraint's own answer.
func bookSlots(ctx context.Context, q *store.Queries, p store.CreateBookedSlotsParams) (store.CreateBookedSlotsRow, error) {
	if len(p.SessionIds) != 1 {
		return q.CreateBookedSlots(ctx, p)
	}
	row, err := q.CreateBookedSlot(ctx, store.CreateBookedSlotParams{TenantID: p.TenantID, BookingID: p.BookingID, FamilyID: p.FamilyID,
		StudentID: p.StudentID, ClassID: p.ClassID, Repeat: p.Repeat, MakeupCreditID: p.MakeupCreditID, BookedBy: p.BookedBy,
		RequestID: p.RequestID, RequestFingerprint: p.RequestFingerprint, SessionID: p.SessionIds[0], Kind: p.Kind, TermID: p.TermID,
		WeekNumber: weekNumber(int(p.WeekNumbers[0])), TeacherID: p.TeacherID, RoomID: p.RoomIds[0], StartTime: p.StartTimes[0],
		EndTime: p.EndTimes[0], EventID: p.EventIds[0]})
	return store.CreateBookedSlotsRow(row), err
}

// replay answers a request whose request_id booked already.
func (s *SessionServer) replay(ctx context.Context, q *store.Queries, tenant uuid.UUID, key aip.Idempotency, v viewer) (*bookingv1.Booking, error) {
	prior, err := q.BookingCreatedBy(ctx, store.BookingCreatedByParams{TenantID: tenant, RequestID: key.RequestID})
	if err != nil {
		return nil, err
	}
	return s.priorBooking(ctx, q, prior, key, v)
}

// noSuchClass answers a booking of a class that does not exist (in this
// tenant) as the checks come in CreateBooking: a replay first, then a
// student or credit the caller cannot reach, then the class NOT_FOUND.
func (s *SessionServer) noSuchClass(ctx context.Context, q *store.Queries, a bookingAsked, key aip.Idempotency, v viewer) (*bookingv1.Booking, error) {
	if key.RequestID.Valid {
		prior, err := q.BookingCreatedBy(ctx, store.BookingCreatedByParams{TenantID: a.tenant, RequestID: key.RequestID})
		if err == nil {
			return s.priorBooking(ctx, q, prior, key, v)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
	}
	student, err := q.StudentToBook(ctx, store.StudentToBookParams{TenantID: a.tenant, StudentID: a.student.ID("student"),
		FamilyID: a.student.ID("family"), ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	if err != nil {
		return nil, aip.NotFoundAs(err, a.student.String())
	}
	if a.credit != nil {
		if _, err := q.MakeupCreditToBook(ctx, store.MakeupCreditToBookParams{TenantID: a.tenant, CreditID: a.credit.ID("makeup_credit"),
			StudentID: student.StudentID}); err != nil {
			return nil, aip.NotFoundAs(err, a.credit.String())
		}
	}
	return nil, apierror.NotFound(a.class.String())
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
