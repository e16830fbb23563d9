package bench_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"steward.dev/bench"
	"steward.dev/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestRunSmoke keeps the harness working: every mode reads the asset without
// error for a moment and the report names them all. It asserts no speed.
func TestRunSmoke(t *testing.T) {
	d := dbtest.New(t)
	results, target, err := bench.Run(context.Background(), bench.Options{
		OwnerURL: d.OwnerURL, AppURL: d.AppURL, Concurrency: 4,
		Duration: 100 * time.Millisecond, Warmup: 50 * time.Millisecond, Rounds: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(bench.Modes) {
		t.Fatalf("got %d results, want %d", len(results), len(bench.Modes))
	}
	var buf bytes.Buffer
	env := bench.Environment{When: time.Now(), Command: "make bench", CPU: 1, Concurrency: 4, Duration: time.Second, Rounds: 2, Postgres: "15"}
	if err := bench.WriteMarkdown(&buf, env, results); err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Ops == 0 {
			t.Errorf("%s: no reads completed", r.Mode.Key)
		}
		if !strings.Contains(buf.String(), r.Mode.Title) {
			t.Errorf("report lacks %s", r.Mode.Title)
		}
	}
	if target.AssetID == uuid.Nil {
		t.Error("no asset was benchmarked")
	}
}
