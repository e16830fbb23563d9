// Command steward-dashboard-bench measures GetDashboard through the gateway
// for a household of 500 assets and ten years of task history, cold and
// cached, against a raw pgx round trip, in a throwaway PostgreSQL cluster,
// and writes the results as the dashboard section of a Markdown file.
//
//	go run ./bench/cmd/steward-dashboard-bench -out bench/README.md
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
	out := flag.String("out", "", "replace the dashboard section of this Markdown file (default: print it)")
	duration := flag.Duration("duration", 3*time.Second, "each mode's calls in each round")
	rounds := flag.Int("rounds", 3, "rounds, the modes interleaved")
	flag.Parse()
	o := bench.DashboardOptions{Duration: *duration, Rounds: *rounds, Progress: func(line string) { fmt.Fprintln(os.Stderr, line) }}
	if err := run(*out, o); err != nil {
		fmt.Fprintln(os.Stderr, "steward-dashboard-bench:", err)
		os.Exit(1)
	}
}

func run(out string, o bench.DashboardOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c, err := cluster.Start(ctx, cluster.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "steward-dashboard-bench: stop cluster:", err)
		}
	}()
	if err := c.CreateDatabase(ctx, "steward_dashboard", ""); err != nil {
		return err
	}
	o.OwnerURL = c.URL(cluster.OwnerRole, "steward_dashboard")
	o.AppURL = c.URL(db.RuntimeRole, "steward_dashboard")
	if err := db.Migrate(ctx, o.OwnerURL); err != nil {
		return err
	}
	version, err := serverVersion(ctx, o.OwnerURL)
	if err != nil {
		return err
	}
	before := bench.LoadAverage()
	res, err := bench.RunDashboard(ctx, o)
	if err != nil {
		return err
	}
	cmd := "make bench-dashboard"
	if o.Duration != 3*time.Second || o.Rounds != 3 {
		cmd = fmt.Sprintf("go run ./bench/cmd/steward-dashboard-bench -duration %s -rounds %d -out bench/README.md", o.Duration, o.Rounds)
	}
	var section bytes.Buffer
	env := bench.DashboardEnvironment{When: time.Now(), Command: cmd, CPU: bench.CPUs(), Postgres: version,
		Duration: o.Duration, Rounds: o.Rounds, LoadBefore: before, LoadAfter: bench.LoadAverage()}
	if err := bench.WriteDashboardMarkdown(&section, env, res); err != nil {
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
	return os.WriteFile(out, bench.ReplaceDashboardSection(doc, section.Bytes()), 0o644)
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
