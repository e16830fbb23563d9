// Command steward-rush measures the booking rush — CreateBooking through the
// gateway, open loop, into a freshly opened window on the seeded school —
// with its step search and pgbench yardsticks, in a throwaway PostgreSQL
// cluster, and writes the results as the rush section of a Markdown file.
//
//	go run ./bench/cmd/steward-rush -out bench/README.md
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"steward.dev/bench"
)

func main() {
	out := flag.String("out", "", "replace the rush section of this Markdown file (default: print it)")
	attempts := flag.Int("n", 2000, "attempts in the main run")
	rate := flag.Float64("rate", 1000, "arrivals per second in the main run")
	families := flag.Int("families", 220, "distinct families booking")
	steps := flag.String("steps", "100,200,300,400,500,750,1000,1500,2000,3000", "arrival rates of the step search, ascending")
	stepDuration := flag.Duration("step", 3*time.Second, "attempts per step: this long at its rate")
	pgbench := flag.String("pgbench", "/usr/bin/pgbench", "pgbench for the yardsticks; empty skips them")
	pgbenchDuration := flag.Duration("pgbench-duration", 10*time.Second, "length of each pgbench yardstick")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (load generator and Steward) here")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "steward-rush: -cpuprofile:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	var rates []float64
	for _, s := range strings.Split(*steps, ",") {
		if s = strings.TrimSpace(s); s != "" {
			r, err := strconv.ParseFloat(s, 64)
			if err != nil {
				fmt.Fprintln(os.Stderr, "steward-rush: -steps:", err)
				os.Exit(2)
			}
			rates = append(rates, r)
		}
	}
	o := bench.RushOptions{Attempts: *attempts, Rate: *rate, Families: *families, StepRates: rates, StepDuration: *stepDuration,
		Pgbench: *pgbench, PgbenchDuration: *pgbenchDuration, Progress: func(line string) { fmt.Fprintln(os.Stderr, line) }}
	if err := run(*out, o); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "steward-rush:", err)
		os.Exit(1) //nolint:gocritic // the profile is stopped above
	}
}

func run(out string, o bench.RushOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return bench.WithDatabase(ctx, "steward_rush", func(d bench.Database) error {
		o.OwnerURL, o.AppURL = d.OwnerURL, d.AppURL
		before := bench.LoadAverage()
		res, err := bench.RunRush(ctx, o)
		if err != nil {
			return err
		}
		var section bytes.Buffer
		env := bench.RushEnvironment{When: time.Now(), Command: "make bench-rush", CPU: bench.CPUs(), Postgres: d.Postgres,
			LoadBefore: before, LoadAfter: bench.LoadAverage()}
		if err := bench.WriteRushMarkdown(&section, env, res); err != nil {
			return err
		}
		return bench.WriteSection(out, section.Bytes(), bench.ReplaceRushSection)
	})
}
