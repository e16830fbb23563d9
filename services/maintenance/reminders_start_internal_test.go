package maintenance

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"steward.dev/db/dbtest"
	"steward.dev/platform/jobs"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/reminders"
	"steward.dev/services/maintenance/internal/sync"
)

// TestFirstSyncStartsReminders: the transaction that enqueues a tenant's
// sync job (its first sync) also schedules the tenant's reminders, once
// however often it runs; other jobs start nothing.
func TestFirstSyncStartsReminders(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	db := tenantdb.New(d.AppPool(t))
	tenant := uuid.New()
	dbtest.ExecAsTenant(t, d.OwnerPool(t), tenant, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, 'household', 'T')", tenant)
	// Never started: the workers are there for River to know the kinds.
	queue, err := jobs.New(db, jobs.Config{Queue: "maintenance", Workers: func(w *river.Workers) {
		river.AddWorker(w, sync.NewWorker(sync.New(db, nil, nil)))
		river.AddWorker(w, reminders.NewWorker(reminders.NewJob(db, nil, time.Now)))
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := scope.WithTenant(context.Background(), scope.Tenant{TenantID: tenant})
	enq := firstSync{queue: queue}
	for range 2 {
		if err := db.InTx(ctx, func(tx tenantdb.DBTX) error {
			_, err := enq.EnqueueTx(ctx, tx, sync.JobArgs{TenantID: tenant}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	rows, err := d.OwnerPool(t).Query(context.Background(), "SELECT kind, count(*) FROM jobs.river_job GROUP BY kind")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			t.Fatal(err)
		}
		counts[kind] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if counts["maintenance_sync_facts"] != 1 || counts["maintenance_reminders"] != 1 {
		t.Errorf("jobs by kind %v, want one sync and one reminders job", counts)
	}
}
