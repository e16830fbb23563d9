package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// The rush's section of bench/README.md lies between these markers, so the
// two benchmarks each rewrite their own part of the one file.
const (
	RushBegin = "<!-- rush:begin (written by make bench-rush) -->"
	RushEnd   = "<!-- rush:end -->"
)

// RushTarget is the goal for the main run's p99.
const RushTarget = 100 * time.Millisecond

// RushEnvironment describes where a rush ran.
type RushEnvironment struct {
	When     time.Time
	Command  string
	CPU      int
	Postgres string
	// LoadBefore and LoadAfter are /proc/loadavg's 1-minute figure around
	// the run: other work on the machine shows there.
	LoadBefore, LoadAfter string
}

// LoadAverage is the 1-minute load average, or "?".
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// WriteRushMarkdown writes the rush's README section, markers included.
func WriteRushMarkdown(w io.Writer, env RushEnvironment, r RushResult) error {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	m := r.Main
	p("%s\n## The booking rush (CreateBooking through the gateway, open loop)\n\n", RushBegin)
	p("Reproduce with:\n\n```sh\n%s\n```\n\n", env.Command)
	p("Last run %s on %d CPUs, PostgreSQL %s (the throwaway cluster of db/cluster: fsync, synchronous_commit and\n", env.When.UTC().Format("2006-01-02 15:04 UTC"), env.CPU, env.Postgres)
	p("full_page_writes off, as for every test and benchmark here), one in-process Steward (issuer, every\n")
	p("gRPC service, the gateway) on the seeded school. The load generator, Steward and PostgreSQL share the CPUs\n")
	p("(1-minute load average %s before the run, %s after: anything above what the run itself adds is other work on the machine).\n\n",
		env.LoadBefore, env.LoadAfter)
	p("**Main run: %d attempts at %.0f arrivals/s** from %d families (%d enrolled student–class pairs) into a freshly\n",
		m.Attempts, m.Rate, r.Families, r.Students)
	p("opened window for weeks %s (%d slots on the teachers' grids).\n\n", joinWeeks(r.WindowWeeks), r.Slots)
	verdict := "met"
	if m.P99 >= RushTarget {
		verdict = "**missed**"
	}
	p("| p50 | p99 | max | p99: first tenth / rest | booked (HTTP 200) | sessions in the DB | double bookings | send lag | CPU/attempt: PostgreSQL | CPU/attempt: Go | target p99 < %s |\n", ms(RushTarget))
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	p("| %s | %s | %s | %s / %s | %d | %d | %s | %s | %s | %s | %s |\n\n", ms(m.P50), ms(m.P99), ms(m.Max), ms(m.EarlyP99), ms(m.LateP99),
		m.Booked, m.SessionsBooked, describeDoubles(m.Doubles), ms(m.Lag), msf(m.DBCPU), msf(m.GoCPU), verdict)
	p("*First tenth / rest*: the p99 of the attempts that arrived in the window's first tenth of the run (every slot still\n")
	p("free, most of the bookings written) and of the rest.\n\n")
	p("CPU per attempt is the CPU time the database's backends and this process (Steward and the load generator) used over\n")
	p("the run, divided by the attempts: unlike latency, other work on the machine hardly changes it.\n\n")
	p("Answers by outcome (refusals by the `reason` of their `google.rpc.ErrorInfo` detail, with the HTTP status):\n\n")
	p("| Outcome | Count |\n|---|---:|\n")
	for _, k := range sortedKeys(m.Outcomes) {
		p("| %s | %d |\n", k, m.Outcomes[k])
	}
	p("\n**Step search** for the highest arrival rate whose p99 stays under %s (each step a fresh window):\n\n", ms(r.P99Limit))
	p("| Arrivals/s | Attempts | p50 | p99 | booked | double bookings | send lag | CPU/attempt: PostgreSQL | CPU/attempt: Go |\n")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Steps {
		p("| %.0f | %d | %s | %s | %d | %s | %s | %s | %s |\n", s.Rate, s.Attempts, ms(s.P50), ms(s.P99), s.Booked, describeDoubles(s.Doubles),
			ms(s.Lag), msf(s.DBCPU), msf(s.GoCPU))
	}
	switch {
	case r.MaxRate > 0 && m.Rate > r.MaxRate:
		p("\nHighest rate with p99 < %s: **%.0f arrivals/s**; the main run offered %.1f× that, so its latencies measure the\n",
			ms(r.P99Limit), r.MaxRate, m.Rate/r.MaxRate)
		p("queue that builds when arrivals outpace service, not the service time (for that, see one at a time below).\n\n")
	case r.MaxRate > 0:
		p("\nHighest rate with p99 < %s: **%.0f arrivals/s**, at or above the main run's. The main run is the first to book on a\n",
			ms(r.P99Limit), r.MaxRate)
		p("freshly started Steward, whose connections were warmed as they opened (below); each step's window opens right\n")
		p("after the harness vacuumed and analyzed the booking tables the step before wrote, so every connection plans the\n")
		p("booking statements once more in its first moments.\n\n")
	default:
		p("\nNo step kept p99 under %s.\n\n", ms(r.P99Limit))
	}
	if len(r.Serial) > 0 {
		p("**One at a time** (a closed loop, one caller, fresh window): the service time of each kind of answer with no queue in front:\n\n")
		p("| Answer | Count | p50 | p99 | CPU/answer: PostgreSQL | CPU/answer: Go |\n|---|---:|---:|---:|---:|---:|\n")
		for _, s := range r.Serial {
			p("| %s | %d | %s | %s | %s | %s |\n", s.Outcome, s.Count, ms(s.P50), ms(s.P99), msf(s.DBCPU), msf(s.GoCPU))
		}
		p("\n")
	}
	if r.BookingInsertTPS > 0 {
		p("**Yardsticks**, pgbench on the same database in the same run (-c %d -j 2, %s each, prepared):\n\n", r.PgbenchClients, r.PgbenchDuration)
		p("| Yardstick | TPS | rush capacity (%.0f/s) as a ratio |\n|---|---:|---:|\n", r.MaxRate)
		p("| pgbench built-in simple-update | %.0f | %s |\n", r.SimpleUpdateTPS, ratio(r.MaxRate, r.SimpleUpdateTPS))
		p("| the booking's own write: bookings + sessions (teacher, room exclusion) + session_attendees (student exclusion) + the 'booked' event, one statement — the ceiling | %.0f | %s |\n\n",
			r.BookingInsertTPS, ratio(r.MaxRate, r.BookingInsertTPS))
		p("The ceiling spends about %s of CPU per booking (%d CPUs ÷ its TPS, pgbench's client included); the rush spends %s\n",
			msf(time.Duration(float64(env.CPU)*float64(time.Second)/r.BookingInsertTPS)), env.CPU, msf(m.DBCPU+m.GoCPU))
		p("per attempt (PostgreSQL + Go, main run).\n\n")
	}
	p("**What the booking path does** (since 2026-12-01; before, the same benchmark measured p50 1028.8 ms and p99 3113.0 ms\n")
	p("at 1,000 arrivals/s, 400 arrivals/s within p99 200 ms, 2.91 + 1.22 ms of CPU per attempt, 0.11 of the ceiling; the run\n")
	p("of 2026-12-01 12:32 UTC, before the busy read by start, generic plans, binary ids, stream workers and eager validation rules, measured p50\n")
	p("42.5 ms, p99 304.5 ms, 1.06 + 0.72 ms of CPU per attempt at load average 3.5–8):\n\n")
	p("- **One read** (`BookingContext`) answers everything CreateBooking decides before writing: whether the request_id\n")
	p("  booked already, whether the caller reaches the student, the class's slot rules (weeks, breaks and blocks as arrays,\n")
	p("  not JSON) and what blocks the student's slots a week either side of the one asked for. It replaced five statements\n")
	p("  in an explicit transaction (BEGIN, the request_id, student and rules reads, the booking row) and, for SLOT_TAKEN, a\n")
	p("  second rules/busy read after the rollback.\n")
	p("- **What is busy is found by start** (`starts_at`, a stored generated `lower(during)`, btree per teacher, room and\n")
	p("  student): under row-level security PostgreSQL uses only leakproof operators as index conditions and a range's `&&`\n")
	p("  is not one, so the exclusion constraints' gist indexes gave every session the teacher, room or student ever had\n")
	p("  and `&&` filtered them row by row. No session lasts over 8 hours, so an overlap starts in [from − 8 h, to).\n")
	p("  BookingContext's execution went from 0.58 to 0.27 ms on the seeded school (since 2026-12-01, 13:50 UTC).\n")
	p("- **Generic plans from the first call** (`tenantdb.GenericPlans`: plan_cache_mode for the statement's transaction):\n")
	p("  PostgreSQL plans a prepared statement's first five executions on each connection for their parameters; for\n")
	p("  BookingContext that was about 2.5 ms of planning each against 0.45 ms of running, on every connection of the pool,\n")
	p("  just as the rush begins. It settles on the generic plans of both statements anyway.\n")
	p("- **A slot visibly taken is refused at once** with its nearest free slots computed from that read: most SLOT_TAKEN\n")
	p("  answers cost one round trip and no write, rollback or dead tuple; so does ALREADY_BOOKED_THIS_WEEK when the read\n")
	p("  shows the student's own session of the class in that week. Everything else goes to the database.\n")
	p("- **One write** (`CreateBookedSlot`: booking, session, attendee, event in one statement, an implicit transaction): the\n")
	p("  exclusion constraints still decide every slot that looked free; an overlap (23P01) is SLOT_TAKEN with the read's\n")
	p("  alternatives minus that slot. Writers of one teacher or student take turns (transaction-scoped advisory locks\n")
	p("  taken before the first session row), so two inserts of overlapping entries no longer wait for each other until\n")
	p("  deadlock_timeout; a deadlock that still happens (40P01) is sent again by tenantdb's Scoped executor, up to three\n")
	p("  times in all, then SLOT_TAKEN. A series uses the array form (`CreateBookedSlots`), a make-up credit the same write\n")
	p("  in a transaction with the credit's use. The one-slot form exists because PostgreSQL re-plans the array form on\n")
	p("  every call.\n")
	p("- **Connections are warmed as they open** (`tenantdb.Warm`, booking's `WarmConn`; `grpcserver.Bootstrap` opens\n")
	p("  `pool_min_conns` of them, at least one, before the service is ready): a backend's first run of a statement loads the\n")
	p("  catalog entries of every table, index, policy and trigger it touches and plans it — BookingContext's first run\n")
	p("  took 9–28 ms against 0.4–0.9 ms after, CreateBookedSlot's 3–13 ms against 0.5–0.8 ms, on every connection of the\n")
	p("  pool in a rush's first moments. Each new connection now runs both once, for a tenant that does not exist, in a\n")
	p("  transaction rolled back (the write is refused by its foreign keys, after planning, triggers and constraints).\n")
	p("- **Hot statements stay prepared**: pgx deallocates a statement of its cache whenever a run of it fails, a\n")
	p("  constraint's refusal too, and every statement of that batch with it, so each write that lost a race (23P01) had\n")
	p("  the next booking on its connection prepare and plan CreateBookedSlot and the scope statement again: 104–113 and\n")
	p("  529–558 plans in one main run (pg_stat_statements). What a warm-up runs is prepared under its own SQL as the\n")
	p("  name, which pgx never deallocates: 16 and 0, one per connection (2026-12-01, 16:10 UTC). Latency A/B runs that\n")
	p("  day met a machine at load average 9–15 from other work, where no run kept up with 1,000/s: in four pairs the\n")
	p("  first tenth's p50 went from 1.0–2.2 s to 0.04–0.42 s and PostgreSQL's CPU per attempt from 0.95–1.04 to\n")
	p("  0.67–0.96 ms; three more pairs at load 10–12 were mixed (0.51–4.0 s against 0.53–1.4 s).\n")
	p("- **Ids travel as 16 bytes** (`tenantdb.RegisterUUID` on every pool connection): pgx knew google/uuid only as a\n")
	p("  driver.Valuer, so each id parameter became a string, failed to encode as binary (an error built with fmt.Errorf)\n")
	p("  and was parsed back — 20 allocations an id, about 6 %% of the Go CPU of a booking.\n")
	p("- **gRPC calls run on long-lived goroutines** (`grpc.NumStreamWorkers`): a goroutine per call grew its stack through\n")
	p("  the interceptors, protovalidate and pgx every time (3–7 %% of the Go CPU in runtime.newstack), and every method's\n")
	p("  validation rules are compiled when the server starts: lazily, a window's first CreateBookings waited while they were.\n")
	p("- The alternatives are built from the taken slot's day outwards (`Rules.NearestFree`), stopping once no further day\n")
	p("  can hold a nearer free slot, instead of building a fortnight's grids; time zones are loaded once per process\n")
	p("  (`time.LoadLocation` read the zoneinfo file on every request).\n\n")
	p("How it works:\n\n")
	p("- **Open loop**: attempt *i* is sent at start + *i*/rate by its own goroutine, answered or not; latency runs from that\n")
	p("  scheduled instant to the answer's last byte, so queueing anywhere (including in the load generator) counts. *Send lag*\n")
	p("  is how far behind schedule the latest attempt left.\n")
	p("- **Attempts**: round-robin over the families; each picks one of its enrolled student–class pairs and a slot of that\n")
	p("  class's grid (individual_minutes from each availability block start) in the window's weeks, biased hard towards\n")
	p("  the earliest slots (index = ⌊n·u³⌋), so many families want the same few. 93%% are valid in every other respect; 3%% are\n")
	p("  off the grid, 2%% for a class the student is not in, 2%% in the week before (a group week). Each has its own request_id.\n")
	p("- **Tokens**: each family's parent's, signed with the issuer's key exactly as its password grant would (the rush\n")
	p("  measures booking, not logging in); every family lists its bookings once before the window opens, all at once, each\n")
	p("  on a keep-alive connection of its own (warm connections and token caches, as families waiting for the window would\n")
	p("  have; until 2026-12-01 they did so one after another, warming a single connection).\n")
	p("- **Load generator**: one goroutine and one keep-alive connection per attempt in flight. Its own share of this process's\n")
	p("  CPU was about 10 %% (sending, reading and parsing the answers, the HTTP client's connection loops) in a CPU profile of\n")
	p("  runs at 400 arrivals/s on 2026-12-01 (`go run ./bench/cmd/steward-rush -cpuprofile f` profiles the whole command).\n")
	p("- **Window**: the harness creates it in SQL for the next two individual weeks no window opens, and before every run\n")
	p("  deletes the previous run's bookings in those weeks, vacuums the booking tables (else every run would wade through\n")
	p("  more dead index entries than the last, which a quiet database's autovacuum would have removed before a window opens)\n")
	p("  and opens it (open_time = now − 1 s), so each run meets it fresh.\n")
	p("- **Double bookings**: after every run, SQL counts pairs of overlapping blocking sessions per teacher and per room\n")
	p("  (booking.sessions) and per student (booking.session_attendees), and attendee rows out of step with their session.\n")
	p("- **Ceiling**: pgbench runs the booking's write as the runtime role with the tenant set (row-level security on), each\n")
	p("  transaction in a new 30-minute slot so that every insert passes the constraints, as a successful booking does.\n")
	p("%s\n", RushEnd)
	return nil
}

func describeDoubles(d Doubles) string {
	if d.Zero() {
		return "0"
	}
	return fmt.Sprintf("**teacher %d, room %d, student %d, attendees out of sync %d**", d.Teacher, d.Room, d.Student, d.AttendeesOutOfSync)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func msf(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func joinWeeks(ws []int) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = fmt.Sprint(w)
	}
	return strings.Join(s, " and ")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	return keys
}

// ReplaceRushSection returns doc with its rush section replaced by section
// (or section appended when doc has none).
func ReplaceRushSection(doc, section []byte) []byte {
	return replaceSection(doc, section, RushBegin, RushEnd)
}

// RushSection returns the rush section of the file at path, or nil.
func RushSection(path string) []byte { return sectionOf(path, RushBegin, RushEnd) }

// replaceSection returns doc with the part from begin to end replaced by
// section (or section appended when doc has none): each benchmark writes
// its own section of bench/README.md and leaves the others as they are.
func replaceSection(doc, section []byte, beginMark, endMark string) []byte {
	begin, end := bytes.Index(doc, []byte(beginMark)), bytes.Index(doc, []byte(endMark))
	if begin < 0 || end < begin {
		out := bytes.TrimRight(doc, "\n")
		return append(append(out, "\n\n"...), section...)
	}
	out := append([]byte(nil), doc[:begin]...)
	out = append(out, section...)
	rest := doc[end+len(endMark):]
	if len(bytes.TrimSpace(rest)) > 0 {
		out = append(out, '\n')
	}
	return append(out, bytes.TrimLeft(rest, "\n")...)
}

// sectionOf returns the part of the file at path from begin to end, or nil.
func sectionOf(path, beginMark, endMark string) []byte {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	begin, end := bytes.Index(doc, []byte(beginMark)), bytes.Index(doc, []byte(endMark))
	if begin < 0 || end < begin {
		return nil
	}
	return append(doc[begin:end+len(endMark)], '\n')
}
