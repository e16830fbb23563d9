package bench

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Options sets the shape of a run.
type Options struct {
	OwnerURL, AppURL string        // a migrated, empty database
	Concurrency      int           // for throughput; default 32
	Duration         time.Duration // per measurement; default 5s
	Warmup           time.Duration // per mode before measuring; default 1s
	// Progress, if set, receives a line as each mode finishes.
	Progress func(string)
}

// Run seeds the database, starts the stack and measures every mode.
func Run(ctx context.Context, o Options) ([]Result, Target, error) {
	if o.Concurrency == 0 {
		o.Concurrency = 32
	}
	if o.Duration == 0 {
		o.Duration = 5 * time.Second
	}
	if o.Warmup == 0 {
		o.Warmup = time.Second
	}
	s, err := startStack(ctx, o.OwnerURL, o.AppURL)
	if err != nil {
		return nil, Target{}, err
	}
	defer s.close()

	results := make([]Result, 0, len(Modes))
	for _, m := range Modes {
		o2 := m.newOp(s)
		// Warm connections, caches and the verified-token cache alike.
		if _, _, err := throughput(ctx, o2, o.Concurrency, o.Warmup); err != nil {
			return nil, Target{}, fmt.Errorf("%s: warm-up: %w", m.Key, err)
		}
		r := Result{Mode: m}
		if r.Throughput, r.Ops, err = throughput(ctx, o2, o.Concurrency, o.Duration); err != nil {
			return nil, Target{}, fmt.Errorf("%s: %w", m.Key, err)
		}
		if r.P50, r.P99, err = latency(ctx, o2, o.Duration); err != nil {
			return nil, Target{}, fmt.Errorf("%s: latency: %w", m.Key, err)
		}
		if o.Progress != nil {
			o.Progress(fmt.Sprintf("%-9s %8.0f ops/s  p50 %v  p99 %v", m.Key, r.Throughput, r.P50, r.P99))
		}
		results = append(results, r)
	}
	return results, s.target, nil
}

func removeAll(dir string) func() { return func() { _ = os.RemoveAll(dir) } }
