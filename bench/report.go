package bench

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// Targets are the throughput ratios against the bare gRPC floor that the
// full chain and the gateway must reach.
var Targets = map[string]float64{"chain": 0.5, "gateway": 0.3}

// Environment describes where a run happened.
type Environment struct {
	When        time.Time
	Command     string
	CPU         int
	Concurrency int
	Duration    time.Duration
	Rounds      int
	Postgres    string
}

// WriteMarkdown writes the results as bench/README.md.
func WriteMarkdown(w io.Writer, env Environment, results []Result) error {
	var floor, raw float64
	for _, r := range results {
		switch r.Mode.Key {
		case "bare-grpc":
			floor = r.Throughput
		case "raw-pgx":
			raw = r.Throughput
		}
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Benchmarks\n\n")
	p("The hot read path, GetAsset, against the floors beneath it. All four modes run in one process, in turn,\n")
	p("against the same seeded asset in a throwaway PostgreSQL %s cluster, so the ratios compare like\n", env.Postgres)
	p("with like. The load generator shares the %d CPUs with the servers and PostgreSQL, as it does for every mode.\n\n", env.CPU)
	p("Reproduce with:\n\n```sh\n%s\n```\n\n", env.Command)
	p("Last run %s, %d rounds with the modes interleaved; in each, throughput with %d concurrent callers for %s\n",
		env.When.UTC().Format("2006-01-02 15:04 UTC"), env.Rounds, env.Concurrency, env.Duration)
	p("and latency with one caller for %s. Throughput is the median round (the range shows all rounds); the\n", env.Duration)
	p("percentiles pool every round's calls.\n\n")
	p("| Mode | Reads/s at c=%d | Range | × bare gRPC (b) | × raw pgx (a) | p50 at c=1 | p99 at c=1 | Target |\n", env.Concurrency)
	p("|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range results {
		target := ""
		if t, ok := Targets[r.Mode.Key]; ok {
			verdict := "met"
			if r.Throughput < t*floor {
				verdict = "**missed**"
			}
			target = fmt.Sprintf("≥ %.1f× (b): %s", t, verdict)
		}
		p("| %s | %.0f | %.0f–%.0f | %s | %s | %s | %s | %s |\n", r.Mode.Title, r.Throughput, r.MinThroughput, r.MaxThroughput,
			ratio(r.Throughput, floor), ratio(r.Throughput, raw), micros(r.P50), micros(r.P99), target)
	}
	p("\n## What each mode does\n\n")
	p("- **(a)** a pgx pool (16 connections, as the services use) connected as the runtime role with the tenant set\n")
	p("  for the session, running the prepared `SELECT … FROM assets.assets WHERE tenant_id, home_id, asset_id`.\n")
	p("- **(b)** a gRPC server with no interceptors whose GetAsset runs that same select and builds the message.\n")
	p("- **(c)** the real Asset Management server: recovery, request logging (slog text, formatted and discarded),\n")
	p("  error translation, default deadline, OIDC bearer verification (each distinct token verified once, then\n")
	p("  cached until it expires), tenant scope from the resource name and a cached membership lookup,\n")
	p("  protovalidate, role authorization, then the sqlc query with the scope setting and the select sent as one\n")
	p("  pipelined batch — one database round trip.\n")
	p("- **(d)** (c) behind the grpc-gateway edge: HTTP/1.1 keep-alive JSON in, gRPC to the service, JSON out.\n")
	return nil
}

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func micros(d time.Duration) string { return fmt.Sprintf("%d µs", d.Microseconds()) }

// CPUs is how many CPUs the run could use.
func CPUs() int { return runtime.GOMAXPROCS(0) }
