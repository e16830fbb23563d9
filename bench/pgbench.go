package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"steward.dev/db/seed"
)

// The yardsticks beneath the rush, from pgbench on the same database in the
// same run: its built-in simple-update (what this PostgreSQL does with small
// write transactions), and the booking's own write against the booking
// tables and their three exclusion constraints, prepared, one statement per
// transaction — the ceiling any CreateBooking implementation could reach.

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

func runPgbench(ctx context.Context, bin string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("pgbench %v: %w\n%s", args, err, out)
	}
	return out, nil
}

// pgbench runs a measurement and returns its tps.
func pgbench(ctx context.Context, bin string, env []string, args ...string) (float64, error) {
	out, err := runPgbench(ctx, bin, env, args...)
	if err != nil {
		return 0, err
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench %v: no tps in its output:\n%s", args, out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// pgbenchSimpleUpdate initialises pgbench's tables (scale 10) in the
// database and runs its built-in simple-update script.
func pgbenchSimpleUpdate(ctx context.Context, bin, ownerURL string, clients int, d time.Duration) (float64, error) {
	if _, err := runPgbench(ctx, bin, nil, "-i", "-q", "-s", "10", ownerURL); err != nil {
		return 0, err
	}
	return pgbench(ctx, bin, nil, "-n", "-b", "simple-update", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", "2",
		"-T", strconv.Itoa(int(d.Seconds())), ownerURL)
}

// bookingInsertScript is the booking's write in one statement: the booking,
// its individual session (under the teacher and room exclusion constraints)
// and the student's attendee row (under the student's), and the 'booked'
// event. Each transaction takes the next slot of a global sequence, 30
// minutes apart from 2030 on, so none overlaps another and every insert
// passes all three constraints' checks — the work of a successful booking.
// Its week number is the slot's own (from 1000 on, past any real week), so
// the one-session-a-week unique index is checked and passed too.
const bookingInsertScript = `\set r random(0, :targets - 1)
WITH t AS (
  SELECT tg.*, n.n, tstzrange(timestamptz '2030-01-07 00:00+00' + n.n * interval '30 minutes',
    timestamptz '2030-01-07 00:30+00' + n.n * interval '30 minutes') AS during
  FROM bench.targets tg, (SELECT nextval('bench.slot') AS n) n WHERE tg.i = :r),
b AS (
  INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, booked_by, request_id)
  SELECT tenant_id, gen_random_uuid(), family_id, student_id, class_id, 'once', booked_by, gen_random_uuid() FROM t
  RETURNING booking_id),
s AS (
  INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during, booking_id)
  SELECT t.tenant_id, gen_random_uuid(), 'individual', t.term_id, t.class_id, (1000 + t.n)::int, t.teacher_id, t.room_id, t.during, b.booking_id FROM t, b
  RETURNING session_id, during),
a AS (
  INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
  SELECT t.tenant_id, s.session_id, t.student_id, s.during, true FROM t, s)
INSERT INTO booking.session_events (tenant_id, event_id, session_id, action, actor_user_id, new_start_time, student_id)
SELECT t.tenant_id, gen_random_uuid(), s.session_id, 'booked', t.booked_by, lower(s.during), t.student_id FROM t, s;
`

// pgbenchBookingInsert runs bookingInsertScript as the runtime role with
// the school's tenant set (row-level security applies, as for the service),
// then deletes what it wrote.
func (r *rush) pgbenchBookingInsert(ctx context.Context, bin, appURL string, clients int, d time.Duration) (float64, error) {
	var targets int
	err := r.inTenant(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{
			`CREATE SCHEMA IF NOT EXISTS bench`,
			`DROP TABLE IF EXISTS bench.targets`,
			`CREATE SEQUENCE IF NOT EXISTS bench.slot`,
			// Every enrolled student of the term, with their class's
			// teacher and a room of the teacher's availability.
			`CREATE TABLE bench.targets AS
			 SELECT (row_number() OVER (ORDER BY e.student_id, e.class_id) - 1)::int AS i, e.tenant_id, s.family_id, e.student_id,
				c.class_id, c.term_id, c.teacher_id,
				(SELECT b.room_id FROM booking.availability_blocks b WHERE b.tenant_id = c.tenant_id AND b.teacher_id = c.teacher_id
					ORDER BY b.block_number LIMIT 1) AS room_id,
				(SELECT m.user_id FROM accounts.memberships m WHERE m.tenant_id = e.tenant_id AND m.family_id = s.family_id LIMIT 1) AS booked_by,
				` + strconv.Itoa(r.weeks[0]) + ` AS week
			 FROM booking.enrolments e JOIN booking.students s USING (tenant_id, student_id)
			 JOIN booking.classes c ON c.tenant_id = e.tenant_id AND c.class_id = e.class_id
			 WHERE e.state = 'enrolled' AND c.term_id = '` + seed.TermID.String() + `'`,
			`ALTER TABLE bench.targets ADD PRIMARY KEY (i)`,
			`GRANT USAGE ON SCHEMA bench TO steward_app`,
			`GRANT SELECT ON bench.targets TO steward_app`,
			`GRANT USAGE ON SEQUENCE bench.slot TO steward_app`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM bench.targets`).Scan(&targets)
	})
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "stw-pgbench-")
	if err != nil {
		return 0, err
	}
	defer removeAll(dir)()
	script := filepath.Join(dir, "booking.sql")
	if err := os.WriteFile(script, []byte(bookingInsertScript), 0o600); err != nil {
		return 0, err
	}
	tps, err := pgbench(ctx, bin, []string{"PGOPTIONS=-c app.tenant_id=" + r.tenant.String()},
		"-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(int(d.Seconds())),
		"-D", "targets="+strconv.Itoa(targets), "-f", script, appURL)
	if err != nil {
		return 0, err
	}
	// Leave the school as the seed left it.
	const yardstick = `SELECT session_id FROM booking.sessions WHERE tenant_id = $1 AND lower(during) >= '2030-01-07'`
	err = r.inTenant(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{
			`DELETE FROM booking.session_events WHERE tenant_id = $1 AND session_id IN (` + yardstick + `)`,
			`WITH d AS (DELETE FROM booking.sessions WHERE tenant_id = $1 AND session_id IN (` + yardstick + `) RETURNING booking_id)
			DELETE FROM booking.bookings WHERE tenant_id = $1 AND booking_id IN (SELECT booking_id FROM d)`,
		} {
			if _, err := tx.Exec(ctx, q, r.tenant); err != nil {
				return err
			}
		}
		return nil
	})
	return tps, err
}
