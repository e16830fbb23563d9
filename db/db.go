// Package db holds Steward's schema: goose migrations, applied by the owner
// role, and the names of the roles the platform relies on.
package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
)

// RuntimeRole is the role every service connects as: no superuser, no
// BYPASSRLS, DML only. Migrations create it when it is missing.
const RuntimeRole = "steward_app"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the migration files, for tools that read them (sqlc reads the folder).
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}

// Migrate applies every pending migration, connected as the owner role.
func Migrate(ctx context.Context, ownerURL string) error {
	sqlDB, err := sql.Open("pgx", ownerURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer sqlDB.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, Migrations())
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
