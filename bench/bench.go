package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"
)

// Options sets the shape of a run.
type Options struct {
	OwnerURL, AppURL string        // a migrated, empty database
	Concurrency      int           // for throughput; default 32
	Duration         time.Duration // per measurement; default 3s
	Warmup           time.Duration // per mode before measuring; default 1s
	// Rounds of every mode, interleaved so that a slow moment of the machine
	// hits all modes alike; default 3. Throughput is the median round.
	Rounds int
	// Progress, if set, receives a line as each measurement finishes.
	Progress func(string)
}

// Run seeds the database, starts the stack and measures every mode.
func Run(ctx context.Context, o Options) ([]Result, Target, error) {
	if o.Concurrency == 0 {
		o.Concurrency = 32
	}
	if o.Duration == 0 {
		o.Duration = 3 * time.Second
	}
	if o.Warmup == 0 {
		o.Warmup = time.Second
	}
	if o.Rounds == 0 {
		o.Rounds = 3
	}
	s, err := startStack(ctx, o.OwnerURL, o.AppURL)
	if err != nil {
		return nil, Target{}, err
	}
	defer s.close()

	ops := make([]op, len(Modes))
	for i, m := range Modes {
		ops[i] = m.newOp(s)
		// Warm connections, caches and the verified-token cache alike.
		if _, _, err := throughput(ctx, ops[i], o.Concurrency, o.Warmup); err != nil {
			return nil, Target{}, fmt.Errorf("%s: warm-up: %w", m.Key, err)
		}
	}
	rates := make([][]float64, len(Modes))
	samples := make([][]time.Duration, len(Modes))
	results := make([]Result, len(Modes))
	for round := 1; round <= o.Rounds; round++ {
		for i, m := range Modes {
			rate, n, err := throughput(ctx, ops[i], o.Concurrency, o.Duration)
			if err != nil {
				return nil, Target{}, fmt.Errorf("%s: %w", m.Key, err)
			}
			rates[i] = append(rates[i], rate)
			results[i].Ops += n
			lat, err := latency(ctx, ops[i], o.Duration)
			if err != nil {
				return nil, Target{}, fmt.Errorf("%s: latency: %w", m.Key, err)
			}
			samples[i] = append(samples[i], lat...)
			if o.Progress != nil {
				o.Progress(fmt.Sprintf("round %d  %-9s %8.0f ops/s", round, m.Key, rate))
			}
		}
	}
	for i, m := range Modes {
		r := &results[i]
		r.Mode = m
		slices.Sort(rates[i])
		r.Throughput, r.MinThroughput, r.MaxThroughput = rates[i][len(rates[i])/2], rates[i][0], rates[i][len(rates[i])-1]
		slices.Sort(samples[i])
		r.P50, r.P99 = samples[i][len(samples[i])/2], samples[i][len(samples[i])*99/100]
	}
	return results, s.target, nil
}

func removeAll(dir string) func() { return func() { _ = os.RemoveAll(dir) } }
