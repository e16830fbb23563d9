// Command steward-seed fills a migrated Steward database with development and
// demo data (see package steward.dev/db/seed). Running it again changes
// nothing.
//
// Environment:
//
//	DATABASE_URL  the database, connected as the owner role (required)
//	OIDC_ISSUER   the issuer stored with the seeded users (default http://127.0.0.1:8081)
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"steward.dev/db/seed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "steward-seed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return fmt.Errorf("DATABASE_URL is not set (use the owner role's URL)")
	}
	issuer := os.Getenv("OIDC_ISSUER")
	if issuer == "" {
		issuer = "http://127.0.0.1:8081"
	}
	summary, err := seed.Seed(ctx, url, seed.Options{Issuer: issuer})
	if err != nil {
		return err
	}
	fmt.Print(summary)
	return nil
}
