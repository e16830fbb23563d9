// Package tenantdb is the only way services reach PostgreSQL. Every statement
// runs with the request's tenant set as a transaction-local setting, so
// row-level security applies; without a scope in the context nothing runs.
//
// Reads cost one round trip: the scope setting and the query travel in one
// pipelined batch, which PostgreSQL runs as one implicit transaction, so the
// transaction-local setting holds for the query and is gone afterwards.
package tenantdb

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/platform/scope"
)

// DBTX is what sqlc-generated stores run on.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ErrNoScope is returned by every statement attempted without a scope.
var ErrNoScope = errors.New("tenantdb: no tenant scope in context")

const setScopeSQL = "SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)"

// setScopeGenericSQL is setScopeSQL for an executor with GenericPlans.
const setScopeGenericSQL = "SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true), " +
	"set_config('plan_cache_mode', 'force_generic_plan', true)"

// DB hands out scoped executors over a pool.
type DB struct {
	pool    *pgxpool.Pool
	warmers *Warmers // nil: Warm does nothing
}

// New wraps pool, which must connect as the runtime role.
func New(pool *pgxpool.Pool) *DB { return &DB{pool: pool} }

// Scoped returns an executor for the tenant in ctx; each statement is its own
// one-round-trip transaction. Use InTx when statements must be atomic.
//
// A statement PostgreSQL aborts to break a deadlock (40P01) or a
// serialization failure (40001) is sent again, up to MaxTxAttempts times in
// all, as InTx runs a transaction again: it was its own transaction, so
// nothing of it remains. That holds for Exec and QueryRow; Query returns
// its rows as they come, so its error is the caller's.
func (d *DB) Scoped(ctx context.Context, opts ...Option) DBTX {
	t, ok := scope.TenantFrom(ctx)
	if !ok {
		return failed{ErrNoScope}
	}
	b := &batched{sender: d.pool, tenant: t.TenantID.String(), user: callerUser(ctx)}
	for _, o := range opts {
		o(b)
	}
	return b
}

// An Option adjusts a Scoped executor.
type Option func(*batched)

// GenericPlans has PostgreSQL run the executor's statements on the generic
// plan of each prepared statement from its first execution on a connection
// (plan_cache_mode force_generic_plan, for the statement's transaction).
// By default it plans the first five executions on every connection for
// their parameters, to learn whether that beats a generic plan: for a
// statement whose generic plan is as good (PostgreSQL settles on it after
// those five anyway) that is planning for nothing, and a lot of it for a
// large statement on fresh connections — booking's BookingContext plans in
// about 2.5 ms and runs in 0.45, so a pool's first hundred bookings, the
// first second of a booking rush, used to pay four times what the rest did.
// Use it only for statements whose generic plan has been checked.
func GenericPlans() Option {
	return func(b *batched) { b.genericPlans = true }
}

// AsUser returns an executor scoped to a user but no tenant, for reading the
// user's own memberships before a tenant scope exists.
func (d *DB) AsUser(userID uuid.UUID) DBTX {
	if userID == uuid.Nil {
		return failed{ErrNoScope}
	}
	return &batched{sender: d.pool, user: userID.String()}
}

// JobQueuePool returns the pool for the job queue's own tables
// (platform/jobs), which hold no tenant rows: River runs its queries there,
// and a job's work reaches tenant rows only through InTx and Scoped like a
// request's.
func (d *DB) JobQueuePool() *pgxpool.Pool { return d.pool }

// TxOf returns the transaction under x when x is an executor InTx handed
// out, for a library that takes a pgx.Tx itself (the job queue's insert),
// so that its statements commit or roll back with the caller's.
func TxOf(x DBTX) (pgx.Tx, bool) {
	b, ok := x.(*batched)
	if !ok || !b.sticky {
		return nil, false
	}
	tx, ok := b.sender.(pgx.Tx)
	return tx, ok
}

// Unscoped returns the raw pool for queries of shared, tenant-less data
// (sqlc queries named Unscoped*). RLS still denies every tenant row.
func (d *DB) Unscoped() DBTX { return d.pool }

// InTx runs fn in one transaction scoped to the tenant in ctx, committing if
// fn returns nil. The scope setting rides with the first statement.
//
// A transaction PostgreSQL aborts to break a deadlock (40P01) or a
// serialization failure (40001) is run again, up to MaxTxAttempts times in
// all: two requests that wanted the same rows in opposite orders are a
// race, not a failure of either, and the second attempt meets the winner's
// committed rows. fn must therefore have no effects outside the
// transaction (all it did was rolled back) and must not keep results of a
// failed attempt.
func (d *DB) InTx(ctx context.Context, fn func(DBTX) error) error {
	var err error
	for range MaxTxAttempts {
		if err = d.inTx(ctx, fn); !retryable(err) {
			return err
		}
	}
	return err
}

// MaxTxAttempts bounds InTx's runs of one transaction.
const MaxTxAttempts = 3

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

func (d *DB) inTx(ctx context.Context, fn func(DBTX) error) (err error) {
	t, ok := scope.TenantFrom(ctx)
	if !ok {
		return ErrNoScope
	}
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// The request context may be done; roll back regardless.
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(&batched{sender: tx, tenant: t.TenantID.String(), user: callerUser(ctx), sticky: true}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func callerUser(ctx context.Context) string {
	if c, ok := scope.CallerFrom(ctx); ok && c.UserID != uuid.Nil {
		return c.UserID.String()
	}
	return ""
}

type sender interface {
	DBTX
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// batched prefixes statements with the scope setting in the same batch. In a
// transaction (sticky) only the first statement needs it.
type batched struct {
	sender       sender
	tenant, user string
	genericPlans bool
	sticky       bool
	scoped       bool
}

func (b *batched) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	batch := &pgx.Batch{}
	if b.genericPlans {
		batch.Queue(setScopeGenericSQL, b.tenant, b.user)
	} else {
		batch.Queue(setScopeSQL, b.tenant, b.user)
	}
	batch.Queue(sql, args...)
	br := b.sender.SendBatch(ctx, batch)
	// Not wrapped: pgx reports a failure to prepare any statement of the
	// batch here, and that is usually the query's error, not the scope's.
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, err
	}
	if b.sticky {
		b.scoped = true
	}
	return br, nil
}

func (b *batched) direct() bool { return b.scoped }

func (b *batched) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if b.direct() {
		return b.sender.Exec(ctx, sql, args...)
	}
	var tag pgconn.CommandTag
	err := b.again(func() error {
		br, err := b.send(ctx, sql, args)
		if err != nil {
			return err
		}
		tag, err = br.Exec()
		return firstErr(err, br.Close())
	})
	return tag, err
}

// again runs one statement's round trip, and again while PostgreSQL aborted
// it to break a deadlock or a serialization failure, up to MaxTxAttempts
// times — unless it ran in the caller's transaction, whose own retry
// (InTx's) it is.
func (b *batched) again(trip func() error) error {
	err := trip()
	for try := 1; !b.sticky && try < MaxTxAttempts && retryable(err); try++ {
		err = trip()
	}
	return err
}

func (b *batched) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if b.direct() {
		return b.sender.Query(ctx, sql, args...)
	}
	br, err := b.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (b *batched) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if b.direct() {
		return b.sender.QueryRow(ctx, sql, args...)
	}
	// Sent now, as pgx sends a QueryRow; its error comes with Scan.
	br, err := b.send(ctx, sql, args)
	return &batchRow{br: br, err: err, resend: func() (pgx.BatchResults, error) { return b.send(ctx, sql, args) }, b: b}
}

// batchRows closes the batch when the rows are closed, returning the
// connection to the pool.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// batchRow scans the row of a sent batch, sending it again (resend) when
// PostgreSQL aborted the statement to break a deadlock.
type batchRow struct {
	br     pgx.BatchResults
	err    error // of sending br
	resend func() (pgx.BatchResults, error)
	b      *batched
}

func (r *batchRow) Scan(dest ...any) error {
	first := true
	return r.b.again(func() error {
		br, err := r.br, r.err
		if !first {
			br, err = r.resend()
		}
		first = false
		if err != nil {
			return err
		}
		err = br.QueryRow().Scan(dest...)
		return firstErr(err, br.Close())
	})
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type failed struct{ err error }

func (f failed) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, f.err
}
func (f failed) Query(context.Context, string, ...any) (pgx.Rows, error) { return nil, f.err }
func (f failed) QueryRow(context.Context, string, ...any) pgx.Row        { return errRow(f) }

// firstErr keeps the statement's own error (pgx.ErrNoRows must stay
// comparable) and falls back to the batch's close error.
func firstErr(err, closeErr error) error {
	if err != nil {
		return err
	}
	return closeErr
}
