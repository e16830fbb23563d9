// Command steward-billing-bench measures a billing run — every family of a
// 2,000-family school invoiced, drafted and issued by one CreateBillingRun
// polled to its end — in a throwaway PostgreSQL cluster, and writes the
// results as the billing section of a Markdown file.
//
//	go run ./bench/cmd/steward-billing-bench -out bench/README.md
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"steward.dev/bench"
	"steward.dev/db"
	"steward.dev/db/cluster"
)

func main() {
	out := flag.String("out", "", "replace the billing section of this Markdown file (default: print it)")
	families := flag.Int("families", 2000, "families in the billed school")
	flag.Parse()
	o := bench.BillingOptions{Families: *families, Progress: func(line string) { fmt.Fprintln(os.Stderr, line) }}
	if err := run(*out, o); err != nil {
		fmt.Fprintln(os.Stderr, "steward-billing-bench:", err)
		os.Exit(1)
	}
}

func run(out string, o bench.BillingOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c, err := cluster.Start(ctx, cluster.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "steward-billing-bench: stop cluster:", err)
		}
	}()
	if err := c.CreateDatabase(ctx, "steward_billing", ""); err != nil {
		return err
	}
	o.OwnerURL = c.URL(cluster.OwnerRole, "steward_billing")
	o.AppURL = c.URL(db.RuntimeRole, "steward_billing")
	if err := db.Migrate(ctx, o.OwnerURL); err != nil {
		return err
	}
	version, err := serverVersion(ctx, o.OwnerURL)
	if err != nil {
		return err
	}
	before := bench.LoadAverage()
	res, err := bench.RunBilling(ctx, o)
	if err != nil {
		return err
	}
	var section bytes.Buffer
	env := bench.BillingEnvironment{When: time.Now(), Command: "make bench-billing", CPU: bench.CPUs(), Postgres: version,
		LoadBefore: before, LoadAfter: bench.LoadAverage()}
	if err := bench.WriteBillingMarkdown(&section, env, res); err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(section.Bytes())
		return err
	}
	doc, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(out, bench.ReplaceBillingSection(doc, section.Bytes()), 0o644)
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
