// Package dbtest gives each test a fresh, migrated database of its own,
// cloned from a template in a throwaway cluster shared by the test binary.
package dbtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"steward.dev/db"
	"steward.dev/db/cluster"
)

const template = "steward_template"

var (
	once    sync.Once
	shared  *cluster.Cluster
	initErr error
	counter atomic.Int64
)

// Main runs the package's tests and stops the cluster afterwards. Call it
// from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "dbtest: stop cluster:", err)
		}
	}
	os.Exit(code)
}

// Database is one test's database.
type Database struct {
	Name string
	// OwnerURL connects as the owner role (migrations, seeding, assertions).
	OwnerURL string
	// AppURL connects as the runtime role, so row-level security applies.
	AppURL string
	// Cluster is the cluster the database lives in.
	Cluster *cluster.Cluster
}

// New creates a fresh database for t from the migrated template.
func New(t testing.TB) *Database {
	t.Helper()
	c := start(t)
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), counter.Add(1))
	if err := c.CreateDatabase(context.Background(), name, template); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return &Database{Name: name, OwnerURL: c.URL(cluster.OwnerRole, name), AppURL: c.URL(db.RuntimeRole, name), Cluster: c}
}

func start(t testing.TB) *cluster.Cluster {
	t.Helper()
	once.Do(func() {
		ctx := context.Background()
		c, err := cluster.Start(ctx, cluster.Options{})
		if err != nil {
			initErr = err
			return
		}
		shared = c
		if err := c.CreateDatabase(ctx, template, ""); err != nil {
			initErr = err
			return
		}
		initErr = db.Migrate(ctx, c.URL(cluster.OwnerRole, template))
	})
	if initErr != nil {
		t.Fatalf("dbtest: start cluster: %v", initErr)
	}
	return shared
}
