package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"steward.dev/db/dbtest"
	"steward.dev/platform/jobs"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// homeArgs asks for a home to be named in a tenant: work on a tenant's
// rows, as every Steward job does.
type homeArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	HomeID   uuid.UUID `json:"home_id"`
}

func (homeArgs) Kind() string { return "test_rename_home" }

type renameWorker struct {
	river.WorkerDefaults[homeArgs]
	db *tenantdb.DB
}

func (w *renameWorker) Work(ctx context.Context, job *river.Job[homeArgs]) error {
	ctx = jobs.ForTenant(ctx, job.Args.TenantID)
	_, err := w.db.Scoped(ctx).Exec(ctx, "UPDATE assets.homes SET display_name = 'renamed by a job' WHERE tenant_id = $1 AND home_id = $2",
		job.Args.TenantID, job.Args.HomeID)
	return err
}

type bundle struct {
	db      *tenantdb.DB
	dbtest  *dbtest.Database
	tenant  uuid.UUID
	ctx     context.Context // the tenant's scope, as a request has it
	events  <-chan *river.Event
	homeIDs []uuid.UUID
}

// setup returns a running queue over a fresh database with one tenant and
// two homes.
func setup(t *testing.T) (*jobs.Client, *bundle) {
	t.Helper()
	d := dbtest.New(t)
	b := &bundle{dbtest: d, db: tenantdb.New(d.AppPool(t)), tenant: uuid.New(), homeIDs: []uuid.UUID{uuid.New(), uuid.New()}}
	owner := d.OwnerPool(t)
	dbtest.ExecAsTenant(t, owner, b.tenant, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, 'household', 'T')", b.tenant)
	for _, h := range b.homeIDs {
		dbtest.ExecAsTenant(t, owner, b.tenant, "INSERT INTO assets.homes (tenant_id, home_id, display_name, time_zone) VALUES ($1, $2, 'home', 'UTC')", b.tenant, h)
	}
	b.ctx = scope.WithTenant(context.Background(), scope.Tenant{TenantID: b.tenant})
	c, err := jobs.New(b.db, jobs.Config{
		Queue:        "test",
		Workers:      func(w *river.Workers) { river.AddWorker(w, &renameWorker{db: b.db}) },
		PollInterval: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := c.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	t.Cleanup(cancel)
	b.events = events
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Background().Background(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("stopping the queue: %v", err)
		}
	})
	return c, b
}

func (b *bundle) homeName(t *testing.T, home uuid.UUID) string {
	t.Helper()
	var name string
	if err := b.db.Scoped(b.ctx).QueryRow(b.ctx, "SELECT display_name FROM assets.homes WHERE tenant_id = $1 AND home_id = $2", b.tenant, home).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestEnqueueTxCommitsWithTheChange: a job enqueued in a transaction that
// rolls back never exists; one in a transaction that commits is worked, in
// the tenant's scope.
func TestEnqueueTxCommitsWithTheChange(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	rolledBack, committed := b.homeIDs[0], b.homeIDs[1]

	errChange := errors.New("the change failed")
	err := b.db.InTx(b.ctx, func(tx tenantdb.DBTX) error {
		if _, err := c.EnqueueTx(b.ctx, tx, homeArgs{TenantID: b.tenant, HomeID: rolledBack}, nil); err != nil {
			return err
		}
		return errChange
	})
	if !errors.Is(err, errChange) {
		t.Fatalf("InTx = %v, want the change's error", err)
	}
	if err := b.db.InTx(b.ctx, func(tx tenantdb.DBTX) error {
		_, err := c.EnqueueTx(b.ctx, tx, homeArgs{TenantID: b.tenant, HomeID: committed}, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	select {
	case ev := <-b.events:
		if ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("job %s: %s (%v)", ev.Job.Kind, ev.Kind, ev.Job.Errors)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the committed job was not worked within 10s")
	}
	if got := b.homeName(t, committed); got != "renamed by a job" {
		t.Errorf("committed job's home = %q, want it renamed", got)
	}
	if got := b.homeName(t, rolledBack); got != "home" {
		t.Errorf("rolled-back job's home = %q, want it untouched", got)
	}
	var jobsInQueue int
	if err := dbtest.Connect(t, b.dbtest.OwnerURL).QueryRow(context.Background(),
		"SELECT count(*) FROM jobs.river_job WHERE queue = 'test'").Scan(&jobsInQueue); err != nil {
		t.Fatal(err)
	}
	if jobsInQueue != 1 {
		t.Errorf("jobs in the queue = %d, want 1 (the rolled-back one never existed)", jobsInQueue)
	}
}

// TestEnqueueTxNeedsATransaction: outside InTx there is no transaction for
// the job to join, and EnqueueTx says so rather than inserting on its own.
func TestEnqueueTxNeedsATransaction(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	if _, err := c.EnqueueTx(b.ctx, b.db.Scoped(b.ctx), homeArgs{TenantID: b.tenant, HomeID: b.homeIDs[0]}, nil); err == nil {
		t.Fatal("EnqueueTx outside a transaction succeeded")
	}
}
