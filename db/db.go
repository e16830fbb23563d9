// Package db holds Steward's schema: goose migrations, applied by the owner
// role, and the names of the roles the platform relies on.
//
// Each schema migrates on its own: its files are migrations/<schema>/, numbered
// from 00001 independently of every other schema, and goose records them in a
// version table of its own (goose.<schema>_version). Two services therefore add
// migrations without renumbering each other's.
package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
)

// RuntimeRole is the role every service connects as: no superuser, no
// BYPASSRLS, DML only. Migrations create it when it is missing.
const RuntimeRole = "steward_app"

// VersionSchema holds goose's version tables. It lives outside every
// service's schema so that migrating a schema down to nothing, which drops
// the schema, leaves the record of having done so.
const VersionSchema = "goose"

// Schemas returns every schema in migration order: each after every schema
// it requires. A schema states what it requires in a line of its first
// migration, "-- requires: accounts" (comma-separated), next to the SQL that
// refers to those schemas; ties go by name. So the order lives with the
// migrations and there is no list of schemas to keep: a new folder under
// migrations/ is migrated, and TestCatalogMigratesInDBOrder (services/catalog)
// checks that the catalog's services are listed in a compatible order.
func Schemas() ([]string, error) {
	folders, err := MigrationFolders()
	if err != nil {
		return nil, err
	}
	requires := map[string][]string{}
	for _, schema := range folders {
		if requires[schema], err = requiredSchemas(schema); err != nil {
			return nil, err
		}
	}
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(schema string, path []string) error
	visit = func(schema string, path []string) error {
		switch state[schema] {
		case 1:
			return fmt.Errorf("migrations: schemas require each other in a cycle: %s", strings.Join(append(path, schema), " → "))
		case 2:
			return nil
		}
		if !slices.Contains(folders, schema) {
			return fmt.Errorf("migrations: %s requires schema %q, which has no folder", path[len(path)-1], schema)
		}
		state[schema] = 1
		for _, r := range requires[schema] {
			if err := visit(r, append(path, schema)); err != nil {
				return err
			}
		}
		state[schema] = 2
		order = append(order, schema)
		return nil
	}
	for _, schema := range folders { // name order, so ties are stable
		if err := visit(schema, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// Requires returns the schemas schema requires, from the "-- requires:" line
// of its first migration.
func Requires(schema string) ([]string, error) { return requiredSchemas(schema) }

func requiredSchemas(schema string) ([]string, error) {
	files, err := fs.Glob(migrations, "migrations/"+schema+"/*.sql")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("migrations: schema %q has no .sql files", schema)
	}
	slices.Sort(files)
	first, err := fs.ReadFile(migrations, files[0])
	if err != nil {
		return nil, err
	}
	var required []string
	for line := range strings.Lines(string(first)) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- requires:")
		if !ok {
			continue
		}
		for r := range strings.SplitSeq(rest, ",") {
			if r = strings.TrimSpace(r); r != "" {
				required = append(required, r)
			}
		}
	}
	return required, nil
}

//go:embed migrations
var migrations embed.FS

// Migrations returns the migration files of schema.
func Migrations(schema string) (fs.FS, error) {
	if _, err := fs.Stat(migrations, "migrations/"+schema); err != nil {
		return nil, fmt.Errorf("no migrations for schema %q: %w", schema, err)
	}
	return fs.Sub(migrations, "migrations/"+schema)
}

// MigrationFolders returns the schema folders under migrations/, in name
// order.
func MigrationFolders() ([]string, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// NewProvider returns a goose provider for one schema's migrations on sqlDB,
// connected as the owner role, recording them in the schema's own version
// table. It creates the version tables' schema when missing.
func NewProvider(ctx context.Context, sqlDB *sql.DB, schema string) (*goose.Provider, error) {
	files, err := Migrations(schema)
	if err != nil {
		return nil, err
	}
	if _, err := sqlDB.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+VersionSchema); err != nil {
		return nil, fmt.Errorf("create schema %s: %w", VersionSchema, err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, files,
		goose.WithTableName(VersionSchema+"."+schema+"_version"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("load migrations of %s: %w", schema, err)
	}
	return provider, nil
}

// Migrate applies every pending migration of every schema, in Schemas order,
// connected as the owner role.
func Migrate(ctx context.Context, ownerURL string) error {
	order, err := Schemas()
	if err != nil {
		return err
	}
	sqlDB, err := sql.Open("pgx", ownerURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer sqlDB.Close()
	for _, schema := range order {
		provider, err := NewProvider(ctx, sqlDB, schema)
		if err != nil {
			return err
		}
		if _, err := provider.Up(ctx); err != nil {
			return fmt.Errorf("migrate %s: %w", schema, err)
		}
		if schema == JobsSchema {
			if err := migrateJobQueue(ctx, sqlDB); err != nil {
				return err
			}
		}
	}
	return nil
}

// JobsSchema holds the job queue's tables (platform/jobs), which River
// creates and upgrades with its own migrations.
const JobsSchema = "jobs"

// OutboxSchema holds the transactional outbox (platform/outbox) every
// service that sends mail writes to.
const OutboxSchema = "outbox"

// PlatformSchemas are the schemas of platform pieces that every service
// uses and none owns, so no catalog entry lists them.
var PlatformSchemas = []string{JobsSchema, OutboxSchema}

// migrateJobQueue brings River's tables in JobsSchema to the version this
// build of River needs and lets the runtime role use them (DML only, like
// every other table).
func migrateJobQueue(ctx context.Context, sqlDB *sql.DB) error {
	migrator, err := rivermigrate.New(riverdatabasesql.New(sqlDB), &rivermigrate.Config{Schema: JobsSchema})
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate the job queue: %w", err)
	}
	for _, grant := range []string{
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + JobsSchema + " TO " + RuntimeRole,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + JobsSchema + " TO " + RuntimeRole,
	} {
		if _, err := sqlDB.ExecContext(ctx, grant); err != nil {
			return fmt.Errorf("job queue grants: %w", err)
		}
	}
	return nil
}
