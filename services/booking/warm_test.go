package booking_test

import (
	"context"
	"testing"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
	"steward.dev/platform/envconfig"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/server"
)

// TestWarmConnKeepsTheBookingStatementsPrepared: a new connection of a
// booking pool comes out of WarmConn with CreateBooking's read and one-slot
// write prepared for good (named by their SQL, not in pgx's cache), and
// nothing written: the write was refused by its foreign keys and rolled
// back (WarmConn fails on any other answer, and with it the connection).
func TestWarmConnKeepsTheBookingStatementsPrepared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	if _, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: "https://issuer.test"}); err != nil {
		t.Fatal(err)
	}
	w := &tenantdb.Warmers{}
	w.Add(server.WarmConn)
	pool, err := envconfig.OpenPool(ctx, d.AppURL, w.AfterConnect)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, name := range []string{"BookingContext", "CreateBookedSlot"} {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_prepared_statements
			WHERE statement LIKE '-- name: ' || $1 || ' %' AND name NOT LIKE 'stmtcache%'`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%s: %d kept prepared statements on the new connection, want 1", name, n)
		}
	}
	var rows int
	if err := d.BypassRLSPool(t).QueryRow(ctx, `SELECT (SELECT count(*) FROM booking.bookings b WHERE NOT EXISTS (SELECT 1 FROM accounts.tenants t WHERE t.tenant_id = b.tenant_id))
		+ (SELECT count(*) FROM booking.sessions s WHERE NOT EXISTS (SELECT 1 FROM accounts.tenants t WHERE t.tenant_id = s.tenant_id))`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Errorf("%d booking or session rows of no tenant after the warm-up, want 0", rows)
	}
}
