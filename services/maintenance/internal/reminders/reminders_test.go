package reminders_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"steward.dev/db/dbtest"
	"steward.dev/platform/jobs"
	"steward.dev/platform/mail"
	"steward.dev/platform/mail/mailtest"
	"steward.dev/platform/outbox"
	"steward.dev/platform/rpcclient"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/accounts"
	"steward.dev/services/maintenance/internal/reminders"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// stack is a real steward-accounts (the members' emails, read with the
// service identity), the test's database, a real mailpit and Maintenance's
// job queue working the reminder and delivery jobs.
type stack struct {
	env    *servertest.Env
	db     *tenantdb.DB
	sink   *mailtest.Sink
	tenant uuid.UUID
	owner  servertest.User
	member servertest.User
	home   uuid.UUID
	job    *reminders.Job
	queue  *jobs.Client
	events <-chan *river.Event
}

type options struct {
	now       time.Time
	timeZone  string
	afterSend func(uuid.UUID) error
	// school makes the tenant a school (its premises) with an ADMIN and a
	// TEACHER as owner and member; a household otherwise.
	school bool
}

func setup(t *testing.T, o options) *stack {
	t.Helper()
	env := servertest.New(t)
	_, accountsAddr := env.ServeAt(t, accounts.Services)
	s := &stack{env: env, db: tenantdb.New(env.DB.AppPool(t)), sink: mailtest.Start(t), home: uuid.New()}
	if o.school {
		s.tenant = env.Tenant(t, "school")
		s.owner, s.member = env.User(t, s.tenant, "admin"), env.User(t, s.tenant, "teacher")
	} else {
		s.tenant = env.Tenant(t, "household")
		s.owner, s.member = env.User(t, s.tenant, "owner"), env.User(t, s.tenant, "member")
	}
	dbtest.ExecAsTenant(t, env.Owner, s.tenant,
		"INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone) VALUES ($1, $2, 'Harbour Flat', $3)",
		s.tenant, s.home, o.timeZone)

	identity := rpcclient.NewServiceIdentity(rpcclient.ClientCredentials{
		TokenURL: env.TokenURL(), ClientID: servertest.ServiceClient, ClientSecret: servertest.ServiceSecret})
	conn, err := rpcclient.Dial(accountsAddr, rpcclient.Options{Identity: identity})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	sender, err := mail.NewSender(s.sink.SMTPAddr, "Steward <steward@steward.test>")
	if err != nil {
		t.Fatal(err)
	}
	// A lease shorter than River's first retry (about a second), so a retry
	// after a crashed attempt finds its claim run out.
	deliverer := outbox.NewDeliverer(s.db, sender, outbox.DeliveryConfig{Service: reminders.Service, Lease: 500 * time.Millisecond, AfterSend: o.afterSend})
	s.job = reminders.NewJob(s.db, conn, func() time.Time { return o.now })
	s.queue, err = jobs.New(s.db, jobs.Config{Queue: "maintenance", PollInterval: 100 * time.Millisecond, Workers: func(w *river.Workers) {
		river.AddWorker(w, deliverer.Worker())
		river.AddWorker(w, reminders.NewWorker(s.job))
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.job.SetQueue(s.queue)
	events, cancel := s.queue.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	t.Cleanup(cancel)
	s.events = events
	return s
}

// start works the queue until t ends.
func (s *stack) start(t *testing.T) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.queue.Background().Background(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("the job queue: %v", err)
		}
	})
}

// jobCtx is the context a job for the tenant runs in.
func (s *stack) jobCtx() context.Context { return jobs.ForTenant(context.Background(), s.tenant) }

// task writes an ad-hoc task of the home, as helper A's TaskService would.
func (s *stack) task(t *testing.T, title, state, due string, leadDays int) uuid.UUID {
	t.Helper()
	id := uuid.New()
	dbtest.ExecAsTenant(t, s.env.Owner, s.tenant, `INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, kind, title, state, due_date, lead_days)
		VALUES ($1, $2, $3, 'maintenance', $4, $5, $6, $7)`, s.tenant, id, s.home, title, state, due, leadDays)
	return id
}

func (s *stack) asset(t *testing.T, name, warrantyEnds string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	dbtest.ExecAsTenant(t, s.env.Owner, s.tenant, `INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id, warranty_expiry_date)
		VALUES ($1, $2, $3, $4, 'hvac-boiler', $5)`, s.tenant, id, s.home, name, warrantyEnds)
	return id
}

func (s *stack) email(u servertest.User) string { return u.Subject + "@example.test" }

// outboxKeys are the tenant's outbox dedupe keys, sorted.
func (s *stack) outboxKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	dbtest.AsTenant(t, s.env.Owner, s.tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT dedupe_key FROM outbox.messages ORDER BY dedupe_key")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return rows.Err()
	})
	return keys
}

// waitJobs waits for n jobs to complete, counting failed attempts.
func (s *stack) waitJobs(t *testing.T, n int) (failed int) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for completed := 0; completed < n; {
		select {
		case ev := <-s.events:
			if ev.Kind == river.EventKindJobFailed {
				failed++
			} else {
				completed++
			}
		case <-timeout:
			t.Fatalf("after 60s: %d of %d jobs completed, %d attempts failed", completed, n, failed)
		}
	}
	return failed
}

// inbox is what each address received: subjects by recipient.
func (s *stack) inbox(t *testing.T) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, m := range s.sink.Messages(t) {
		for _, to := range m.To {
			got[to.Address] = append(got[to.Address], m.Subject)
		}
	}
	for _, subjects := range got {
		slices.Sort(subjects)
	}
	return got
}

// TestReminderJobWritesEachReminderOnce: a DUE task, an OVERDUE one and an
// expiring warranty give one email per member who wants it (the MEMBER
// turned overdue reminders off), nothing for an UPCOMING, an in-progress
// or a done task, a warranty beyond 30 days or a member of no maintenance;
// running the job again, also eight times at once, writes nothing more;
// and the delivery jobs put exactly those emails in the mailboxes.
func TestReminderJobWritesEachReminderOnce(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC)
	s := setup(t, options{now: now, timeZone: "Europe/London"})
	due := s.task(t, "Flush the water heater", "open", "2027-03-13", 7) // in its lead time
	overdue := s.task(t, "Test the smoke alarms", "open", "2027-03-08", 0)
	s.task(t, "Clean the gutters", "open", "2027-04-20", 14)        // UPCOMING
	s.task(t, "Service the boiler", "in_progress", "2027-03-01", 7) // being done
	boiler := s.asset(t, "Combi boiler", "2027-03-31")              // within 30 days
	s.asset(t, "Fridge", "2027-06-01")                              // beyond
	// The MEMBER wants no overdue reminders.
	dbtest.ExecAsTenant(t, s.env.Owner, s.tenant,
		"INSERT INTO maintenance.reminder_preferences (tenant_id, user_id, overdue_tasks) VALUES ($1, $2, false)", s.tenant, s.member.ID)
	s.start(t)

	rep, err := s.job.Run(s.jobCtx(), s.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Written != 5 {
		t.Fatalf("wrote %d reminders, want 5 (owner: due, overdue, warranty; member: due, warranty)", rep.Written)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			rep, err := s.job.Run(s.jobCtx(), s.tenant)
			if err == nil && rep.Written != 0 {
				err = fmt.Errorf("a later run wrote %d reminders", rep.Written)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"task/" + due.String() + "/2027-03-13/due/" + s.member.ID.String(),
		"task/" + due.String() + "/2027-03-13/due/" + s.owner.ID.String(),
		"task/" + overdue.String() + "/2027-03-08/overdue/" + s.owner.ID.String(),
		"warranty/" + boiler.String() + "/2027-03-31/" + s.member.ID.String(),
		"warranty/" + boiler.String() + "/2027-03-31/" + s.owner.ID.String(),
	}
	slices.Sort(want)
	if got := s.outboxKeys(t); !slices.Equal(got, want) {
		t.Fatalf("outbox keys\n%v\nwant\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if failed := s.waitJobs(t, 5); failed != 0 {
		t.Errorf("%d delivery attempts failed", failed)
	}
	inbox := s.inbox(t)
	wantInbox := map[string][]string{
		s.email(s.owner): {"Due 13 Mar: Flush the water heater (Harbour Flat)", "Overdue: Test the smoke alarms (Harbour Flat)",
			"Warranty ends 31 Mar: Combi boiler (Harbour Flat)"},
		s.email(s.member): {"Due 13 Mar: Flush the water heater (Harbour Flat)", "Warranty ends 31 Mar: Combi boiler (Harbour Flat)"},
	}
	for addr, subjects := range wantInbox {
		slices.Sort(subjects)
		if !slices.Equal(inbox[addr], subjects) {
			t.Errorf("%s received %q, want %q", addr, inbox[addr], subjects)
		}
	}
	if len(inbox) != len(wantInbox) {
		t.Errorf("inbox %v", inbox)
	}
}

// TestReminderDeliveredOnceAfterCrashBetweenSendAndCommit is the Must-show
// line: every reminder email's first delivery attempt sends it and then
// "crashes" before the commit that records it (AfterSend). The attempt
// was counted in a transaction committed before the send; River retries
// the delivery job after its backoff, which sends the email again with the
// same Message-ID (the outbox row's id), and mailpit, run with
// --ignore-duplicate-ids as `make run` runs it, keeps one. Each recipient
// holds exactly one email per reminder, and each row shows two attempts.
func TestReminderDeliveredOnceAfterCrashBetweenSendAndCommit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	crashed := map[uuid.UUID]bool{}
	s := setup(t, options{now: time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC), timeZone: "Europe/London", afterSend: func(id uuid.UUID) error {
		mu.Lock()
		defer mu.Unlock()
		if crashed[id] {
			return nil
		}
		crashed[id] = true
		return errors.New("crashed after the send, before the commit")
	}})
	s.task(t, "Flush the water heater", "open", "2027-03-13", 7)
	s.start(t)
	if rep, err := s.job.Run(s.jobCtx(), s.tenant); err != nil || rep.Written != 2 {
		t.Fatalf("wrote %d, %v; want 2 (owner and member)", rep.Written, err)
	}
	if failed := s.waitJobs(t, 2); failed != 2 {
		t.Errorf("%d attempts failed, want each delivery's first (2)", failed)
	}
	inbox := s.inbox(t)
	for _, u := range []servertest.User{s.owner, s.member} {
		if got := inbox[s.email(u)]; len(got) != 1 {
			t.Errorf("%s holds %d emails %q, want exactly 1", s.email(u), len(got), got)
		}
	}
	var attempts []int32
	dbtest.AsTenant(t, s.env.Owner, s.tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT attempts FROM outbox.messages WHERE state = 'sent' ORDER BY attempts")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n int32
			if err := rows.Scan(&n); err != nil {
				return err
			}
			attempts = append(attempts, n)
		}
		return rows.Err()
	})
	if !slices.Equal(attempts, []int32{2, 2}) {
		t.Errorf("sent messages' attempts %v, want [2 2]: the crashed attempt recorded, then the retry", attempts)
	}
}

// TestRemindersUseTheHomesToday: at one instant, a task due that calendar
// day is DUE in a home where the day has not ended and OVERDUE in one
// where the next day has begun (Auckland is 13 hours ahead of UTC in
// March, in daylight saving time; Honolulu 10 behind).
func TestRemindersUseTheHomesToday(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 3, 14, 11, 30, 0, 0, time.UTC) // 15 Mar 00:30 in Auckland, 14 Mar 01:30 in Honolulu
	for zone, kind := range map[string]string{"Pacific/Auckland": "overdue", "Pacific/Honolulu": "due"} {
		s := setup(t, options{now: now, timeZone: zone})
		task := s.task(t, "Test the smoke alarms", "open", "2027-03-14", 3)
		if _, err := s.job.Run(s.jobCtx(), s.tenant); err != nil {
			t.Fatal(err)
		}
		want := "task/" + task.String() + "/2027-03-14/" + kind + "/"
		for _, k := range s.outboxKeys(t) {
			if !strings.HasPrefix(k, want) {
				t.Errorf("%s: %s, want %s…", zone, k, want)
			}
		}
	}
}

// TestScheduleRunsOncePerSlotAndReschedules: scheduling a tenant's
// reminders twice in one hour makes one job; it runs the reminder job
// (whose emails go out) and schedules the tenant's next run at the start of
// the next hour.
func TestScheduleRunsOncePerSlotAndReschedules(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 3, 10, 9, 20, 0, 0, time.UTC)
	s := setup(t, options{now: now, timeZone: "Europe/London"})
	s.task(t, "Flush the water heater", "open", "2027-03-13", 7)
	for range 2 {
		if err := s.db.InTx(s.jobCtx(), func(tx tenantdb.DBTX) error {
			return reminders.Schedule(s.jobCtx(), tx, s.queue, s.tenant, time.Now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	s.start(t)
	// The reminder job, then the delivery of its two emails.
	if failed := s.waitJobs(t, 3); failed != 0 {
		t.Errorf("%d attempts failed", failed)
	}
	if inbox := s.inbox(t); len(inbox[s.email(s.owner)]) != 1 || len(inbox[s.email(s.member)]) != 1 {
		t.Errorf("inbox %v, want one email each", inbox)
	}
	var runs int
	var next time.Time
	row := s.env.Owner.QueryRow(context.Background(),
		"SELECT count(*), max(scheduled_at) FROM jobs.river_job WHERE kind = 'maintenance_reminders' AND args->>'tenant_id' = $1", s.tenant.String())
	if err := row.Scan(&runs, &next); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 3, 10, 10, 0, 0, 0, time.UTC); runs != 2 || !next.Equal(want) {
		t.Errorf("%d reminder jobs, the last at %v; want 2 (the one run, the next) with the next at %v", runs, next, want)
	}
}

// TestSchoolPremisesRemindStaffOnly: a school's premises remind its ADMIN
// and TEACHER (who read maintenance), never a PARENT or a STUDENT; and a
// warranty ending on the 30th day ahead is reminded of, one on the 31st not.
func TestSchoolPremisesRemindStaffOnly(t *testing.T) {
	t.Parallel()
	s := setup(t, options{now: time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC), timeZone: "America/New_York", school: true})
	s.env.User(t, s.tenant, "parent")
	s.env.User(t, s.tenant, "student")
	piano := s.asset(t, "Practice-room heater", "2027-04-09") // 30 days ahead in New York
	s.asset(t, "Hall boiler", "2027-04-10")                   // 31
	if _, err := s.job.Run(s.jobCtx(), s.tenant); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"warranty/" + piano.String() + "/2027-04-09/" + s.owner.ID.String(),
		"warranty/" + piano.String() + "/2027-04-09/" + s.member.ID.String(),
	}
	slices.Sort(want)
	if got := s.outboxKeys(t); !slices.Equal(got, want) {
		t.Errorf("outbox keys %v, want %v", got, want)
	}
}
