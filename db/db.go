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

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
)

// RuntimeRole is the role every service connects as: no superuser, no
// BYPASSRLS, DML only. Migrations create it when it is missing.
const RuntimeRole = "steward_app"

// VersionSchema holds goose's version tables. It lives outside every
// service's schema so that migrating a schema down to nothing, which drops
// the schema, leaves the record of having done so.
const VersionSchema = "goose"

// schemas is the order schemas migrate in: each after every schema its
// migrations refer to. It is the order of the services catalog
// (services/catalog), which db cannot import; it is kept here because
// dbtest migrates its template with it and is called from everywhere
// without arguments. TestCatalogMigratesInDBOrder (services/catalog) fails
// when the two differ, and TestEverySchemaFolderMigrates when a folder under
// migrations/ is missing from it.
var schemas = []string{"accounts", "devidp", "assets"}

// Schemas returns every schema in migration order.
func Schemas() []string { return slices.Clone(schemas) }

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
	return MigrateSchemas(ctx, ownerURL, schemas)
}

// MigrateSchemas applies every pending migration of each schema, in the
// order given (the services catalog's), connected as the owner role.
func MigrateSchemas(ctx context.Context, ownerURL string, order []string) error {
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
	}
	return nil
}
