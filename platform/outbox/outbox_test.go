package outbox_test

import (
	"context"
	"errors"
	"fmt"
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
	"steward.dev/platform/outbox/outboxstore"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type env struct {
	d      *dbtest.Database
	db     *tenantdb.DB
	sink   *mailtest.Sink
	sender *mail.Sender
	ctx    context.Context // scoped to tenant
	tenant uuid.UUID
}

func setup(t *testing.T) env {
	t.Helper()
	d := dbtest.New(t)
	e := env{d: d, db: tenantdb.New(d.AppPool(t)), sink: mailtest.Start(t), tenant: uuid.New()}
	dbtest.ExecAsTenant(t, d.OwnerPool(t), e.tenant, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, 'household', 'Outbox test')", e.tenant)
	var err error
	if e.sender, err = mail.NewSender(e.sink.SMTPAddr, "Steward <reminders@steward.test>"); err != nil {
		t.Fatal(err)
	}
	e.ctx = scope.WithTenant(context.Background(), scope.Tenant{TenantID: e.tenant})
	return e
}

// add writes msgs in one transaction and returns the ids of those added.
func (e env) add(t *testing.T, msgs ...outbox.Message) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	if err := e.db.InTx(e.ctx, func(tx tenantdb.DBTX) error {
		ids = nil
		for _, m := range msgs {
			id, added, err := outbox.Add(e.ctx, tx, m)
			if err != nil {
				return err
			}
			if added {
				ids = append(ids, id)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func (e env) message(t *testing.T, id uuid.UUID) outboxstore.OutboxMessage {
	t.Helper()
	m, err := outboxstore.New(e.db.Scoped(e.ctx)).GetMessage(e.ctx, outboxstore.GetMessageParams{TenantID: e.tenant, MessageID: id})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// errCrash stands for the process dying between a send and its commit.
var errCrash = errors.New("crashed after the send, before the commit")

func reminder(key, to string) outbox.Message {
	return outbox.Message{Service: "maintenance", DedupeKey: key, To: to, Subject: "Boiler service is due", Text: "Due on 14 March."}
}

// TestAddIsAtMostOncePerDedupeKey: a second message with a key the tenant
// has is not written, in the same transaction or a later one, and a
// rolled-back transaction writes none.
func TestAddIsAtMostOncePerDedupeKey(t *testing.T) {
	t.Parallel()
	e := setup(t)
	first := e.add(t, reminder("task/1/2027-03-14/due/u1", "a@example.com"), reminder("task/1/2027-03-14/due/u1", "a@example.com"))
	if len(first) != 1 {
		t.Fatalf("added %d messages under one key in one transaction, want 1", len(first))
	}
	if again := e.add(t, reminder("task/1/2027-03-14/due/u1", "a@example.com")); len(again) != 0 {
		t.Fatalf("a later transaction added %v under the same key", again)
	}
	rolledBack := errors.New("roll back")
	err := e.db.InTx(e.ctx, func(tx tenantdb.DBTX) error {
		if _, _, err := outbox.Add(e.ctx, tx, reminder("task/2/2027-03-14/due/u1", "a@example.com")); err != nil {
			return err
		}
		return rolledBack
	})
	if !errors.Is(err, rolledBack) {
		t.Fatal(err)
	}
	var n int
	dbtest.QueryRowAsTenant(t, e.d.OwnerPool(t), e.tenant, "SELECT count(*) FROM outbox.messages", nil, &n)
	if n != 1 {
		t.Fatalf("%d messages stored, want 1", n)
	}
}

func TestAddRefusesWhatIsOutOfBounds(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tooMany := reminder("k", "a@example.com")
	for i := range outbox.MaxAttachments + 1 {
		tooMany.Attachments = append(tooMany.Attachments, mail.Attachment{Filename: fmt.Sprintf("%d.txt", i), ContentType: "text/plain", Content: []byte("x")})
	}
	tooBig := reminder("k", "a@example.com")
	tooBig.Attachments = []mail.Attachment{{Filename: "big.pdf", ContentType: "application/pdf", Content: make([]byte, outbox.MaxAttachmentBytes+1)}}
	for name, m := range map[string]outbox.Message{
		"no service": {DedupeKey: "k", To: "a@example.com", Subject: "s"}, "no key": {Service: "maintenance", To: "a@example.com", Subject: "s"},
		"long subject": {Service: "maintenance", DedupeKey: "k", To: "a@example.com", Subject: strings.Repeat("s", outbox.MaxSubjectLen+1)},
		"11 files":     tooMany, "11 MiB": tooBig,
	} {
		err := e.db.InTx(e.ctx, func(tx tenantdb.DBTX) error { _, _, err := outbox.Add(e.ctx, tx, m); return err })
		if err == nil {
			t.Errorf("%s: added", name)
		}
	}
}

// TestDeliveryCrashBetweenSendAndCommit is the outbox's promise: a delivery
// that sent its message but crashed before the commit recording it is
// retried, sends the message again with the same Message-ID, and the
// mailbox (mailpit with --ignore-duplicate-ids, as `make run` starts it)
// holds exactly one copy per recipient. The attempt was committed before
// the send, so the row shows both attempts.
func TestDeliveryCrashBetweenSendAndCommit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	recipients := []string{"ann@example.com", "bob@example.com", "cy@example.com"}
	var msgs []outbox.Message
	for _, r := range recipients {
		msgs = append(msgs, reminder("task/7/2027-03-14/due/"+r, r))
	}
	ids := e.add(t, msgs...)
	var mu sync.Mutex
	crashed := map[uuid.UUID]bool{}
	d := outbox.NewDeliverer(e.db, e.sender, outbox.DeliveryConfig{Service: "maintenance", AfterSend: func(id uuid.UUID) error {
		mu.Lock()
		defer mu.Unlock()
		if crashed[id] {
			return nil
		}
		crashed[id] = true
		return errCrash // every message's first attempt crashes
	}})
	for _, id := range ids {
		if err := d.Deliver(e.ctx, id); !errors.Is(err, errCrash) {
			t.Fatalf("first attempt: %v, want the crash", err)
		}
		m := e.message(t, id)
		if m.State != "pending" || m.Attempts != 1 || !m.LastAttemptTime.Valid {
			t.Fatalf("after the crash: state %s, %d attempts, attempted %v; want pending, 1, set", m.State, m.Attempts, m.LastAttemptTime.Valid)
		}
	}
	// The retry comes while the crashed attempt's claim still holds: busy.
	if err := d.Deliver(e.ctx, ids[0]); !errors.Is(err, outbox.ErrBusy) {
		t.Fatalf("retry within the lease: %v, want ErrBusy", err)
	}
	// The lease runs out (moved back rather than waited for).
	dbtest.ExecAsTenant(t, e.d.OwnerPool(t), e.tenant,
		"UPDATE outbox.messages SET last_attempt_time = last_attempt_time - $1::interval", fmt.Sprintf("%d seconds", int(outbox.ClaimLease.Seconds())+1))
	for _, id := range ids {
		if err := d.Deliver(e.ctx, id); err != nil {
			t.Fatalf("retry: %v", err)
		}
	}
	for _, id := range ids {
		if m := e.message(t, id); m.State != "sent" || m.Attempts != 2 || !m.SentTime.Valid {
			t.Fatalf("after the retry: state %s, %d attempts; want sent after 2", m.State, m.Attempts)
		}
	}
	// A retry of a sent message sends nothing.
	if err := d.Deliver(e.ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, m := range e.sink.Messages(t) {
		for _, to := range m.To {
			got[to.Address] = append(got[to.Address], m.MessageID)
		}
	}
	for i, r := range recipients {
		if want := d.MessageID(ids[i]); len(got[r]) != 1 || got[r][0] != want {
			t.Errorf("%s received %v, want exactly one message %s", r, got[r], want)
		}
	}
	if len(got) != len(recipients) {
		t.Errorf("recipients %v, want %v", got, recipients)
	}
}

// TestConcurrentDeliveriesSendOnce: many deliveries of one message at once
// claim it once; the rest find it busy or sent. The count of attempts in
// the row, not the sink (which would drop a repeat anyway), shows one send.
func TestConcurrentDeliveriesSendOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.add(t, reminder("warranty/boiler/2027-03-14/u1", "ann@example.com"))[0]
	d := outbox.NewDeliverer(e.db, e.sender, outbox.DeliveryConfig{Service: "maintenance"})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() { errs <- d.Deliver(e.ctx, id) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, outbox.ErrBusy) {
			t.Fatal(err)
		}
	}
	if m := e.message(t, id); m.State != "sent" || m.Attempts != 1 {
		t.Fatalf("state %s after %d attempts, want sent after 1", m.State, m.Attempts)
	}
	if n := len(e.sink.Messages(t)); n != 1 {
		t.Fatalf("the sink holds %d messages, want 1", n)
	}
}

// TestDeliveryCarriesHTMLAndAttachments: what Invoicing will send, an HTML
// body and a PDF, arrives as written.
func TestDeliveryCarriesHTMLAndAttachments(t *testing.T) {
	t.Parallel()
	e := setup(t)
	pdf := append([]byte("%PDF-1.4\n"), make([]byte, 5000)...)
	m := reminder("invoice/42/u1", "Ann Example <ann@example.com>")
	m.Subject = "Invoice 42 — März"
	m.HTML = "<p>Your invoice is <b>attached</b>.</p>"
	m.Attachments = []mail.Attachment{{Filename: "invoice-42.pdf", ContentType: "application/pdf", Content: pdf}}
	id := e.add(t, m)[0]
	if err := outbox.NewDeliverer(e.db, e.sender, outbox.DeliveryConfig{Service: "maintenance"}).Deliver(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	list := e.sink.Messages(t)
	if len(list) != 1 {
		t.Fatalf("%d messages, want 1", len(list))
	}
	got := e.sink.Message(t, list[0].ID)
	if got.Subject != m.Subject || !strings.Contains(got.Text, "Due on 14 March.") || !strings.Contains(got.HTML, "<b>attached</b>") {
		t.Errorf("subject %q, text %q, html %q", got.Subject, got.Text, got.HTML)
	}
	if len(got.Attachments) != 1 || got.Attachments[0].FileName != "invoice-42.pdf" || got.Attachments[0].Size != len(pdf) {
		t.Errorf("attachments %+v", got.Attachments)
	}
	if got.From.Address != "reminders@steward.test" || len(got.To) != 1 || got.To[0].Address != "ann@example.com" {
		t.Errorf("from %v to %v", got.From, got.To)
	}
}

// TestDeliveryIsEachServicesOwn: a service's deliverer leaves another
// service's messages alone.
func TestDeliveryIsEachServicesOwn(t *testing.T) {
	t.Parallel()
	e := setup(t)
	m := reminder("invoice/1/u1", "ann@example.com")
	m.Service = "invoicing"
	id := e.add(t, m)[0]
	d := outbox.NewDeliverer(e.db, e.sender, outbox.DeliveryConfig{Service: "maintenance"})
	if err := d.Deliver(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := e.message(t, id); got.State != "pending" || got.Attempts != 0 {
		t.Fatalf("another service's message: %s after %d attempts", got.State, got.Attempts)
	}
}

// TestStoreQueriesKeepTenantsApartWithoutRLS: the outbox's first wall.
func TestStoreQueriesKeepTenantsApartWithoutRLS(t *testing.T) {
	t.Parallel()
	dbtest.CheckFirstWall(t, dbtest.New(t), dbtest.FirstWall{New: func(tx pgx.Tx) any { return outboxstore.New(tx) }})
}

// TestDeliveryJobRetriedAfterCrash is the crash story with River doing the
// retrying: the delivery job enqueued with the message crashes after its
// send, before its commit; River runs it again after its backoff, which
// sends the same Message-ID, and each recipient's mailbox holds one copy.
func TestDeliveryJobRetriedAfterCrash(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// A lease shorter than River's first backoff (about a second), so the
	// retry finds the crashed attempt's claim run out.
	var mu sync.Mutex
	crashes := map[uuid.UUID]int{}
	d := outbox.NewDeliverer(e.db, e.sender, outbox.DeliveryConfig{Service: "maintenance", Lease: 500 * time.Millisecond,
		AfterSend: func(id uuid.UUID) error {
			mu.Lock()
			defer mu.Unlock()
			if crashes[id]++; crashes[id] == 1 {
				return errCrash
			}
			return nil
		}})
	client, err := jobs.New(e.db, jobs.Config{Queue: "outbox_test", PollInterval: 100 * time.Millisecond,
		Workers: func(w *river.Workers) { river.AddWorker(w, d.Worker()) }})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- client.Background().Background(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("the job queue: %v", err)
		}
	})

	recipients := []string{"ann@example.com", "bob@example.com"}
	var ids []uuid.UUID
	if err := e.db.InTx(e.ctx, func(tx tenantdb.DBTX) error {
		ids = nil
		for _, r := range recipients {
			id, _, err := outbox.Add(e.ctx, tx, reminder("task/9/2027-03-14/overdue/"+r, r))
			if err != nil {
				return err
			}
			if err := outbox.Enqueue(e.ctx, tx, client, e.tenant, id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	failed, completed := 0, 0
	timeout := time.After(60 * time.Second)
	for completed < len(ids) {
		select {
		case ev := <-events:
			switch ev.Kind {
			case river.EventKindJobFailed:
				failed++
			case river.EventKindJobCompleted:
				completed++
			}
		case <-timeout:
			t.Fatalf("after 60s: %d attempts failed, %d jobs completed", failed, completed)
		}
	}
	if failed != len(ids) {
		t.Errorf("%d attempts failed, want each job's first (%d)", failed, len(ids))
	}
	for _, id := range ids {
		if m := e.message(t, id); m.State != "sent" || m.Attempts != 2 {
			t.Errorf("message %s: %s after %d attempts, want sent after 2", id, m.State, m.Attempts)
		}
	}
	got := map[string]int{}
	for _, m := range e.sink.Messages(t) {
		got[m.To[0].Address]++
	}
	for _, r := range recipients {
		if got[r] != 1 {
			t.Errorf("%s holds %d messages, want 1 (all: %v)", r, got[r], got)
		}
	}
}

// TestEnqueuePendingOncePerMessage: the sweep adds a delivery job for each
// of the service's pending messages that has none, and none twice.
func TestEnqueuePendingOncePerMessage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	other := reminder("invoice/1/u1", "ann@example.com")
	other.Service = "invoicing"
	e.add(t, reminder("task/1/2027-03-14/due/u1", "ann@example.com"), reminder("task/1/2027-03-14/due/u2", "bob@example.com"), other)
	client, err := jobs.New(e.db, jobs.Config{Queue: "outbox_sweep_test", Workers: func(w *river.Workers) {
		river.AddWorker(w, outbox.NewDeliverer(e.db, e.sender, outbox.DeliveryConfig{Service: "maintenance"}).Worker())
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{2, 0} {
		var n int
		if err := e.db.InTx(e.ctx, func(tx tenantdb.DBTX) error {
			n, err = outbox.EnqueuePending(e.ctx, tx, client, "maintenance")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("pass %d enqueued %d, want %d", i+1, n, want)
		}
	}
	var jobsN int
	if err := e.d.OwnerPool(t).QueryRow(context.Background(), "SELECT count(*) FROM jobs.river_job WHERE kind = 'outbox_deliver'").Scan(&jobsN); err != nil {
		t.Fatal(err)
	}
	if jobsN != 2 {
		t.Errorf("%d delivery jobs, want 2", jobsN)
	}
}
