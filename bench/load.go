package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/metadata"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
)

// op performs one read and reports whether it failed.
type op func(ctx context.Context) error

// Mode is one way of reading the asset.
type Mode struct {
	Key, Title string
	newOp      func(s *stack) op
}

// Modes are measured in this order; the first two are the baselines.
var Modes = []Mode{
	{Key: "raw-pgx", Title: "(a) raw pgx prepared point select", newOp: func(s *stack) op {
		return func(ctx context.Context) error {
			_, err := scanAsset(ctx, s.rawPool, s.target)
			return err
		}
	}},
	{Key: "bare-grpc", Title: "(b) bare gRPC server → pgx, no interceptors", newOp: func(s *stack) op {
		c, req := s.bareClient(), &assetsv1.GetAssetRequest{Name: s.target.Name()}
		return func(ctx context.Context) error {
			_, err := c.GetAsset(ctx, req)
			return err
		}
	}},
	{Key: "chain", Title: "(c) GetAsset over gRPC, full interceptor chain", newOp: func(s *stack) op {
		c, req := s.chainClient(), &assetsv1.GetAssetRequest{Name: s.target.Name()}
		md := metadata.Pairs("authorization", "Bearer "+s.token)
		return func(ctx context.Context) error {
			_, err := c.GetAsset(metadata.NewOutgoingContext(ctx, md), req)
			return err
		}
	}},
	{Key: "gateway", Title: "(d) GetAsset as JSON through the gateway", newOp: func(s *stack) op {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
		u := s.gatewayURL + "/v1/" + s.target.Name()
		return func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+s.token)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("gateway: HTTP %d", resp.StatusCode)
			}
			return nil
		}
	}},
}

// Result is one mode's measurements.
type Result struct {
	Mode Mode
	// Throughput is the median round's operations per second at the
	// throughput concurrency; Min and Max bound the rounds.
	Throughput, MinThroughput, MaxThroughput float64
	P50, P99                                 time.Duration // over every round's serial calls
	Ops                                      int64         // operations in the throughput windows
}

// throughput runs op from workers goroutines for d and returns operations per
// second. Any failure fails the measurement: a fast error is not a read.
func throughput(ctx context.Context, o op, workers int, d time.Duration) (float64, int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		ops      atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := o(ctx); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				ops.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	n := ops.Load()
	return float64(n) / time.Since(start).Seconds(), n, nil
}

// latency runs op serially for d and returns every call's duration.
func latency(ctx context.Context, o op, d time.Duration) ([]time.Duration, error) {
	var samples []time.Duration
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		t0 := time.Now()
		if err := o(ctx); err != nil {
			return nil, err
		}
		samples = append(samples, time.Since(t0))
	}
	if len(samples) == 0 {
		return nil, errors.New("no samples")
	}
	return samples, nil
}
