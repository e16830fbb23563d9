package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
	"steward.dev/services/inprocess"
	"steward.dev/services/issuer/idp"
)

// The booking rush: families booking individual sessions through the
// gateway the moment a window opens, as an open loop — attempt i is sent
// at start + i/rate whether or not earlier ones have been answered, like
// people clicking, so a slow server meets a growing queue instead of a
// politely waiting load generator. Latency runs from the scheduled arrival,
// so time an attempt spent waiting to be sent counts too.

// RushOptions shape a rush run.
type RushOptions struct {
	OwnerURL, AppURL string  // a migrated, empty database; URLs libpq (pgbench) accepts too
	Attempts         int     // of the main run; default 2000
	Rate             float64 // arrivals per second of the main run; default 1000
	Families         int     // distinct families booking; default 220
	// StepRates are the arrival rates of the step search, ascending; it
	// stops at the first whose p99 reaches P99Limit and then bisects towards
	// the last that passed. Each step sends StepDuration's worth of attempts.
	StepRates    []float64
	StepDuration time.Duration // default 2s
	P99Limit     time.Duration // default 200ms
	// Pgbench is the pgbench binary for the yardsticks; "" skips them.
	Pgbench         string
	PgbenchClients  int           // default 32
	PgbenchDuration time.Duration // default 10s
	Progress        func(string)
}

// RushRun is one open-loop run at one arrival rate into a fresh window.
type RushRun struct {
	Rate     float64
	Attempts int
	// Latency from the scheduled arrival to the last byte of the answer.
	P50, P99, Max time.Duration
	// EarlyP99 is the p99 of the first tenth of the attempts by arrival,
	// LateP99 of the rest: a window's first moments, when every slot is
	// still free and the most bookings are written, against its rest.
	EarlyP99, LateP99 time.Duration
	// Outcomes counts the answers: "booked", a refusal's reason (from the
	// google.rpc.ErrorInfo detail) with its HTTP status, or the status alone
	// when no reason came with it.
	Outcomes map[string]int
	Booked   int // HTTP 200
	// SessionsBooked is what the database holds afterwards: scheduled
	// individual sessions in the window's weeks.
	SessionsBooked int
	Doubles        Doubles
	// Lag is how far behind its schedule the latest attempt was sent: the
	// load generator's own honesty check.
	Lag time.Duration
	// CPU per attempt, of the PostgreSQL backends serving the database and
	// of this process (Steward and the load generator), over the run.
	DBCPU, GoCPU time.Duration
}

// Doubles counts pairs of blocking sessions that overlap in time for the
// same teacher, room or student; all must be 0. AttendeesOutOfSync counts
// attendee rows whose time or blocking differs from their session's (the
// student check relies on them being equal).
type Doubles struct{ Teacher, Room, Student, AttendeesOutOfSync int }

// Zero reports whether nothing was double-booked.
func (d Doubles) Zero() bool { return d == Doubles{} }

// RushResult is a whole rush benchmark.
type RushResult struct {
	Main  RushRun
	Steps []RushRun
	// MaxRate is the highest step rate whose p99 stayed under P99Limit (0:
	// none did).
	MaxRate  float64
	P99Limit time.Duration
	// Serial is the service time of one attempt at a time (a closed loop,
	// one caller), by outcome: what each kind of answer costs without any
	// queue in front of it.
	Serial []SerialLatency
	// The yardsticks, measured in the same run on the same database.
	SimpleUpdateTPS, BookingInsertTPS float64
	PgbenchClients                    int
	PgbenchDuration                   time.Duration
	Families, Students, Slots         int
	WindowWeeks                       []int
}

// SerialLatency is the latency of one kind of answer sent one at a time.
type SerialLatency struct {
	Outcome  string
	Count    int
	P50, P99 time.Duration
	// Mean CPU per answer of the database's backends and of this process.
	DBCPU, GoCPU time.Duration
}

// rushTarget is an enrolled student a family books for.
type rushTarget struct {
	family, student, class, teacher uuid.UUID
	token                           string
}

type rushSlot struct {
	start time.Time
	week  int
}

type rush struct {
	database string // its name, to find its backends
	steward  *inprocess.Stack
	owner    *pgxpool.Pool
	client   *http.Client
	tenant   uuid.UUID
	window   uuid.UUID
	weeks    []int
	families [][]rushTarget            // per family, its enrolled students' classes
	slots    map[uuid.UUID][]rushSlot  // per class, its grid in the window's weeks, in time order
	teachers map[uuid.UUID][]uuid.UUID // per teacher, their classes
	progress func(string)
}

// RunRush seeds the database, starts Steward in this process, opens a fresh
// booking window for the next two individual weeks nobody has booked, and
// runs the main rush, the step search and the pgbench yardsticks.
func RunRush(ctx context.Context, o RushOptions) (RushResult, error) {
	if o.Attempts == 0 {
		o.Attempts = 2000
	}
	if o.Rate == 0 {
		o.Rate = 1000
	}
	if o.Families == 0 {
		o.Families = 220
	}
	if o.StepDuration == 0 {
		o.StepDuration = 2 * time.Second
	}
	if o.P99Limit == 0 {
		o.P99Limit = 200 * time.Millisecond
	}
	if o.PgbenchClients == 0 {
		o.PgbenchClients = 32
	}
	if o.PgbenchDuration == 0 {
		o.PgbenchDuration = 10 * time.Second
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	dataDir, err := tempDir()
	if err != nil {
		return RushResult{}, err
	}
	defer removeAll(dataDir)()
	steward, err := inprocess.Start(ctx, inprocess.Config{OwnerURL: o.OwnerURL, AppURL: o.AppURL, DataDir: dataDir,
		OpenAPI: []byte(`{"swagger":"2.0","info":{"title":"bench","version":"0"},"paths":{}}`)})
	if err != nil {
		return RushResult{}, err
	}
	defer steward.Close()
	owner, err := pgxpool.New(ctx, o.OwnerURL)
	if err != nil {
		return RushResult{}, err
	}
	defer owner.Close()
	r := &rush{steward: steward, owner: owner, tenant: seed.SchoolTenantID, progress: o.Progress,
		// One connection per attempt in flight, as that many browsers would hold.
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096}}}
	if err := owner.QueryRow(ctx, `SELECT current_database()`).Scan(&r.database); err != nil {
		return RushResult{}, err
	}
	if err := r.prepare(ctx, o.Families); err != nil {
		return RushResult{}, err
	}
	res := RushResult{P99Limit: o.P99Limit, Families: len(r.families), WindowWeeks: r.weeks,
		PgbenchClients: o.PgbenchClients, PgbenchDuration: o.PgbenchDuration}
	for _, f := range r.families {
		res.Students += len(f)
	}
	for _, s := range r.slots {
		res.Slots += len(s)
	}
	// A window opens on a database that has been in use: its statistics
	// are current and autovacuum has nothing left from the seeding to do.
	// Right after seeding it would, in the middle of the first run.
	if _, err := owner.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return res, err
	}
	if err := r.warm(ctx); err != nil {
		return res, err
	}

	if res.Main, err = r.run(ctx, o.Rate, o.Attempts); err != nil {
		return res, err
	}
	o.Progress(describeRun("main", res.Main))
	// Up the rates until one fails, then halve the gap between the last
	// that passed and the first that failed, up to three times.
	step := func(rate float64) (bool, error) {
		run, err := r.run(ctx, rate, max(200, int(rate*o.StepDuration.Seconds())))
		if err != nil {
			return false, err
		}
		o.Progress(describeRun("step", run))
		res.Steps = append(res.Steps, run)
		return run.P99 < o.P99Limit, nil
	}
	var pass, fail float64
	for _, rate := range o.StepRates {
		ok, err := step(rate)
		if err != nil {
			return res, err
		}
		if !ok {
			fail = rate
			break
		}
		pass = rate
	}
	for range 3 {
		if fail == 0 || fail-pass <= max(pass, 50)/10 {
			break
		}
		mid := (pass + fail) / 2
		ok, err := step(mid)
		if err != nil {
			return res, err
		}
		if ok {
			pass = mid
		} else {
			fail = mid
		}
	}
	for _, s := range res.Steps {
		if s.P99 < o.P99Limit && s.Rate > res.MaxRate {
			res.MaxRate = s.Rate
		}
	}
	slices.SortFunc(res.Steps, func(a, b RushRun) int { return int(a.Rate - b.Rate) })

	if res.Serial, err = r.serial(ctx, 400); err != nil {
		return res, err
	}
	if o.Pgbench != "" {
		if res.SimpleUpdateTPS, err = pgbenchSimpleUpdate(ctx, o.Pgbench, o.OwnerURL, o.PgbenchClients, o.PgbenchDuration); err != nil {
			return res, err
		}
		o.Progress(fmt.Sprintf("pgbench simple-update: %.0f tps", res.SimpleUpdateTPS))
		if res.BookingInsertTPS, err = r.pgbenchBookingInsert(ctx, o.Pgbench, o.AppURL, o.PgbenchClients, o.PgbenchDuration); err != nil {
			return res, err
		}
		o.Progress(fmt.Sprintf("pgbench booking insert: %.0f tps", res.BookingInsertTPS))
	}
	return res, nil
}

func describeRun(what string, r RushRun) string {
	return fmt.Sprintf("%s %5.0f/s × %d: p50 %s p99 %s, %d booked, lag %s, CPU/attempt db %s go %s, doubles %+v, %v",
		what, r.Rate, r.Attempts, r.P50.Round(time.Millisecond/10), r.P99.Round(time.Millisecond/10), r.Booked, r.Lag.Round(time.Millisecond),
		r.DBCPU.Round(time.Microsecond*10), r.GoCPU.Round(time.Microsecond*10), r.Doubles, r.Outcomes)
}

// inTenant runs fn in a transaction scoped to the school.
func (r *rush) inTenant(ctx context.Context, fn func(pgx.Tx) error) error {
	return dbtest.InScope(ctx, r.owner, dbtest.Scope{TenantID: r.tenant}, fn)
}

// prepare picks the window's weeks (the next two individual weeks more
// than a week ahead that no window opens yet), creates the window (closed
// until a run opens it), picks the families and their enrolled students,
// computes each class's grid of slots in those weeks from its teacher's
// availability, and mints each family's parent a token.
func (r *rush) prepare(ctx context.Context, families int) error {
	type row struct {
		family, student, class, teacher, parent uuid.UUID
	}
	var rows []row
	err := r.inTenant(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(week_number ORDER BY week_number), '{}') FROM (
				SELECT w.week_number FROM booking.term_weeks w WHERE w.tenant_id = $1 AND w.term_id = $2 AND w.kind = 'individual'
				AND w.monday > current_date + 7
				AND NOT EXISTS (SELECT 1 FROM booking.booking_windows bw WHERE bw.tenant_id = $1 AND w.week_number = ANY (bw.week_numbers))
				ORDER BY w.week_number LIMIT 2) x`, r.tenant, seed.TermID).Scan(&r.weeks); err != nil {
			return fmt.Errorf("pick weeks: %w", err)
		}
		if len(r.weeks) == 0 {
			return fmt.Errorf("the seeded term has no unwindowed individual week ahead")
		}
		r.window = uuid.New()
		if _, err := tx.Exec(ctx, `INSERT INTO booking.booking_windows (tenant_id, window_id, term_id, week_numbers, open_time, close_time)
			VALUES ($1, $2, $3, $4, now() + interval '1 day', now() + interval '2 days')`, r.tenant, r.window, seed.TermID, r.weeks); err != nil {
			return fmt.Errorf("create window: %w", err)
		}
		// The first families (by id) with an enrolled student, and their parent.
		rs, err := tx.Query(ctx, `WITH f AS (
				SELECT DISTINCT s.family_id FROM booking.students s JOIN booking.enrolments e USING (tenant_id, student_id)
				WHERE s.tenant_id = $1 AND e.state = 'enrolled' ORDER BY s.family_id LIMIT $2)
			SELECT s.family_id, s.student_id, c.class_id, c.teacher_id,
				(SELECT m.user_id FROM accounts.memberships m WHERE m.tenant_id = $1 AND m.family_id = s.family_id
					AND 'parent' = ANY (m.roles) ORDER BY m.user_id LIMIT 1)
			FROM f JOIN booking.students s ON s.tenant_id = $1 AND s.family_id = f.family_id
			JOIN booking.enrolments e ON e.tenant_id = $1 AND e.student_id = s.student_id AND e.state = 'enrolled'
			JOIN booking.classes c ON c.tenant_id = $1 AND c.class_id = e.class_id
			ORDER BY s.family_id, s.student_id, c.class_id`, r.tenant, families)
		if err != nil {
			return err
		}
		for rs.Next() {
			var x row
			if err := rs.Scan(&x.family, &x.student, &x.class, &x.teacher, &x.parent); err != nil {
				return err
			}
			rows = append(rows, x)
		}
		if err := rs.Err(); err != nil {
			return err
		}
		// Each class's grid: individual_minutes from every block start, on
		// the window's weeks' days that are no break and no exception.
		r.slots, r.teachers = map[uuid.UUID][]rushSlot{}, map[uuid.UUID][]uuid.UUID{}
		rs, err = tx.Query(ctx, `SELECT c.class_id, c.teacher_id, w.week_number,
				((w.monday + b.weekday - 1) + b.start_time + make_interval(mins => c.individual_minutes * k)) AT TIME ZONE st.time_zone
			FROM booking.classes c
			JOIN booking.settings st ON st.tenant_id = c.tenant_id
			JOIN booking.availability_blocks b ON b.tenant_id = c.tenant_id AND b.teacher_id = c.teacher_id
			JOIN booking.term_weeks w ON w.tenant_id = c.tenant_id AND w.term_id = c.term_id AND w.week_number = ANY ($3)
			CROSS JOIN LATERAL generate_series(0, (extract(epoch FROM b.end_time - b.start_time) / 60)::int / c.individual_minutes - 1) k
			WHERE c.tenant_id = $1 AND c.term_id = $2
			AND NOT EXISTS (SELECT 1 FROM booking.term_breaks br WHERE br.tenant_id = c.tenant_id AND br.term_id = c.term_id
				AND w.monday + b.weekday - 1 BETWEEN br.start_date AND br.end_date)
			AND NOT EXISTS (SELECT 1 FROM booking.availability_exceptions x WHERE x.tenant_id = c.tenant_id AND x.teacher_id = c.teacher_id
				AND x.on_date = w.monday + b.weekday - 1)
			ORDER BY 1, 4`, r.tenant, seed.TermID, r.weeks)
		if err != nil {
			return err
		}
		for rs.Next() {
			var class, teacher uuid.UUID
			var s rushSlot
			if err := rs.Scan(&class, &teacher, &s.week, &s.start); err != nil {
				return err
			}
			if len(r.slots[class]) == 0 {
				r.teachers[teacher] = append(r.teachers[teacher], class)
			}
			r.slots[class] = append(r.slots[class], s)
		}
		return rs.Err()
	})
	if err != nil {
		return fmt.Errorf("prepare the rush: %w", err)
	}
	kid, err := idp.KeyID(&r.steward.SigningKey.PublicKey)
	if err != nil {
		return err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: r.steward.SigningKey, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return err
	}
	tokens := map[uuid.UUID]string{}
	index := map[uuid.UUID]int{}
	for _, x := range rows {
		if _, ok := tokens[x.family]; !ok {
			// Signed with the issuer's key as its password grant would: the
			// rush measures booking, not logging in (bcrypt cost 12).
			now := time.Now()
			tok, err := jwt.Signed(signer).Claims(struct {
				jwt.Claims
				ClientID string `json:"client_id"`
			}{jwt.Claims{Issuer: r.steward.IssuerURL, Subject: x.parent.String(), Audience: jwt.Audience{inprocess.Audience},
				IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
				Expiry: jwt.NewNumericDate(now.Add(2 * time.Hour)), ID: uuid.NewString()}, inprocess.LoginClient}).Serialize()
			if err != nil {
				return err
			}
			tokens[x.family] = tok
			index[x.family] = len(r.families)
			r.families = append(r.families, nil)
		}
		if len(r.slots[x.class]) == 0 {
			continue
		}
		i := index[x.family]
		r.families[i] = append(r.families[i], rushTarget{family: x.family, student: x.student, class: x.class, teacher: x.teacher, token: tokens[x.family]})
	}
	return nil
}

// warm has every family look at their bookings once before the window
// opens, as families waiting for it would: connections, the verified-token
// and membership caches are warm, as they would be. The families look at
// once, each on a connection of its own (one after another they would all
// reuse one, and the rush would open the rest while it is measured).
func (r *rush) warm(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(r.families))
	for i, f := range r.families {
		if len(f) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.look(ctx, f[0].token)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// look lists the bookings of the family whose parent's token it is.
func (r *rush) look(ctx context.Context, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.steward.GatewayURL+"/v1/tenants/"+r.tenant.String()+"/bookings", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("warm-up: a family's token is refused: HTTP %d", resp.StatusCode)
	}
	return nil
}

// An attempt is one family's click on "book".
type attempt struct {
	token string
	url   string
	body  []byte
}

// attempts generates n attempts, round-robin over the families so every
// one takes part. Most are valid and contested: the slot is drawn from its
// class's grid with a strong bias to the earliest (after-school) slots, so
// many families go for the same few. A few are not valid, as real clicks
// are not: off the grid (OUTSIDE_AVAILABILITY), for a class the student is
// not in (NOT_ENROLLED), a week the window does not open (WINDOW_CLOSED or
// NOT_INDIVIDUAL_WEEK).
func (r *rush) attempts(n int, seedValue uint64) []attempt {
	rng := rand.New(rand.NewPCG(seedValue, 0x5eed))
	var active [][]rushTarget
	for _, f := range r.families {
		if len(f) > 0 {
			active = append(active, f)
		}
	}
	var classes []uuid.UUID
	for c := range r.slots {
		classes = append(classes, c)
	}
	slices.SortFunc(classes, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	out := make([]attempt, n)
	for i := range out {
		f := active[i%len(active)]
		tg := f[rng.IntN(len(f))]
		class := tg.class
		slots := r.slots[class]
		u := rng.Float64()
		s := slots[int(float64(len(slots))*u*u*u)]
		start := s.start
		switch p := rng.IntN(100); {
		case p < 3:
			start = start.Add(10 * time.Minute)
		case p < 5:
			for _, other := range classes {
				if r.slots[other][0].start != slots[0].start && other != class {
					class = other
					start = r.slots[other][rng.IntN(len(r.slots[other]))].start
					break
				}
			}
		case p < 7:
			start = start.AddDate(0, 0, -7) // the week before: a group week
		}
		body, _ := json.Marshal(map[string]string{
			"student":   fmt.Sprintf("tenants/%s/families/%s/students/%s", r.tenant, tg.family, tg.student),
			"class":     fmt.Sprintf("tenants/%s/classes/%s", r.tenant, class),
			"startTime": start.UTC().Format(time.RFC3339),
		})
		id := uuid.UUID{}
		for k := range id {
			id[k] = byte(rng.Uint32())
		}
		id[6], id[8] = id[6]&0x0f|0x40, id[8]&0x3f|0x80 // a version-4 UUID
		out[i] = attempt{token: tg.token, body: body,
			url: r.steward.GatewayURL + "/v1/tenants/" + r.tenant.String() + "/bookings?request_id=" + id.String()}
	}
	return out
}

// reset empties the window's weeks of the previous run's bookings, vacuums
// what that left dead (else each run would scan more dead index entries
// than the one before it) and opens the window now, so every run meets the
// same fresh window.
func (r *rush) reset(ctx context.Context) error {
	err := r.inTenant(ctx, func(tx pgx.Tx) error {
		const mine = `SELECT session_id FROM booking.sessions WHERE tenant_id = $1 AND term_id = $2
			AND kind IN ('individual', 'makeup') AND week_number = ANY ($3)`
		for _, q := range []string{
			`DELETE FROM booking.session_events WHERE tenant_id = $1 AND session_id IN (` + mine + `)`,
			`UPDATE booking.makeup_credits SET used_session_id = NULL WHERE tenant_id = $1 AND used_session_id IN (` + mine + `)`,
			// A booking goes with its sessions unless it has others elsewhere.
			`WITH d AS (DELETE FROM booking.sessions WHERE tenant_id = $1 AND session_id IN (` + mine + `) RETURNING booking_id)
			DELETE FROM booking.bookings b WHERE tenant_id = $1 AND booking_id IN (SELECT booking_id FROM d)
				AND NOT EXISTS (SELECT 1 FROM booking.sessions s WHERE s.tenant_id = $1 AND s.booking_id = b.booking_id
					AND NOT (s.kind IN ('individual', 'makeup') AND s.week_number = ANY ($3)))`,
		} {
			if _, err := tx.Exec(ctx, q, r.tenant, seed.TermID, r.weeks); err != nil {
				return fmt.Errorf("reset: %w", err)
			}
		}
		_, err := tx.Exec(ctx, `UPDATE booking.booking_windows SET open_time = now() - interval '1 second', close_time = now() + interval '1 day',
			revision = revision + 1, update_time = now() WHERE tenant_id = $1 AND window_id = $2`, r.tenant, r.window)
		return err
	})
	if err != nil {
		return err
	}
	_, err = r.owner.Exec(ctx, `VACUUM (ANALYZE) booking.sessions, booking.session_attendees, booking.bookings, booking.session_events`)
	return err
}

type answer struct {
	outcome string
	booked  bool
	latency time.Duration
}

// run resets the window and sends n attempts at rate per second, open loop.
func (r *rush) run(ctx context.Context, rate float64, n int) (RushRun, error) {
	if err := r.reset(ctx); err != nil {
		return RushRun{}, err
	}
	attempts := r.attempts(n, uint64(n)+uint64(rate))
	answers := make([]answer, n)
	db0, go0 := backendsCPU(r.database), processCPU()
	var wg sync.WaitGroup
	start := time.Now().Add(20 * time.Millisecond)
	var lag time.Duration
	for i := range attempts {
		at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		} else if -d > lag {
			lag = -d
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = r.send(ctx, attempts[i], at)
		}()
	}
	wg.Wait()
	res := RushRun{Rate: rate, Attempts: n, Outcomes: map[string]int{}, Lag: lag,
		DBCPU: (backendsCPU(r.database) - db0) / time.Duration(n), GoCPU: (processCPU() - go0) / time.Duration(n)}
	lat := make([]time.Duration, n)
	for i, a := range answers {
		lat[i] = a.latency
		res.Outcomes[a.outcome]++
		if a.booked {
			res.Booked++
		}
	}
	early := max(n/10, 1)
	res.EarlyP99, res.LateP99 = p99(lat[:early]), p99(lat[early:])
	slices.Sort(lat)
	res.P50, res.P99, res.Max = lat[n/2], lat[n*99/100], lat[n-1]
	var err error
	if res.Doubles, err = CheckDoubles(ctx, r.owner, r.tenant); err != nil {
		return res, err
	}
	err = r.inTenant(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM booking.sessions WHERE tenant_id = $1 AND term_id = $2
			AND kind = 'individual' AND state = 'scheduled' AND week_number = ANY ($3)`, r.tenant, seed.TermID, r.weeks).Scan(&res.SessionsBooked)
	})
	return res, err
}

// p99 is the 99th percentile of l (0 for none), which it leaves unsorted.
func p99(l []time.Duration) time.Duration {
	if len(l) == 0 {
		return 0
	}
	l = slices.Clone(l)
	slices.Sort(l)
	return l[len(l)*99/100]
}

// serial resets the window and sends n attempts one after another.
func (r *rush) serial(ctx context.Context, n int) ([]SerialLatency, error) {
	if err := r.reset(ctx); err != nil {
		return nil, err
	}
	by := map[string][]time.Duration{}
	dbCPU, goCPU := map[string]time.Duration{}, map[string]time.Duration{}
	for _, a := range r.attempts(n, 7) {
		// Scanning /proc costs this process CPU too: outside go0..go1.
		db0 := backendsCPU(r.database)
		go0 := processCPU()
		ans := r.send(ctx, a, time.Now())
		go1 := processCPU()
		db1 := backendsCPU(r.database)
		kind := ans.outcome
		if !ans.booked && !strings.HasPrefix(kind, "SLOT_TAKEN") {
			kind = "other refusals"
		}
		by[kind] = append(by[kind], ans.latency)
		dbCPU[kind] += db1 - db0
		goCPU[kind] += go1 - go0
	}
	var out []SerialLatency
	for _, k := range []string{"booked", "SLOT_TAKEN (409)", "other refusals"} {
		if l := by[k]; len(l) > 0 {
			slices.Sort(l)
			n := time.Duration(len(l))
			out = append(out, SerialLatency{Outcome: k, Count: len(l), P50: l[len(l)/2], P99: l[len(l)*99/100],
				DBCPU: dbCPU[k] / n, GoCPU: goCPU[k] / n})
		}
	}
	return out, nil
}

// send makes one attempt and classifies its answer.
func (r *rush) send(ctx context.Context, a attempt, at time.Time) answer {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(a.body))
	if err != nil {
		return answer{outcome: "client error", latency: time.Since(at)}
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return answer{outcome: "transport error", latency: time.Since(at)}
	}
	raw, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	lat := time.Since(at)
	if err != nil {
		return answer{outcome: "transport error", latency: lat}
	}
	if resp.StatusCode == http.StatusOK {
		return answer{outcome: "booked", booked: true, latency: lat}
	}
	var body struct {
		Status  string `json:"status"`
		Details []struct {
			Type   string `json:"@type"`
			Reason string `json:"reason"`
		} `json:"details"`
	}
	_ = json.Unmarshal(raw, &body)
	for _, d := range body.Details {
		if d.Reason != "" && d.Type == "type.googleapis.com/google.rpc.ErrorInfo" {
			return answer{outcome: fmt.Sprintf("%s (%d)", d.Reason, resp.StatusCode), latency: lat}
		}
	}
	return answer{outcome: fmt.Sprintf("%s without a reason (%d)", body.Status, resp.StatusCode), latency: lat}
}

// DoublesSQL counts overlapping blocking sessions per teacher and per room,
// overlapping blocking attendee rows per student, and attendee rows out of
// step with their session, in the scoped tenant.
const DoublesSQL = `SELECT
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

// CheckDoubles runs DoublesSQL for tenant over an owner connection.
func CheckDoubles(ctx context.Context, owner dbtest.Beginner, tenant uuid.UUID) (Doubles, error) {
	var d Doubles
	err := dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: tenant}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, DoublesSQL, tenant).Scan(&d.Teacher, &d.Room, &d.Student, &d.AttendeesOutOfSync)
	})
	if err != nil {
		return d, fmt.Errorf("check double bookings: %w", err)
	}
	return d, nil
}
