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
	"time"

	"steward.dev/bench"
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
	return bench.WithDatabase(ctx, "steward_dashboard", func(d bench.Database) error {
		o.OwnerURL, o.AppURL = d.OwnerURL, d.AppURL
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
		env := bench.DashboardEnvironment{When: time.Now(), Command: cmd, CPU: bench.CPUs(), Postgres: d.Postgres,
			Duration: o.Duration, Rounds: o.Rounds, LoadBefore: before, LoadAfter: bench.LoadAverage()}
		if err := bench.WriteDashboardMarkdown(&section, env, res); err != nil {
			return err
		}
		return bench.WriteSection(out, section.Bytes(), bench.ReplaceDashboardSection)
	})
}
