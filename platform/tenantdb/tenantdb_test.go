package tenantdb_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/db/dbtest"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Homes each fixture tenant holds; different so a leak changes the count.
const homesA, homesB = 3, 2

type fixture struct {
	db         *dbtest.Database
	a, b       uuid.UUID // tenants
	userA      uuid.UUID // member of a only
	ownerConn  *pgx.Conn
	ctxA, ctxB context.Context
}

// newFixture creates a database holding two tenants with homes and one user
// who belongs to tenant a. Rows are written as the owner, which FORCE RLS
// also binds, so each tenant's rows go in under that tenant's scope.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: dbtest.New(t), a: uuid.New(), b: uuid.New(), userA: uuid.New()}
	conn, err := pgx.Connect(ctx, f.db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	f.ownerConn = conn
	if _, err := conn.Exec(ctx, "INSERT INTO accounts.users (user_id, issuer, subject, email, display_name) VALUES ($1, 'https://issuer.test', $2, 'a@example.com', 'A')", f.userA, f.userA.String()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tenant uuid.UUID
		homes  int
	}{{f.a, homesA}, {f.b, homesB}} {
		f.ownerExec(t, tc.tenant, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, 'household', 'T')", tc.tenant)
		for i := range tc.homes {
			f.ownerExec(t, tc.tenant, "INSERT INTO assets.homes (tenant_id, home_id, display_name, time_zone) VALUES ($1, gen_random_uuid(), $2, 'UTC')", tc.tenant, fmt.Sprintf("home %d", i))
		}
	}
	f.ownerExec(t, f.a, "INSERT INTO accounts.memberships (tenant_id, user_id, roles) VALUES ($1, $2, '{owner}')", f.a, f.userA)
	f.ctxA = scope.WithCaller(scope.WithTenant(ctx, scope.Tenant{TenantID: f.a}), scope.Caller{UserID: f.userA})
	f.ctxB = scope.WithTenant(ctx, scope.Tenant{TenantID: f.b})
	return f
}

// ownerExec runs one statement as the owner in tenant's scope.
func (f *fixture) ownerExec(t *testing.T, tenant uuid.UUID, sql string, args ...any) {
	t.Helper()
	dbtest.ExecAsTenant(t, f.ownerConn, tenant, sql, args...)
}

// ownerCount counts tenant's homes as the owner, bypassing tenantdb.
func (f *fixture) ownerCount(t *testing.T, tenant uuid.UUID) int {
	t.Helper()
	var n int
	dbtest.QueryRowAsTenant(t, f.ownerConn, tenant, "SELECT count(*) FROM assets.homes", nil, &n)
	return n
}

// pool connects as the runtime role, the one RLS applies to.
func (f *fixture) pool(t *testing.T, configure func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(f.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(cfg)
	}
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// homeTenants returns the tenant_id of every home q can see, unfiltered.
func homeTenants(ctx context.Context, q tenantdb.DBTX) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, "SELECT tenant_id FROM assets.homes")
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

func assertOnly(t testing.TB, got []uuid.UUID, tenant uuid.UUID, want int) {
	t.Helper()
	if len(got) != want {
		t.Errorf("saw %d homes, want %d", len(got), want)
	}
	for _, id := range got {
		if id != tenant {
			t.Errorf("saw a home of tenant %s while scoped to %s", id, tenant)
		}
	}
}

// counter is a pgx tracer counting what reaches a connection.
type counter struct {
	mu                        sync.Mutex
	queries, batches, prepare int
}

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	c.queries++
	c.mu.Unlock()
	return ctx
}
func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *counter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.mu.Lock()
	c.batches++
	c.mu.Unlock()
	return ctx
}
func (c *counter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *counter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}
func (c *counter) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	c.mu.Lock()
	c.prepare++
	c.mu.Unlock()
	return ctx
}
func (c *counter) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

func (c *counter) snapshot() (queries, batches, prepare int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queries, c.batches, c.prepare
}

func (c *counter) reset() {
	c.mu.Lock()
	c.queries, c.batches, c.prepare = 0, 0, 0
	c.mu.Unlock()
}

func TestWithoutScopeNothingRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tr := &counter{}
	pool := f.pool(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = tr })
	d := tenantdb.New(pool)
	ctx := context.Background()
	// A caller without a tenant is still unscoped.
	callerOnly := scope.WithCaller(ctx, scope.Caller{UserID: f.userA})
	insert := "INSERT INTO assets.homes (tenant_id, home_id, display_name, time_zone) VALUES ($1, gen_random_uuid(), 'x', 'UTC')"

	for name, q := range map[string]tenantdb.DBTX{
		"Scoped":        d.Scoped(ctx),
		"Scoped caller": d.Scoped(callerOnly),
		"AsUser nil":    d.AsUser(uuid.Nil),
	} {
		if _, err := q.Exec(ctx, insert, f.a); !errors.Is(err, tenantdb.ErrNoScope) {
			t.Errorf("%s Exec: %v, want ErrNoScope", name, err)
		}
		rows, err := q.Query(ctx, "SELECT 1") //nolint:sqlclosecheck // closed below if it ever exists
		if rows != nil {
			rows.Close()
		}
		if !errors.Is(err, tenantdb.ErrNoScope) || rows != nil {
			t.Errorf("%s Query: rows %v, %v, want nil, ErrNoScope", name, rows, err)
		}
		var n int
		if err := q.QueryRow(ctx, "SELECT 1").Scan(&n); !errors.Is(err, tenantdb.ErrNoScope) {
			t.Errorf("%s QueryRow: %v, want ErrNoScope", name, err)
		}
	}
	called := false
	if err := d.InTx(callerOnly, func(tenantdb.DBTX) error { called = true; return nil }); !errors.Is(err, tenantdb.ErrNoScope) {
		t.Errorf("InTx: %v, want ErrNoScope", err)
	}
	if called {
		t.Error("InTx ran fn without a scope")
	}
	if n := pool.Stat().AcquireCount(); n != 0 {
		t.Errorf("pool handed out %d connections, want none", n)
	}
	if q, b, p := tr.snapshot(); q+b+p != 0 {
		t.Errorf("traced %d queries, %d batches, %d prepares; want none", q, b, p)
	}
	if n := f.ownerCount(t, f.a); n != homesA {
		t.Errorf("tenant a has %d homes, want %d", n, homesA)
	}
}

// TestScopedSeesOnlyItsTenant runs unfiltered statements in every pgx exec
// mode: each must carry the scope and the statement in one implicit
// transaction, or RLS would hide every row (or worse, use a stale scope).
func TestScopedSeesOnlyItsTenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	modes := []pgx.QueryExecMode{
		pgx.QueryExecModeCacheStatement,
		pgx.QueryExecModeCacheDescribe,
		pgx.QueryExecModeDescribeExec,
		pgx.QueryExecModeExec,
		pgx.QueryExecModeSimpleProtocol,
	}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			pool := f.pool(t, func(c *pgxpool.Config) {
				c.ConnConfig.DefaultQueryExecMode = mode
				c.MaxConns = 1 // one session serves both tenants in turn
			})
			d := tenantdb.New(pool)
			for range 2 { // a second pass runs on prepared statements
				got, err := homeTenants(f.ctxA, d.Scoped(f.ctxA))
				if err != nil {
					t.Fatal(err)
				}
				assertOnly(t, got, f.a, homesA)
				got, err = homeTenants(f.ctxB, d.Scoped(f.ctxB))
				if err != nil {
					t.Fatal(err)
				}
				assertOnly(t, got, f.b, homesB)
			}

			var tenant, user string
			var tenants int
			err := d.Scoped(f.ctxA).QueryRow(f.ctxA, "SELECT current_setting('app.tenant_id'), current_setting('app.user_id'), (SELECT count(*) FROM accounts.tenants)").Scan(&tenant, &user, &tenants)
			if err != nil {
				t.Fatal(err)
			}
			if tenant != f.a.String() || user != f.userA.String() || tenants != 1 {
				t.Errorf("scoped to a: tenant %q user %q, %d tenants visible; want %s, %s, 1", tenant, user, tenants, f.a, f.userA)
			}

			// An unfiltered write touches only the scoped tenant's rows.
			tag, err := d.Scoped(f.ctxB).Exec(f.ctxB, "UPDATE assets.homes SET revision = revision + 1")
			if err != nil {
				t.Fatal(err)
			}
			if tag.RowsAffected() != homesB {
				t.Errorf("unfiltered UPDATE scoped to b touched %d rows, want %d", tag.RowsAffected(), homesB)
			}
			// Writing into another tenant fails the policy's WITH CHECK.
			_, err = d.Scoped(f.ctxB).Exec(f.ctxB, "INSERT INTO assets.homes (tenant_id, home_id, display_name, time_zone) VALUES ($1, gen_random_uuid(), 'Sneaky', 'UTC')", f.a)
			if err == nil {
				t.Error("scoped to b, inserted a home into a")
			}
			if n := f.ownerCount(t, f.a); n != homesA {
				t.Errorf("tenant a has %d homes, want %d", n, homesA)
			}
			// No rows is still pgx.ErrNoRows, which sqlc callers compare against.
			var id uuid.UUID
			if err := d.Scoped(f.ctxA).QueryRow(f.ctxA, "SELECT home_id FROM assets.homes WHERE tenant_id = $1", f.b).Scan(&id); !errors.Is(err, pgx.ErrNoRows) {
				t.Errorf("reading b's homes scoped to a: %v, want pgx.ErrNoRows", err)
			}
		})
	}
}

func TestAsUserSeesOwnMembershipsOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := tenantdb.New(f.pool(t, nil))
	ctx := context.Background()
	q := d.AsUser(f.userA)

	rows, err := q.Query(ctx, "SELECT tenant_id FROM accounts.tenants")
	if err != nil {
		t.Fatal(err)
	}
	tenants, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatal(err)
	}
	if len(tenants) != 1 || tenants[0] != f.a {
		t.Errorf("user of a sees tenants %v, want [%s]", tenants, f.a)
	}
	homes, err := homeTenants(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(homes) != 0 {
		t.Errorf("a user scope without a tenant sees %d homes, want 0", len(homes))
	}
	var n int
	if err := d.AsUser(uuid.New()).QueryRow(ctx, "SELECT count(*) FROM accounts.memberships").Scan(&n); err != nil || n != 0 {
		t.Errorf("a stranger sees %d memberships (%v), want 0", n, err)
	}
}

// TestScopeDoesNotLeak reuses one connection after every way a scoped
// statement can end and checks that the session carries no scope.
func TestScopeDoesNotLeak(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pool := f.pool(t, func(c *pgxpool.Config) { c.MaxConns = 1 })
	d := tenantdb.New(pool)
	ctx := f.ctxA
	errBoom := errors.New("boom")

	var pid uint32
	if err := d.Unscoped().QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"QueryRow", func() error {
			var n int
			return d.Scoped(ctx).QueryRow(ctx, "SELECT count(*) FROM assets.homes").Scan(&n)
		}},
		{"Query", func() error { _, err := homeTenants(ctx, d.Scoped(ctx)); return err }},
		{"Query closed early", func() error {
			rows, err := d.Scoped(ctx).Query(ctx, "SELECT tenant_id FROM assets.homes")
			if err != nil {
				return err
			}
			rows.Next()
			rows.Close()
			return rows.Err()
		}},
		{"Exec", func() error {
			_, err := d.Scoped(ctx).Exec(ctx, "UPDATE assets.homes SET revision = revision + 1")
			return err
		}},
		{"failing statement", func() error {
			_, err := d.Scoped(ctx).Exec(ctx, "SELECT 1 / (count(*) - count(*)) FROM assets.homes")
			if err == nil {
				return errors.New("division by zero succeeded")
			}
			return nil
		}},
		{"failing query", func() error {
			rows, err := d.Scoped(ctx).Query(ctx, "SELECT 1 / (count(*) - count(*)) FROM assets.homes")
			if err != nil {
				return nil //nolint:nilerr // failing is what this case wants
			}
			for rows.Next() {
			}
			rows.Close()
			if rows.Err() == nil {
				return errors.New("division by zero succeeded")
			}
			return nil
		}},
		{"no rows", func() error {
			var n int
			if err := d.Scoped(ctx).QueryRow(ctx, "SELECT 1 WHERE false").Scan(&n); !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("got %w, want ErrNoRows", err)
			}
			return nil
		}},
		{"InTx commit", func() error {
			return d.InTx(ctx, func(q tenantdb.DBTX) error { _, err := homeTenants(ctx, q); return err })
		}},
		{"InTx rollback", func() error {
			err := d.InTx(ctx, func(q tenantdb.DBTX) error {
				if _, err := homeTenants(ctx, q); err != nil {
					return err
				}
				return errBoom
			})
			if !errors.Is(err, errBoom) {
				return fmt.Errorf("got %w, want errBoom", err)
			}
			return nil
		}},
		{"AsUser", func() error {
			var n int
			return d.AsUser(f.userA).QueryRow(ctx, "SELECT count(*) FROM accounts.memberships").Scan(&n)
		}},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var tenant, user *string
		var homes, tenants int
		var samePID uint32
		err := d.Unscoped().QueryRow(ctx, `SELECT nullif(current_setting('app.tenant_id', true), ''), nullif(current_setting('app.user_id', true), ''),
			(SELECT count(*) FROM assets.homes), (SELECT count(*) FROM accounts.tenants), pg_backend_pid()`).Scan(&tenant, &user, &homes, &tenants, &samePID)
		if err != nil {
			t.Fatalf("after %s: %v", s.name, err)
		}
		if samePID != pid {
			t.Fatalf("after %s: ran on backend %d, want %d; the test needs one connection", s.name, samePID, pid)
		}
		if tenant != nil || user != nil || homes != 0 || tenants != 0 {
			t.Errorf("after %s the session keeps tenant %v user %v and sees %d homes, %d tenants; want none", s.name, deref(tenant), deref(user), homes, tenants)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

func TestInTx(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := tenantdb.New(f.pool(t, nil))
	ctx := f.ctxA
	insert := "INSERT INTO assets.homes (tenant_id, home_id, display_name, time_zone) VALUES ($1, gen_random_uuid(), 'tx', 'UTC')"

	t.Run("commits on nil with every statement scoped", func(t *testing.T) {
		err := d.InTx(ctx, func(q tenantdb.DBTX) error {
			// The first statement carries the scope; the rest run directly.
			for range 2 {
				if _, err := q.Exec(ctx, insert, f.a); err != nil {
					return err
				}
			}
			var tenant string
			if err := q.QueryRow(ctx, "SELECT current_setting('app.tenant_id')").Scan(&tenant); err != nil {
				return err
			}
			if tenant != f.a.String() {
				t.Errorf("third statement runs for tenant %q, want %s", tenant, f.a)
			}
			got, err := homeTenants(ctx, q)
			assertOnly(t, got, f.a, homesA+2)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := f.ownerCount(t, f.a); n != homesA+2 {
			t.Errorf("after commit tenant a has %d homes, want %d", n, homesA+2)
		}
		// Clean up for the sibling subtests.
		if _, err := d.Scoped(ctx).Exec(ctx, "DELETE FROM assets.homes WHERE display_name = 'tx'"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("rolls back on error", func(t *testing.T) {
		errBoom := errors.New("boom")
		err := d.InTx(ctx, func(q tenantdb.DBTX) error {
			if _, err := q.Exec(ctx, insert, f.a); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("InTx: %v, want fn's error", err)
		}
		if n := f.ownerCount(t, f.a); n != homesA {
			t.Errorf("after rollback tenant a has %d homes, want %d", n, homesA)
		}
	})

	t.Run("rolls back when the context is done", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		err := d.InTx(cctx, func(q tenantdb.DBTX) error {
			if _, err := q.Exec(cctx, insert, f.a); err != nil {
				return err
			}
			cancel()
			return context.Canceled
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("InTx: %v, want context.Canceled", err)
		}
		if n := f.ownerCount(t, f.a); n != homesA {
			t.Errorf("after cancel tenant a has %d homes, want %d", n, homesA)
		}
	})

	t.Run("a policy violation aborts the transaction", func(t *testing.T) {
		err := d.InTx(ctx, func(q tenantdb.DBTX) error {
			if _, err := q.Exec(ctx, insert, f.a); err != nil {
				return err
			}
			_, err := q.Exec(ctx, insert, f.b) // another tenant: WITH CHECK fails
			return err
		})
		if err == nil {
			t.Fatal("InTx inserted a home into another tenant")
		}
		if n := f.ownerCount(t, f.a); n != homesA {
			t.Errorf("tenant a has %d homes, want %d (the first insert must roll back)", n, homesA)
		}
		if n := f.ownerCount(t, f.b); n != homesB {
			t.Errorf("tenant b has %d homes, want %d", n, homesB)
		}
	})
}

// TestConcurrentTenantsStayApart shares a few connections among many
// goroutines of two tenants, so every connection serves both in turn.
func TestConcurrentTenantsStayApart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := tenantdb.New(f.pool(t, func(c *pgxpool.Config) { c.MaxConns = 4 }))
	const goroutines, rounds = 50, 10
	var wg sync.WaitGroup
	for g := range goroutines {
		ctx, tenant, want := f.ctxA, f.a, homesA
		if g%2 == 1 {
			ctx, tenant, want = f.ctxB, f.b, homesB
		}
		wg.Go(func() {
			for i := range rounds {
				var got []uuid.UUID
				var err error
				switch (g + i) % 3 {
				case 0:
					got, err = homeTenants(ctx, d.Scoped(ctx))
				case 1:
					err = d.InTx(ctx, func(q tenantdb.DBTX) error {
						var tenantSetting string
						if err := q.QueryRow(ctx, "SELECT current_setting('app.tenant_id')").Scan(&tenantSetting); err != nil {
							return err
						}
						if tenantSetting != tenant.String() {
							return fmt.Errorf("transaction scoped to %s runs for %q", tenant, tenantSetting)
						}
						got, err = homeTenants(ctx, q)
						return err
					})
				case 2:
					var tenantSetting string
					var n int
					err = d.Scoped(ctx).QueryRow(ctx, "SELECT current_setting('app.tenant_id'), count(*) FROM assets.homes WHERE tenant_id = current_setting('app.tenant_id')::uuid").Scan(&tenantSetting, &n)
					if err == nil && tenantSetting != tenant.String() {
						err = fmt.Errorf("statement scoped to %s runs for %q", tenant, tenantSetting)
					}
					for range n {
						got = append(got, uuid.MustParse(tenantSetting))
					}
				}
				if err != nil {
					t.Errorf("goroutine %d round %d: %v", g, i, err)
					return
				}
				assertOnly(t, got, tenant, want)
			}
		})
	}
	wg.Wait()
}

// flights counts request flights on a connection: a write that follows a
// read (or starts the connection) begins a new round trip.
type flights struct {
	net.Conn
	mu      *sync.Mutex
	n       *int
	reading bool
}

func (c *flights) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.reading {
		*c.n++
		c.reading = false
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *flights) Read(b []byte) (int, error) {
	c.mu.Lock()
	c.reading = true
	c.mu.Unlock()
	return c.Conn.Read(b)
}

func TestScopedReadIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tr := &counter{}
	var mu sync.Mutex
	var trips int
	pool := f.pool(t, func(c *pgxpool.Config) {
		c.MaxConns = 1
		c.MinConns = 0
		c.ConnConfig.Tracer = tr
		// A liveness ping on acquire would add a round trip of the pool's own.
		c.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
		c.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &flights{Conn: conn, mu: &mu, n: &trips, reading: true}, nil
		}
	})
	d := tenantdb.New(pool)
	ctx := f.ctxA
	read := func() {
		t.Helper()
		var n int
		if err := d.Scoped(ctx).QueryRow(ctx, "SELECT count(*) FROM assets.homes").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != homesA {
			t.Fatalf("saw %d homes, want %d", n, homesA)
		}
		got, err := homeTenants(ctx, d.Scoped(ctx))
		if err != nil {
			t.Fatal(err)
		}
		assertOnly(t, got, f.a, homesA)
	}
	// The first use connects and prepares the statements.
	read()
	tr.reset()
	mu.Lock()
	trips = 0
	mu.Unlock()

	read() // a QueryRow and a Query
	q, b, p := tr.snapshot()
	if q != 0 || b != 2 || p != 0 {
		t.Errorf("two scoped reads traced %d queries, %d batches, %d prepares; want 0, 2, 0", q, b, p)
	}
	mu.Lock()
	defer mu.Unlock()
	if trips != 2 {
		t.Errorf("two scoped reads took %d round trips, want 2", trips)
	}
}

// TestInTxRunsADeadlockedTransactionAgain: two transactions that lock two
// rows in opposite orders deadlock; PostgreSQL aborts one (40P01), and InTx
// runs it again, so both commit.
func TestInTxRunsADeadlockedTransactionAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := tenantdb.New(f.pool(t, nil))
	ctx := f.ctxA
	var first, second uuid.UUID
	for _, id := range []*uuid.UUID{&first, &second} {
		*id = uuid.New()
		f.ownerExec(t, f.a, "INSERT INTO assets.homes (tenant_id, home_id, display_name, time_zone) VALUES ($1, $2, 'lock', 'UTC')", f.a, *id)
	}
	touch := "UPDATE assets.homes SET display_name = display_name || '+' WHERE tenant_id = $1 AND home_id = $2"
	var attempts atomic.Int32
	var bothHoldOne sync.WaitGroup
	bothHoldOne.Add(2)
	run := func(a, b uuid.UUID) error {
		var tried bool
		return d.InTx(ctx, func(q tenantdb.DBTX) error {
			attempts.Add(1)
			if _, err := q.Exec(ctx, touch, f.a, a); err != nil {
				return err
			}
			if !tried { // the first time, wait until the other holds its row too
				tried = true
				bothHoldOne.Done()
				bothHoldOne.Wait()
			}
			_, err := q.Exec(ctx, touch, f.a, b)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(first, second) }()
	go func() { errs <- run(second, first) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("InTx: %v; want both to commit", err)
		}
	}
	// 3: one of the two was run again. Under load PostgreSQL may also abort
	// the other's retry once more; what matters is that both committed.
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts; want at least 3 (a transaction run again)", n)
	}
	var a, b string
	if err := d.Scoped(ctx).QueryRow(ctx, "SELECT (SELECT display_name FROM assets.homes WHERE home_id = $1), (SELECT display_name FROM assets.homes WHERE home_id = $2)",
		first, second).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != "lock++" || b != "lock++" {
		t.Errorf("homes are %q and %q; want each touched by both transactions once", a, b)
	}
}

// TestInTxGivesUpAfterMaxAttempts: a transaction that keeps failing to
// serialise is run MaxTxAttempts times, and the last error is returned.
func TestInTxGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := tenantdb.New(f.pool(t, nil))
	var attempts int
	err := d.InTx(f.ctxA, func(tenantdb.DBTX) error {
		attempts++
		return &pgconn.PgError{Code: "40001", Message: "could not serialize access"}
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "40001" {
		t.Fatalf("InTx: %v; want the serialization failure", err)
	}
	if attempts != tenantdb.MaxTxAttempts {
		t.Errorf("%d attempts; want %d", attempts, tenantdb.MaxTxAttempts)
	}
	// Any other error is not run again.
	attempts = 0
	_ = d.InTx(f.ctxA, func(tenantdb.DBTX) error { attempts++; return &pgconn.PgError{Code: "23505"} })
	if attempts != 1 {
		t.Errorf("a unique violation ran %d times; want 1", attempts)
	}
}

// TestScopedRunsADeadlockedStatementAgain: two single statements that take
// two locks in opposite orders deadlock; PostgreSQL aborts one (40P01), and
// the Scoped executor sends it again, so both succeed — through Exec and
// through QueryRow alike.
func TestScopedRunsADeadlockedStatementAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := tenantdb.New(f.pool(t, nil))
	ctx := f.ctxA
	const both = "SELECT pg_advisory_xact_lock($1::bigint), pg_sleep(0.3), pg_advisory_xact_lock($2::bigint)"
	errs := make(chan error, 2)
	go func() {
		_, err := d.Scoped(ctx).Exec(ctx, both, 81, 82)
		errs <- err
	}()
	go func() {
		var x, y, z any
		errs <- d.Scoped(ctx).QueryRow(ctx, both, 82, 81).Scan(&x, &y, &z)
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("a deadlocked statement: %v; want it sent again and done", err)
		}
	}
}

// TestGenericPlans: the option sets plan_cache_mode for the statement's
// transaction only; without it the server's setting holds.
func TestGenericPlans(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := tenantdb.New(f.pool(t, func(c *pgxpool.Config) { c.MaxConns = 1 }))
	ctx := f.ctxA
	const show = "SELECT current_setting('plan_cache_mode')"
	for _, tc := range []struct {
		opts []tenantdb.Option
		want string
	}{{nil, "auto"}, {[]tenantdb.Option{tenantdb.GenericPlans()}, "force_generic_plan"}, {nil, "auto"}} {
		var got string
		if err := d.Scoped(ctx, tc.opts...).QueryRow(ctx, show).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("plan_cache_mode = %q, want %q", got, tc.want)
		}
	}
}
