package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"steward.dev/db"
	"steward.dev/db/cluster"
)

// Database is the migrated database of a throwaway cluster that one of the
// bench commands measures in.
type Database struct {
	OwnerURL, AppURL string
	Postgres         string // the server's version, for the report
}

// WithDatabase starts a throwaway PostgreSQL cluster, creates and migrates
// the database name in it, runs fn there and stops the cluster.
func WithDatabase(ctx context.Context, name string, fn func(Database) error) (err error) {
	c, err := cluster.Start(ctx, cluster.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if serr := c.Stop(); serr != nil {
			err = errors.Join(err, fmt.Errorf("stop cluster: %w", serr))
		}
	}()
	if err := c.CreateDatabase(ctx, name, ""); err != nil {
		return err
	}
	d := Database{OwnerURL: c.URL(cluster.OwnerRole, name), AppURL: c.URL(db.RuntimeRole, name)}
	if err := db.Migrate(ctx, d.OwnerURL); err != nil {
		return err
	}
	if d.Postgres, err = serverVersion(ctx, d.OwnerURL); err != nil {
		return err
	}
	return fn(d)
}

// WriteSection prints section when out is empty; otherwise it puts section
// in the Markdown file out with replace (one of the Replace…Section
// functions), creating the file if need be.
func WriteSection(out string, section []byte, replace func(doc, section []byte) []byte) error {
	if out == "" {
		_, err := os.Stdout.Write(section)
		return err
	}
	doc, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(out, replace(doc, section), 0o644)
}

func serverVersion(ctx context.Context, url string) (string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", err
	}
	return strings.Fields(v)[0], nil
}
