package seed_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
)

// TestSeedSchedule: the seeded school has a realistic current term around
// today (2026-12-01): breaks, numbered Monday weeks with a mixed pattern,
// 30 classes over the 8 teachers and 6 rooms, enrolments within capacity
// with a few waitlists, every session materialised as DESIGN-8 says, each
// teacher's availability, and one window open now, partly booked. Checked in
// SQL, so it holds for what `make run` serves; re-seeding later adds nothing.
func TestSeedSchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	now := time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)
	sum, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: issuer, Now: now})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	t.Logf("summary:\n%s", sum)
	sc := sum.Schedule
	if sc.TermStart != "2026-11-09" || sc.TermEnd != "2027-03-19" || sc.TimeZone != "America/Los_Angeles" || sc.TeachingWeeks != 17 {
		t.Errorf("term %s to %s in %s with %d weeks; want 2026-11-09 to 2027-03-19, America/Los_Angeles, 17 weeks",
			sc.TermStart, sc.TermEnd, sc.TimeZone, sc.TeachingWeeks)
	}
	if sc.IndividualWeeks != "3, 6, 9, 12, 15" || sc.WindowWeeks != "6, 9" {
		t.Errorf("individual weeks %q, window weeks %q; want 3, 6, 9, 12, 15 and 6, 9", sc.IndividualWeeks, sc.WindowWeeks)
	}
	if sc.Classes != 30 || sc.Waitlisted < 1 || sc.Waitlisted > 20 || sc.Enrolled < 300 || sc.Bookings < 50 {
		t.Errorf("%d classes, %d enrolled, %d waitlisted, %d bookings; want 30, >= 300, a few, >= 50", sc.Classes, sc.Enrolled, sc.Waitlisted, sc.Bookings)
	}

	owner := dbtest.Connect(t, d.OwnerURL)
	tenant := seed.SchoolTenantID
	inTenant(t, owner, tenant, uuid.Nil, func(tx pgx.Tx) {
		checks := []struct {
			what string
			sql  string
			want int
		}{
			{"weeks not numbered 1..n on Mondays", `SELECT count(*) FROM (SELECT week_number, monday,
					row_number() OVER (ORDER BY monday) AS n FROM booking.term_weeks WHERE term_id = $1) w
				WHERE week_number <> n OR extract(isodow FROM monday) <> 1`, 0},
			{"weeks wholly in a break that have a number", `SELECT count(*) FROM booking.term_weeks w JOIN booking.terms t USING (tenant_id, term_id)
				WHERE w.term_id = $1 AND NOT EXISTS (SELECT 1 FROM generate_series(greatest(w.monday, t.start_date), least(w.monday + 6, t.end_date), '1 day') g(d)
					WHERE NOT EXISTS (SELECT 1 FROM booking.term_breaks b WHERE b.term_id = w.term_id AND g.d::date BETWEEN b.start_date AND b.end_date))`, 0},
			{"Christmas week with a number", `SELECT count(*) FROM booking.term_weeks WHERE term_id = $1 AND monday = '2026-12-21'`, 0},
			{"teachers without 3+ classes", `SELECT count(*) FROM booking.teachers t WHERE (SELECT count(*) FROM booking.classes c
				WHERE c.teacher_id = t.teacher_id AND c.term_id = $1) < 3`, 0},
			{"rooms used", `SELECT count(DISTINCT room_id) FROM booking.classes WHERE term_id = $1`, 6},
			{"classes over capacity or miscounted", `SELECT count(*) FROM booking.classes c WHERE term_id = $1 AND (enrolled_count > capacity
				OR enrolled_count <> (SELECT count(*) FROM booking.enrolments e WHERE e.class_id = c.class_id AND e.state = 'enrolled'))`, 0},
			{"waitlists on classes with a free place", `SELECT count(*) FROM booking.enrolments e JOIN booking.classes c USING (tenant_id, class_id)
				WHERE e.state = 'waitlisted' AND c.enrolled_count < c.capacity`, 0},
			{"students in no class", `SELECT count(*) FROM booking.students s WHERE NOT EXISTS (SELECT 1 FROM booking.enrolments e
				WHERE e.student_id = s.student_id)`, 0},
			// One group session or placeholder per class and teaching week,
			// on the class's weekday, unless that day is a break.
			{"class weeks without their session", `SELECT count(*) FROM booking.classes c JOIN booking.term_weeks w USING (tenant_id, term_id)
				JOIN booking.terms t USING (tenant_id, term_id)
				WHERE c.term_id = $1 AND w.monday + c.weekday - 1 BETWEEN t.start_date AND t.end_date
				AND NOT EXISTS (SELECT 1 FROM booking.term_breaks b WHERE b.term_id = c.term_id AND w.monday + c.weekday - 1 BETWEEN b.start_date AND b.end_date)
				AND NOT EXISTS (SELECT 1 FROM booking.sessions s WHERE s.class_id = c.class_id AND s.week_number = w.week_number
					AND s.kind = CASE w.kind WHEN 'group' THEN 'group' ELSE 'placeholder' END)`, 0},
			{"sessions on a break day or of the wrong kind", `SELECT count(*) FROM booking.sessions s JOIN booking.term_weeks w USING (tenant_id, term_id, week_number)
				WHERE s.term_id = $1 AND ((lower(s.during) AT TIME ZONE 'America/Los_Angeles')::date IN (SELECT g::date FROM booking.term_breaks b,
					generate_series(b.start_date, b.end_date, '1 day') g WHERE b.term_id = s.term_id)
				OR (s.kind = 'group' AND w.kind <> 'group') OR (s.kind IN ('placeholder', 'individual') AND w.kind <> 'individual'))`, 0},
			// Across the DST change of 14 March 2027 too.
			{"group slots not at the class's local time", `SELECT count(*) FROM booking.sessions s JOIN booking.classes c USING (tenant_id, class_id)
				WHERE s.term_id = $1 AND s.kind IN ('group', 'placeholder') AND ((lower(s.during) AT TIME ZONE 'America/Los_Angeles')::time <> c.start_time
					OR extract(isodow FROM lower(s.during) AT TIME ZONE 'America/Los_Angeles') <> c.weekday
					OR upper(s.during) - lower(s.during) <> make_interval(mins => c.group_minutes))`, 0},
			{"group sessions whose attendees are not the enrolled students", `SELECT count(*) FROM booking.sessions s WHERE s.term_id = $1
				AND s.kind IN ('group', 'placeholder') AND (
					(SELECT array_agg(student_id ORDER BY student_id) FROM booking.session_attendees a WHERE a.session_id = s.session_id
						AND a.during = s.during AND a.blocking = (s.kind = 'group')) IS DISTINCT FROM
					(SELECT array_agg(student_id ORDER BY student_id) FROM booking.enrolments e WHERE e.class_id = s.class_id AND e.state = 'enrolled'))`, 0},
			{"teachers without availability", `SELECT count(*) FROM booking.teachers t WHERE NOT EXISTS (SELECT 1 FROM booking.availability_blocks b
				WHERE b.teacher_id = t.teacher_id)`, 0},
			{"windows open now", `SELECT count(*) FROM booking.booking_windows WHERE term_id = $1 AND open_time <= $2::timestamptz AND $2::timestamptz < close_time`, 1},
			// Every booked session: one student, enrolled in its class, in a
			// window week, on the teacher's grid inside a block (in the
			// block's room), with its booking and its 'booked' event.
			{"booked sessions not as a booking makes them", `SELECT count(*) FROM booking.sessions s JOIN booking.bookings bk USING (tenant_id, booking_id)
				JOIN booking.classes c ON c.tenant_id = s.tenant_id AND c.class_id = s.class_id
				WHERE s.term_id = $1 AND s.kind = 'individual' AND (
					NOT EXISTS (SELECT 1 FROM booking.booking_windows bw WHERE bw.window_id = $3 AND s.week_number = ANY (bw.week_numbers))
					OR (SELECT count(*) FROM booking.session_attendees a WHERE a.session_id = s.session_id AND a.student_id = bk.student_id AND a.blocking) <> 1
					OR (SELECT count(*) FROM booking.session_attendees a WHERE a.session_id = s.session_id) <> 1
					OR NOT EXISTS (SELECT 1 FROM booking.enrolments e WHERE e.class_id = s.class_id AND e.student_id = bk.student_id AND e.state = 'enrolled')
					OR (SELECT count(*) FROM booking.session_events ev WHERE ev.session_id = s.session_id AND ev.action = 'booked'
						AND ev.new_start_time = lower(s.during)) <> 1
					OR upper(s.during) - lower(s.during) <> make_interval(mins => c.individual_minutes)
					OR NOT EXISTS (SELECT 1 FROM booking.availability_blocks b WHERE b.teacher_id = s.teacher_id AND b.room_id = s.room_id
						AND b.weekday = extract(isodow FROM lower(s.during) AT TIME ZONE 'America/Los_Angeles')
						AND (lower(s.during) AT TIME ZONE 'America/Los_Angeles')::time >= b.start_time
						AND (upper(s.during) AT TIME ZONE 'America/Los_Angeles')::time <= b.end_time
						AND extract(epoch FROM (lower(s.during) AT TIME ZONE 'America/Los_Angeles')::time - b.start_time)::int % (c.individual_minutes * 60) = 0)
					OR bk.create_time > $2::timestamptz)`, 0},
			// The exclusion constraints already refused these; the check says so in the open.
			{"overlapping blocking sessions of a teacher or room", `SELECT count(*) FROM booking.sessions a JOIN booking.sessions b
				ON a.tenant_id = b.tenant_id AND a.session_id < b.session_id AND (a.teacher_id = b.teacher_id OR a.room_id = b.room_id) AND a.during && b.during
				WHERE a.state = 'scheduled' AND b.state = 'scheduled' AND a.kind <> 'placeholder' AND b.kind <> 'placeholder'`, 0},
			{"overlapping blocking sessions of a student", `SELECT count(*) FROM booking.session_attendees a JOIN booking.session_attendees b
				ON a.tenant_id = b.tenant_id AND a.student_id = b.student_id AND a.session_id < b.session_id AND a.during && b.during
				WHERE a.blocking AND b.blocking`, 0},
		}
		params := []any{seed.TermID, now, seed.BookingWindowID}
		for _, c := range checks {
			var got int
			n := 0 // PostgreSQL wants exactly as many arguments as the query uses
			for i := range params {
				if strings.Contains(c.sql, fmt.Sprintf("$%d", i+1)) {
					n = i + 1
				}
			}
			scan(t, tx, c.sql, params[:n], &got)
			if got != c.want {
				t.Errorf("%s: %d, want %d", c.what, got, c.want)
			}
		}
	})

	// The app replaces a session the seed wrote (as a pattern change may):
	// re-seeding weeks later (as `make run` does every day) must neither
	// fail on the replacement nor bring the original back, and adds nothing.
	replacement := uuid.New()
	inTenant(t, owner, tenant, uuid.Nil, func(tx pgx.Tx) {
		var n int
		scan(t, tx, `WITH old AS (DELETE FROM booking.sessions WHERE session_id = (SELECT session_id FROM booking.sessions
				WHERE term_id = $1 AND kind = 'group' ORDER BY session_id LIMIT 1) RETURNING *),
			ins AS (INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during)
				SELECT tenant_id, $2, kind, term_id, class_id, week_number, teacher_id, room_id, during FROM old RETURNING 1)
			SELECT count(*) FROM ins`, []any{seed.TermID, replacement}, &n)
		if n != 1 {
			t.Fatalf("replaced %d sessions, want 1", n)
		}
	})
	again, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: issuer, Now: now.AddDate(0, 0, 40)})
	if err != nil {
		t.Fatalf("Seed again: %v", err)
	}
	if again != sum {
		t.Errorf("re-seeding changed the summary:\n%s\nfirst:\n%s", again, sum)
	}
	inTenant(t, owner, tenant, uuid.Nil, func(tx pgx.Tx) {
		var n int
		scan(t, tx, `SELECT count(*) FROM booking.sessions a JOIN booking.sessions b USING (tenant_id, class_id, week_number)
			WHERE a.session_id = $1 AND b.kind IN ('group', 'placeholder')`, []any{replacement}, &n)
		if n != 1 {
			t.Errorf("after re-seeding, the replaced session's class week has %d sessions, want 1 (the app's)", n)
		}
	})
}
