// Command steward-bench measures GetAsset against its floors in a throwaway
// PostgreSQL cluster and writes the results as Markdown.
//
//	go run ./bench/cmd/steward-bench -out bench/README.md
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
	out := flag.String("out", "", "write the Markdown report here (default: stdout)")
	duration := flag.Duration("duration", 3*time.Second, "length of each measurement")
	concurrency := flag.Int("c", 32, "concurrent callers for throughput")
	rounds := flag.Int("rounds", 3, "rounds of every mode, interleaved")
	flag.Parse()
	if err := run(*out, *duration, *concurrency, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "steward-bench:", err)
		os.Exit(1)
	}
}

func run(out string, duration time.Duration, concurrency, rounds int) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c, err := cluster.Start(ctx, cluster.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "steward-bench: stop cluster:", err)
		}
	}()
	if err := c.CreateDatabase(ctx, "steward_bench", ""); err != nil {
		return err
	}
	ownerURL := c.URL(cluster.OwnerRole, "steward_bench")
	if err := db.Migrate(ctx, ownerURL); err != nil {
		return err
	}
	appURL := c.URL(db.RuntimeRole, "steward_bench")
	pgVersion, err := serverVersion(ctx, ownerURL)
	if err != nil {
		return err
	}

	results, _, err := bench.Run(ctx, bench.Options{
		OwnerURL: ownerURL, AppURL: appURL, Concurrency: concurrency, Duration: duration, Rounds: rounds,
		Progress: func(line string) { fmt.Fprintln(os.Stderr, line) },
	})
	if err != nil {
		return err
	}
	cmd := "make bench"
	if duration != 3*time.Second || concurrency != 32 || rounds != 3 {
		cmd = fmt.Sprintf("go run ./bench/cmd/steward-bench -duration %s -c %d -rounds %d -out bench/README.md", duration, concurrency, rounds)
	}
	var buf bytes.Buffer
	env := bench.Environment{When: time.Now(), Command: cmd, CPU: bench.CPUs(), Concurrency: concurrency, Duration: duration, Rounds: rounds, Postgres: pgVersion}
	if err := bench.WriteMarkdown(&buf, env, results); err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(buf.Bytes())
		return err
	}
	// The rush's and the dashboard's sections (make bench-rush, make
	// bench-dashboard) are those benchmarks' to rewrite: keep them.
	for _, section := range [][]byte{bench.RushSection(out), bench.DashboardSection(out)} {
		if section != nil {
			buf.WriteString("\n")
			buf.Write(section)
		}
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
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
