package tenantdb

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A WarmFunc runs a service's hot statements once on a new connection,
// before the connection serves its first request. PostgreSQL does on a
// backend's first run of a statement what later runs skip: it loads the
// catalog entries of every table, index, policy, trigger and function the
// statement touches and plans it, and pgx parses and describes it. For
// booking's BookingContext that first run took 9–28 ms against 0.4–0.9 ms
// after (2 CPUs, loaded), and a rush met every connection of the pool
// doing it at once, in its first second.
//
// q is scoped (with GenericPlans) to tenant, one that does not exist, inside
// a transaction that is rolled back, so a read finds nothing and a write
// can never be kept: a statement that reached its foreign keys fails there
// (the tenant owns no rows), which is still after PostgreSQL planned it,
// ran its triggers and checked its constraints. The func returns nil for
// the errors it expects; any other error fails the connection. Every
// statement it runs stays prepared on the connection (see keeping).
type WarmFunc func(ctx context.Context, q DBTX, tenant uuid.UUID) error

// Warmers are the WarmFuncs the services of one pool registered, run on
// each connection the pool opens (AfterConnect).
type Warmers struct {
	mu  sync.Mutex
	fns []WarmFunc
}

// Add registers fn for the connections opened from now on.
func (w *Warmers) Add(fn WarmFunc) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fns = append(w.fns, fn)
}

// AfterConnect prepares the scope statements, which ride in every
// request's batch, for good (see keeping) and runs the registered
// WarmFuncs on conn; use it as (part of) the pool's
// pgxpool.Config.AfterConnect.
func (w *Warmers) AfterConnect(ctx context.Context, conn *pgx.Conn) error {
	for _, sql := range []string{setScopeSQL, setScopeGenericSQL} {
		if _, err := conn.Prepare(ctx, sql, sql); err != nil {
			return fmt.Errorf("tenantdb: prepare the scope statement: %w", err)
		}
	}
	w.mu.Lock()
	fns := w.fns
	w.mu.Unlock()
	for _, fn := range fns {
		if err := warm(ctx, conn, fn); err != nil {
			return fmt.Errorf("tenantdb: warm a new connection: %w", err)
		}
	}
	return nil
}

func warm(ctx context.Context, conn *pgx.Conn, fn WarmFunc) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// The scope rides with the first statement, as a request's does.
	nobody := uuid.New()
	return fn(ctx, &batched{sender: keeping{tx}, tenant: nobody.String(), sticky: true, genericPlans: true}, nobody)
}

// keeping prepares each statement before it runs, named by its SQL, which
// keeps it prepared on the connection for good: pgx runs a statement so
// prepared whenever its SQL comes again (alone or in a batch), where a
// statement of its cache is deallocated whenever a run of it fails — a
// constraint's refusal too (the exclusion constraints' 23P01 in a rush) —
// and the next run on that connection prepares, describes and plans it
// afresh, and so do all the statements of a batch with a failed one. In
// one booking rush (2000 attempts, 373 booked) that was 113 plans of the
// booking's write and 558 of the scope statement. A prepared statement
// outlives a migration that changes what it returns only until its
// connection is replaced (pgxpool's MaxConnLifetime).
type keeping struct{ pgx.Tx }

func (k keeping) prepare(ctx context.Context, sql string) error {
	_, err := k.Prepare(ctx, sql, sql)
	return err
}

func (k keeping) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := k.prepare(ctx, sql); err != nil {
		return pgconn.CommandTag{}, err
	}
	return k.Tx.Exec(ctx, sql, args...)
}

func (k keeping) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := k.prepare(ctx, sql); err != nil {
		return nil, err
	}
	return k.Tx.Query(ctx, sql, args...)
}

func (k keeping) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := k.prepare(ctx, sql); err != nil {
		return errRow{err}
	}
	return k.Tx.QueryRow(ctx, sql, args...)
}

// SendBatch prepares the batch's statements first; one that fails to
// prepare fails the batch too, as it is sent.
func (k keeping) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	for _, q := range b.QueuedQueries {
		if k.prepare(ctx, q.SQL) != nil {
			break
		}
	}
	return k.Tx.SendBatch(ctx, b)
}

// Warm registers fn with the Warmers d was made with (NewWarmed); on a DB
// without them it does nothing.
func (d *DB) Warm(fn WarmFunc) {
	if d.warmers != nil {
		d.warmers.Add(fn)
	}
}

// NewWarmed is New for a pool whose AfterConnect runs w's AfterConnect, so
// that what services register with Warm runs on its new connections.
func NewWarmed(pool *pgxpool.Pool, w *Warmers) *DB { return &DB{pool: pool, warmers: w} }
