package dbtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestNewDatabaseIsMigrated(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	conn, err := pgx.Connect(context.Background(), d.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM assets.categories").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("categories = %d, want the seeded catalogue", n)
	}
}
