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
	"time"

	"steward.dev/bench"
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
	return bench.WithDatabase(ctx, "steward_billing", func(d bench.Database) error {
		o.OwnerURL, o.AppURL = d.OwnerURL, d.AppURL
		before := bench.LoadAverage()
		res, err := bench.RunBilling(ctx, o)
		if err != nil {
			return err
		}
		var section bytes.Buffer
		env := bench.BillingEnvironment{When: time.Now(), Command: "make bench-billing", CPU: bench.CPUs(), Postgres: d.Postgres,
			LoadBefore: before, LoadAfter: bench.LoadAverage()}
		if err := bench.WriteBillingMarkdown(&section, env, res); err != nil {
			return err
		}
		return bench.WriteSection(out, section.Bytes(), bench.ReplaceBillingSection)
	})
}
