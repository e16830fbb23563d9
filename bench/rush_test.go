package bench_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"steward.dev/bench"
	"steward.dev/db/dbtest"
)

// TestRushSmoke keeps the rush harness working on a small scale: every
// attempt is answered and counted, nothing is double-booked, the answers
// are bookings or refusals with a declared reason, and the report lands in
// its own section of the README. It asserts no speed.
func TestRushSmoke(t *testing.T) {
	d := dbtest.New(t)
	o := bench.RushOptions{OwnerURL: d.OwnerURL, AppURL: d.AppURL, Attempts: 150, Rate: 300, Families: 220,
		StepRates: []float64{300}, StepDuration: 500 * time.Millisecond, PgbenchDuration: time.Second, PgbenchClients: 4}
	if _, err := os.Stat("/usr/bin/pgbench"); err == nil {
		o.Pgbench = "/usr/bin/pgbench"
	}
	res, err := bench.RunRush(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Families != 220 {
		t.Errorf("families = %d, want 220", res.Families)
	}
	for _, run := range append([]bench.RushRun{res.Main}, res.Steps...) {
		n := 0
		for outcome, c := range run.Outcomes {
			n += c
			if strings.Contains(outcome, "without a reason") || strings.Contains(outcome, "error") {
				t.Errorf("%.0f/s: %d answers %q: every answer must be a booking or a refusal with a reason", run.Rate, c, outcome)
			}
		}
		if n != run.Attempts {
			t.Errorf("%.0f/s: %d answers for %d attempts", run.Rate, n, run.Attempts)
		}
		if !run.Doubles.Zero() {
			t.Errorf("%.0f/s: double bookings %+v", run.Rate, run.Doubles)
		}
		if run.Booked == 0 || run.SessionsBooked != run.Booked {
			t.Errorf("%.0f/s: %d booked, %d sessions in the database; want some, equal", run.Rate, run.Booked, run.SessionsBooked)
		}
	}
	if m := res.Main; m.EarlyP99 <= 0 || m.LateP99 <= 0 || max(m.EarlyP99, m.LateP99) > m.Max {
		t.Errorf("main run: p99 of the first tenth %s and of the rest %s, want both in (0, max %s]", m.EarlyP99, m.LateP99, m.Max)
	}
	if len(res.Serial) == 0 || res.Serial[0].Outcome != "booked" {
		t.Errorf("serial latencies %+v: want the booked ones first", res.Serial)
	}
	if o.Pgbench != "" && (res.SimpleUpdateTPS <= 0 || res.BookingInsertTPS <= 0) {
		t.Errorf("yardsticks: simple-update %.0f, booking insert %.0f", res.SimpleUpdateTPS, res.BookingInsertTPS)
	}
	var section bytes.Buffer
	if err := bench.WriteRushMarkdown(&section, bench.RushEnvironment{When: time.Now(), Command: "make bench-rush", CPU: 1, Postgres: "15"}, res); err != nil {
		t.Fatal(err)
	}
	doc := bench.ReplaceRushSection([]byte("# Benchmarks\n\nthe read path\n"), section.Bytes())
	again := bench.ReplaceRushSection(doc, section.Bytes())
	if !bytes.Equal(doc, again) || !bytes.HasPrefix(doc, []byte("# Benchmarks\n\nthe read path\n\n"+bench.RushBegin)) {
		t.Errorf("the rush section does not replace itself in place:\n%s", again)
	}
}

// TestRushSectionSurvivesBench: make bench rewrites bench/README.md from its
// own results and must carry the rush's section over unchanged.
func TestRushSectionSurvivesBench(t *testing.T) {
	section := []byte(bench.RushBegin + "\n## The booking rush\n\nfigures\n" + bench.RushEnd + "\n")
	path := t.TempDir() + "/README.md"
	if err := os.WriteFile(path, bench.ReplaceRushSection([]byte("# Benchmarks\n\nold read path\n"), section), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := bench.RushSection(path); !bytes.Equal(got, section) {
		t.Errorf("RushSection = %q, want %q", got, section)
	}
	if got := bench.RushSection(t.TempDir() + "/none.md"); got != nil {
		t.Errorf("RushSection of a missing file = %q, want nil", got)
	}
}
