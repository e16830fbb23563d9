package booking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/servertest"
	"steward.dev/services/booking"
)

// TestBookingRush: on the seeded school, 220 families fire 660 requests at
// once against the real server — 440 CreateBooking and 220 RescheduleSession
// of the families' already booked sessions — all aimed at the same few
// slots of each teacher in the open window's weeks, while the admin enrols
// 60 students in three nearly full classes (where TermService serves it). Afterwards SQL proves
// that no teacher, room or student has overlapping blocking sessions, no
// class holds more than its capacity, every booking answered OK exists with
// its session and attendee, every reschedule answered OK moved and every
// refused one stayed, and every request got OK or a refusal with a reason
// the contract declares (never Internal, Unknown or a bare code).
func TestBookingRush(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := servertest.New(t)
	if _, err := seed.Seed(ctx, env.DB.OwnerURL, seed.Options{Issuer: env.Issuer}); err != nil {
		t.Fatal(err)
	}
	conn := env.Serve(t, booking.Services)
	sc := bookingv1.NewSessionServiceClient(conn)
	tc := bookingv1.NewTermServiceClient(conn)
	tenant := seed.SchoolTenantID
	tn := "tenants/" + tenant.String()

	// What the families go for: each class's grid in the seeded window's
	// weeks, the enrolled students of the first 220 families, and the
	// individual sessions they already booked.
	type target struct{ family, student, class, parent uuid.UUID }
	var targets []target
	grid := map[uuid.UUID][]time.Time{}
	type booked struct {
		session, family, class, parent uuid.UUID
		start                          time.Time
	}
	var sessions []booked
	type joiner struct {
		class, family, student uuid.UUID
		free                   int
	}
	var joiners []joiner
	dbtest.AsTenant(t, env.Owner, tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH f AS (SELECT DISTINCT s.family_id FROM booking.students s JOIN booking.enrolments e USING (tenant_id, student_id)
				WHERE e.state = 'enrolled' ORDER BY s.family_id LIMIT 220)
			SELECT s.family_id, s.student_id, e.class_id,
				(SELECT m.user_id FROM accounts.memberships m WHERE m.family_id = s.family_id AND 'parent' = ANY (m.roles) ORDER BY m.user_id LIMIT 1)
			FROM f JOIN booking.students s USING (family_id) JOIN booking.enrolments e USING (tenant_id, student_id)
			WHERE e.state = 'enrolled' ORDER BY 1, 2, 3`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var x target
			if err := rows.Scan(&x.family, &x.student, &x.class, &x.parent); err != nil {
				t.Fatal(err)
			}
			targets = append(targets, x)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows, err = tx.Query(ctx, `SELECT c.class_id,
				((w.monday + b.weekday - 1) + b.start_time + make_interval(mins => c.individual_minutes * k)) AT TIME ZONE st.time_zone
			FROM booking.classes c JOIN booking.settings st USING (tenant_id)
			JOIN booking.availability_blocks b ON b.tenant_id = c.tenant_id AND b.teacher_id = c.teacher_id
			JOIN booking.booking_windows bw ON bw.tenant_id = c.tenant_id AND bw.window_id = $1
			JOIN booking.term_weeks w ON w.tenant_id = c.tenant_id AND w.term_id = c.term_id AND w.week_number = ANY (bw.week_numbers)
			CROSS JOIN LATERAL generate_series(0, (extract(epoch FROM b.end_time - b.start_time) / 60)::int / c.individual_minutes - 1) k
			WHERE NOT EXISTS (SELECT 1 FROM booking.term_breaks br WHERE br.term_id = c.term_id AND w.monday + b.weekday - 1 BETWEEN br.start_date AND br.end_date)
			AND NOT EXISTS (SELECT 1 FROM booking.availability_exceptions x WHERE x.teacher_id = c.teacher_id AND x.on_date = w.monday + b.weekday - 1)
			ORDER BY 1, 2`, seed.BookingWindowID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var class uuid.UUID
			var at time.Time
			if err := rows.Scan(&class, &at); err != nil {
				t.Fatal(err)
			}
			grid[class] = append(grid[class], at)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		// The three fullest classes that still have a place, each with 20
		// students not in it: more students than places.
		rows, err = tx.Query(ctx, `SELECT c.class_id, c.capacity - c.enrolled_count, s.family_id, s.student_id
			FROM (SELECT * FROM booking.classes WHERE enrolled_count < capacity ORDER BY capacity - enrolled_count, class_id LIMIT 3) c
			CROSS JOIN LATERAL (SELECT s.* FROM booking.students s WHERE NOT EXISTS (SELECT 1 FROM booking.enrolments e
				WHERE e.class_id = c.class_id AND e.student_id = s.student_id) ORDER BY s.student_id LIMIT 20) s
			ORDER BY 1, 4`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var x joiner
			if err := rows.Scan(&x.class, &x.free, &x.family, &x.student); err != nil {
				t.Fatal(err)
			}
			joiners = append(joiners, x)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows, err = tx.Query(ctx, `SELECT s.session_id, b.family_id, s.class_id,
				(SELECT m.user_id FROM accounts.memberships m WHERE m.family_id = b.family_id AND 'parent' = ANY (m.roles) ORDER BY m.user_id LIMIT 1),
				lower(s.during)
			FROM booking.sessions s JOIN booking.bookings b USING (tenant_id, booking_id)
			WHERE s.kind = 'individual' AND s.state = 'scheduled' ORDER BY s.session_id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var x booked
			if err := rows.Scan(&x.session, &x.family, &x.class, &x.parent, &x.start); err != nil {
				t.Fatal(err)
			}
			sessions = append(sessions, x)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return nil
	})
	families := map[uuid.UUID][]target{}
	var order []uuid.UUID
	for _, x := range targets {
		if len(grid[x.class]) == 0 {
			continue
		}
		if families[x.family] == nil {
			order = append(order, x.family)
		}
		families[x.family] = append(families[x.family], x)
	}
	if len(order) != 220 || len(sessions) < 220 {
		t.Fatalf("%d families with a bookable class, %d booked sessions; the seed should give 220 and at least 220", len(order), len(sessions))
	}
	tokens := map[uuid.UUID]string{}
	token := func(user uuid.UUID) string {
		if tok, ok := tokens[user]; !ok || tok == "" {
			tokens[user] = env.UserToken(t, servertest.User{ID: user, Subject: user.String()})
		}
		return tokens[user]
	}

	// The requests: two bookings per family, then a reschedule per booked
	// session of 220 of them, each at one of the first few slots of its
	// class's grid — the contested ones.
	rng := rand.New(rand.NewPCG(8, 500))
	contested := func(class uuid.UUID, week time.Time) time.Time {
		var same []time.Time
		for _, at := range grid[class] {
			if week.IsZero() || sameWeek(at, week) {
				same = append(same, at)
			}
		}
		return same[rng.IntN(min(4, len(same)))]
	}
	type request struct {
		kind   string // "book", "move" or "enrol"
		token  string
		book   *bookingv1.CreateBookingRequest
		move   *bookingv1.RescheduleSessionRequest
		enrol  *bookingv1.CreateEnrolmentRequest
		from   time.Time // a move's session start before
		target uuid.UUID // a move's session
	}
	var reqs []request
	for _, f := range order {
		for range 2 {
			x := families[f][rng.IntN(len(families[f]))]
			reqs = append(reqs, request{kind: "book", token: token(x.parent), book: &bookingv1.CreateBookingRequest{
				Parent: tn, RequestId: uuid.NewString(), Booking: &bookingv1.Booking{
					Student:   fmt.Sprintf("%s/families/%s/students/%s", tn, x.family, x.student),
					Class:     fmt.Sprintf("%s/classes/%s", tn, x.class),
					StartTime: timestamppb.New(contested(x.class, time.Time{}))}}})
		}
	}
	for _, s := range sessions[:220] {
		reqs = append(reqs, request{kind: "move", token: token(s.parent), from: s.start, target: s.session,
			move: &bookingv1.RescheduleSessionRequest{Name: fmt.Sprintf("%s/sessions/%s", tn, s.session),
				StartTime: timestamppb.New(contested(s.class, s.start))}})
	}
	// The admin meanwhile enrols 20 more students in each of three nearly
	// full classes — where TermService serves enrolments (on this
	// branch it may still be the Unimplemented stub: then the rush is
	// bookings and moves only, and the capacity check guards the seed's).
	admin := token(seed.UserID("admin@school.example"))
	// The probe enrols a student already in the class: a server answers
	// ALREADY_EXISTS and changes nothing.
	_, probe := tc.CreateEnrolment(servertest.WithBearer(ctx, admin), &bookingv1.CreateEnrolmentRequest{
		Parent:    fmt.Sprintf("%s/classes/%s", tn, targets[0].class),
		Enrolment: &bookingv1.Enrolment{Student: fmt.Sprintf("%s/families/%s/students/%s", tn, targets[0].family, targets[0].student)}})
	enrolling := status.Code(probe) != codes.Unimplemented
	if enrolling {
		for _, j := range joiners {
			reqs = append(reqs, request{kind: "enrol", token: admin, enrol: &bookingv1.CreateEnrolmentRequest{
				Parent: fmt.Sprintf("%s/classes/%s", tn, j.class), RequestId: uuid.NewString(),
				Enrolment: &bookingv1.Enrolment{Student: fmt.Sprintf("%s/families/%s/students/%s", tn, j.family, j.student)}}})
		}
	} else {
		t.Logf("TermService.CreateEnrolment is not served here (%v): no enrolments in the rush", probe)
	}
	rng.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })

	// Fire them all at once.
	type answer struct {
		err       error
		booking   *bookingv1.Booking
		session   *bookingv1.Session
		enrolment *bookingv1.Enrolment
	}
	answers := make([]answer, len(reqs))
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx, cancel := context.WithTimeout(servertest.WithBearer(ctx, r.token), 45*time.Second)
			defer cancel()
			<-gate
			switch r.kind {
			case "book":
				answers[i].booking, answers[i].err = sc.CreateBooking(rctx, r.book)
			case "move":
				answers[i].session, answers[i].err = sc.RescheduleSession(rctx, r.move)
			default:
				answers[i].enrolment, answers[i].err = tc.CreateEnrolment(rctx, r.enrol)
			}
		}()
	}
	close(gate)
	wg.Wait()

	// Every answer is OK or a declared refusal.
	outcomes := map[string]int{}
	type made struct {
		name  string
		start time.Time // as asked: the answer need not repeat it
	}
	var bookings []made
	moved, stayed := map[uuid.UUID]time.Time{}, map[uuid.UUID]time.Time{}
	enrolledNow := map[string]int{} // places the rush's enrolments took, per class
	for i, a := range answers {
		r := reqs[i]
		if a.err == nil {
			if r.kind != "enrol" {
				outcomes[r.kind+": OK"]++
			}
			switch r.kind {
			case "book":
				bookings = append(bookings, made{a.booking.GetName(), r.book.GetBooking().GetStartTime().AsTime()})
			case "move":
				moved[r.target] = r.move.GetStartTime().AsTime()
			default:
				outcomes["enrol: OK "+a.enrolment.GetState().String()]++
				if a.enrolment.GetState() == bookingv1.Enrolment_STATE_ENROLLED {
					enrolledNow[r.enrol.GetParent()]++
				}
			}
			continue
		}
		st := status.Convert(a.err)
		reason, alternatives := "", false
		for _, d := range st.Details() {
			switch d := d.(type) {
			case *errdetails.ErrorInfo:
				reason = d.GetReason()
			case *bookingv1.SlotAlternatives:
				alternatives = true
			}
		}
		outcomes[fmt.Sprintf("%s: %s %s", r.kind, st.Code(), reason)]++
		// Declared: by the booking contract, or the platform's (e.g.
		// CONCURRENT_MODIFICATION for a deadlock PostgreSQL broke).
		_, booking := bookingv1.ErrorReason_value["ERROR_REASON_"+reason]
		_, platform := typev1.ErrorReason_value["ERROR_REASON_"+reason]
		if !booking && !platform || slices.Contains([]codes.Code{codes.Internal, codes.Unknown, codes.Unavailable, codes.DeadlineExceeded}, st.Code()) {
			t.Errorf("%s: %v (reason %q): not a declared refusal", r.kind, a.err, reason)
		}
		// A clashing enrolment is SLOT_TAKEN too, with no slot to offer.
		if reason == "SLOT_TAKEN" && (st.Code() != codes.Aborted || (!alternatives && r.kind != "enrol")) {
			t.Errorf("%s: SLOT_TAKEN with code %s, alternatives detail %v; want ABORTED with one", r.kind, st.Code(), alternatives)
		}
		if r.kind == "move" {
			stayed[r.target] = r.from
		}
	}
	var keys []string
	for k := range outcomes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var report []string
	for _, k := range keys {
		report = append(report, fmt.Sprintf("%s ×%d", k, outcomes[k]))
	}
	t.Logf("%d concurrent requests from %d families: %s", len(reqs), len(order), strings.Join(report, ", "))
	if outcomes["book: OK"] == 0 || outcomes["book: Aborted SLOT_TAKEN"] == 0 || outcomes["move: Aborted SLOT_TAKEN"] == 0 {
		t.Errorf("the slots were not contested both ways: %v", outcomes)
	}
	if enrolling && (outcomes["enrol: OK STATE_ENROLLED"] == 0 || outcomes["enrol: OK STATE_WAITLISTED"] == 0) {
		t.Errorf("the places were not contested: %v", outcomes)
	}

	// The database agrees: nothing overlaps, no class is over capacity,
	// what was answered OK is there, and what was refused did not happen.
	dbtest.AsTenant(t, env.Owner, tenant, func(tx pgx.Tx) error {
		var teacher, room, student, outOfSync, overCapacity int
		if err := tx.QueryRow(ctx, doublesSQL, tenant).Scan(&teacher, &room, &student, &outOfSync); err != nil {
			t.Fatal(err)
		}
		if teacher+room+student+outOfSync != 0 {
			t.Errorf("overlapping blocking sessions: teacher %d, room %d, student %d; attendee rows out of sync %d", teacher, room, student, outOfSync)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM booking.classes c WHERE enrolled_count > capacity
			OR (SELECT count(*) FROM booking.enrolments e WHERE e.class_id = c.class_id AND e.state = 'enrolled') > capacity`).Scan(&overCapacity); err != nil {
			t.Fatal(err)
		}
		if overCapacity != 0 {
			t.Errorf("%d classes over capacity", overCapacity)
		}
		for _, b := range bookings {
			var n int
			start := b.start
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM booking.sessions s JOIN booking.session_attendees a USING (tenant_id, session_id)
				WHERE s.booking_id = $1 AND s.state = 'scheduled' AND lower(s.during) = $2 AND a.blocking`,
				uuid.MustParse(b.name[strings.LastIndex(b.name, "/")+1:]), start).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("booking %s answered OK: %d scheduled sessions with their attendee at %s, want 1", b.name, n, start)
			}
		}
		check := func(what string, want map[uuid.UUID]time.Time) {
			for id, at := range want {
				var got time.Time
				if err := tx.QueryRow(ctx, `SELECT lower(during) FROM booking.sessions WHERE session_id = $1 AND state = 'scheduled'`, id).Scan(&got); err != nil {
					t.Fatalf("session %s: %v", id, err)
				}
				if !got.Equal(at) {
					t.Errorf("%s session %s starts %s, want %s", what, id, got, at)
				}
			}
		}
		// No class took more new students than it had free places.
		for _, j := range joiners {
			if name := fmt.Sprintf("%s/classes/%s", tn, j.class); enrolledNow[name] > j.free {
				t.Errorf("class %s had %d free places and took %d", name, j.free, enrolledNow[name])
				enrolledNow[name] = 0 // once per class
			}
		}
		check("moved", moved)
		for id, at := range moved {
			var events int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM booking.session_events WHERE session_id = $1 AND action = 'rescheduled'
				AND new_start_time = $2`, id, at).Scan(&events); err != nil {
				t.Fatal(err)
			}
			if events != 1 {
				t.Errorf("moved session %s: %d 'rescheduled' events to %s in the audit trail, want 1", id, events, at)
			}
		}
		check("refused (atomic: it stays)", stayed)
		return nil
	})
}

func sameWeek(a, b time.Time) bool {
	ay, aw := a.ISOWeek()
	by, bw := b.ISOWeek()
	return ay == by && aw == bw
}

// doublesSQL counts, in the scoped tenant, pairs of overlapping blocking
// sessions per teacher and per room, overlapping blocking attendee rows per
// student, and attendee rows out of step with their session (the student
// count relies on them being equal). bench.DoublesSQL is the same check.
const doublesSQL = `SELECT
	(SELECT count(*) FROM booking.sessions a JOIN booking.sessions b ON a.tenant_id = b.tenant_id AND a.teacher_id = b.teacher_id
		AND a.session_id < b.session_id AND a.during && b.during
		WHERE a.tenant_id = $1 AND a.state = 'scheduled' AND b.state = 'scheduled' AND a.kind <> 'placeholder' AND b.kind <> 'placeholder'),
	(SELECT count(*) FROM booking.sessions a JOIN booking.sessions b ON a.tenant_id = b.tenant_id AND a.room_id = b.room_id
		AND a.session_id < b.session_id AND a.during && b.during
		WHERE a.tenant_id = $1 AND a.state = 'scheduled' AND b.state = 'scheduled' AND a.kind <> 'placeholder' AND b.kind <> 'placeholder'),
	(SELECT count(*) FROM booking.session_attendees a JOIN booking.session_attendees b ON a.tenant_id = b.tenant_id
		AND a.student_id = b.student_id AND a.session_id < b.session_id AND a.during && b.during
		WHERE a.tenant_id = $1 AND a.blocking AND b.blocking),
	(SELECT count(*) FROM booking.session_attendees a JOIN booking.sessions s USING (tenant_id, session_id)
		WHERE a.tenant_id = $1 AND (a.during <> s.during OR a.blocking <> (s.state = 'scheduled' AND s.kind <> 'placeholder')))`
