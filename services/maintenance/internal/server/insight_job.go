package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"steward.dev/platform/aip"
	"steward.dev/platform/jobs"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/store"
)

// NightlyInsightArgs is one tenant's nightly recompute of every asset's
// insight, due at Night's 03:00 in the zone of the tenant's first home.
//
// Row-level security keeps a service from listing tenants, so there is no
// single nightly job over all of them: each tenant has its own chain. The
// first read of a tenant's insight starts it (ScheduleNightlyInsight), and
// each night's job, its work done, schedules the next. Night is part of the
// unique key (ByArgs), so a night is queued once however often it is asked
// for, and a retried job that already scheduled its successor adds none.
type NightlyInsightArgs struct {
	Tenant uuid.UUID `json:"tenant"`
	Night  string    `json:"night"` // YYYY-MM-DD, local to the tenant's first home
}

// Kind names the job in River's tables.
func (NightlyInsightArgs) Kind() string { return "maintenance_nightly_insight" }

// InsertOpts makes each tenant's night unique.
func (NightlyInsightArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// nightlyHour is when the recompute runs, local time: after the day's
// readings and completions, before anyone looks in the morning.
const nightlyHour = 3

// nextNight is the tenant's next night job after now, and when it is due.
func nextNight(ctx context.Context, q *store.Queries, tenant uuid.UUID, now time.Time) (NightlyInsightArgs, time.Time, error) {
	zone, err := q.GetTenantTimeZone(ctx, tenant)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		zone = "UTC" // no home yet: any night will do
	case err != nil:
		return NightlyInsightArgs{}, time.Time{}, err
	}
	loc, err := aip.LoadTimeZone(zone)
	if err != nil {
		return NightlyInsightArgs{}, time.Time{}, fmt.Errorf("tenant %s: %w", tenant, err)
	}
	l := now.In(loc)
	at := time.Date(l.Year(), l.Month(), l.Day(), nightlyHour, 0, 0, 0, loc)
	if !at.After(now) {
		at = time.Date(l.Year(), l.Month(), l.Day()+1, nightlyHour, 0, 0, 0, loc)
	}
	return NightlyInsightArgs{Tenant: tenant, Night: at.Format(time.DateOnly)}, at, nil
}

// ScheduleNightlyInsight queues the tenant's next nightly recompute in tx
// (from tenantdb.InTx), unless that night is queued already.
func ScheduleNightlyInsight(ctx context.Context, c *jobs.Client, tx tenantdb.DBTX, tenant uuid.UUID, now time.Time) error {
	args, at, err := nextNight(ctx, store.New(tx), tenant, now)
	if err != nil {
		return err
	}
	_, err = c.EnqueueTx(ctx, tx, args, &river.InsertOpts{ScheduledAt: at})
	return err
}

// NightlyInsightWorker recomputes a tenant's insight and schedules its next
// night.
type NightlyInsightWorker struct {
	river.WorkerDefaults[NightlyInsightArgs]
	DB  *tenantdb.DB
	Now func() time.Time
}

// Work recomputes every asset of the job's tenant (idempotent: each asset's
// rows are replaced whole), then queues the next night, which a retry after
// a failure between the two queues again only once.
func (w *NightlyInsightWorker) Work(ctx context.Context, job *river.Job[NightlyInsightArgs]) error {
	tenant := job.Args.Tenant
	ctx = jobs.ForTenant(ctx, tenant)
	now := w.Now()
	if _, err := RecomputeTenant(ctx, w.DB, tenant, now); err != nil {
		return err
	}
	args, at, err := nextNight(ctx, store.New(w.DB.Scoped(ctx)), tenant, now)
	if err != nil {
		return err
	}
	_, err = river.ClientFromContext[pgx.Tx](ctx).Insert(ctx, args, &river.InsertOpts{Queue: job.Queue, ScheduledAt: at})
	return err
}
