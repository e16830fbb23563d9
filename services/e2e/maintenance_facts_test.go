package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"steward.dev/db/dbtest"
)

// factsJobArgs is steward-maintenance's job keeping one tenant's facts
// current (its internal/sync.JobArgs), as its rows in the queue have it.
type factsJobArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

func (factsJobArgs) Kind() string { return "maintenance_sync_facts" }

// TestMaintenanceJobSyncsWithItsServiceIdentity: a tenant's fact-sync job,
// worked by the stack's steward-maintenance with no request anywhere, reads
// Assets' change feed with the client-credentials identity the stack's
// development issuer gives it, and the asset the tenant's owner made appears
// in Maintenance's facts.
func TestMaintenanceJobSyncsWithItsServiceIdentity(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	f := s.newTenant(t, "household", "owner")
	r := freshHousehold(t, s, f)
	assetID := uuid.MustParse(r.asset[len(r.asset)-36:])

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// An insert-only client: the stack's maintenance service works the job.
	queue, err := river.NewClient(riverpgxv5.New(s.db.AppPool(t)), &river.Config{Schema: "jobs"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := queue.Insert(ctx, factsJobArgs{TenantID: f.ID}, &river.InsertOpts{Queue: "maintenance"}); err != nil {
		t.Fatal(err)
	}
	owner := s.db.OwnerPool(t)
	for {
		var known int
		dbtest.QueryRowAsTenant(t, owner, f.ID, "SELECT count(*) FROM maintenance.asset_facts WHERE tenant_id = $1 AND asset_id = $2",
			[]any{f.ID, assetID}, &known)
		if known == 1 {
			break
		}
		select {
		case <-ctx.Done():
			var state, errs string
			dbtest.QueryRowAsTenant(t, owner, f.ID, `SELECT coalesce(max(state::text), 'none'), coalesce(max(errors::text), '')
				FROM jobs.river_job WHERE kind = 'maintenance_sync_facts' AND args->>'tenant_id' = $1`, []any{f.ID.String()}, &state, &errs)
			t.Fatalf("the asset never reached Maintenance's facts; the job is %s %s", state, errs)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
