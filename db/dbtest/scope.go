package dbtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// superuser is the cluster's bootstrap superuser (initdb -U postgres). It
// bypasses row-level security even where FORCE ROW LEVEL SECURITY binds the
// owner role, so tests can look past the second wall.
const superuser = "postgres"

// BypassRLSURL connects as a role that row-level security does not apply to:
// the cluster's superuser. Only "first wall" tests use it, to check that the
// queries keep tenants apart on their own.
func (d *Database) BypassRLSURL() string { return d.Cluster.URL(superuser, d.Name) }

// OwnerPool is a pool of the owner role, closed when t ends. FORCE ROW LEVEL
// SECURITY binds the owner too: read tenant rows through AsTenant.
func (d *Database) OwnerPool(t testing.TB) *pgxpool.Pool { return newPool(t, d.OwnerURL) }

// AppPool is a pool of the runtime role, the one services connect as,
// closed when t ends.
func (d *Database) AppPool(t testing.TB) *pgxpool.Pool { return newPool(t, d.AppURL) }

// BypassRLSPool is a pool of the superuser (see BypassRLSURL), closed when t ends.
func (d *Database) BypassRLSPool(t testing.TB) *pgxpool.Pool { return newPool(t, d.BypassRLSURL()) }

// Connect opens one connection to url, closed when t ends: for tests of
// what a session carries from one transaction to the next, which a pool
// would spread over connections.
func Connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func newPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// Beginner is what a transaction can be started on: a pool, a connection or
// a transaction (which then opens a savepoint).
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Scope is who a transaction runs as: app.tenant_id and app.user_id, the
// settings row-level security reads. Zero fields stay unset.
type Scope struct {
	TenantID uuid.UUID
	UserID   uuid.UUID
}

// InScope runs fn in one transaction on db with the scope set
// transaction-locally (so it never leaks to the next user of a pooled
// connection), committing if fn returns nil. It is AsTenant for code that
// has no testing.TB, such as the benchmark harness.
func InScope(ctx context.Context, db Beginner, s Scope, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := setScope(ctx, tx, s); err != nil {
			return err
		}
		return fn(tx)
	})
}

// setScope sets s in tx, transaction-locally: the one place tests set the
// settings row-level security reads (the product's is platform/tenantdb).
func setScope(ctx context.Context, tx pgx.Tx, s Scope) error {
	_, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)",
		orEmpty(s.TenantID), orEmpty(s.UserID))
	return err
}

func orEmpty(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// AsTenant runs fn in one transaction on db scoped to tenant and commits it,
// failing t on any error. Over the runtime role this is what a service sees;
// over the owner role it is how fixtures are written and checked.
func AsTenant(t testing.TB, db Beginner, tenant uuid.UUID, fn func(pgx.Tx) error) {
	t.Helper()
	InScopeT(t, db, Scope{TenantID: tenant}, fn)
}

// InScopeT is InScope failing t on any error.
func InScopeT(t testing.TB, db Beginner, s Scope, fn func(pgx.Tx) error) {
	t.Helper()
	if err := InScope(context.Background(), db, s, fn); err != nil {
		t.Fatalf("dbtest: as tenant %s: %v", s.TenantID, err)
	}
}

// ExecAsTenant runs one statement as tenant on db, failing t on an error.
func ExecAsTenant(t testing.TB, db Beginner, tenant uuid.UUID, sql string, args ...any) {
	t.Helper()
	AsTenant(t, db, tenant, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), sql, args...)
		return err
	})
}

// QueryRowAsTenant runs a one-row query as tenant on db and scans it into
// dest, failing t on an error.
func QueryRowAsTenant(t testing.TB, db Beginner, tenant uuid.UUID, sql string, args []any, dest ...any) {
	t.Helper()
	AsTenant(t, db, tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(context.Background(), sql, args...).Scan(dest...); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
		return nil
	})
}
