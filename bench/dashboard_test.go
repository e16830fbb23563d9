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

// TestDashboardSmoke keeps the dashboard harness working on a short run:
// the household is built to its stated size, every mode answers, and the
// report lands in its own section of the README without disturbing the
// others. It asserts no speed.
func TestDashboardSmoke(t *testing.T) {
	d := dbtest.New(t)
	res, err := bench.RunDashboard(context.Background(), bench.DashboardOptions{OwnerURL: d.OwnerURL, AppURL: d.AppURL,
		Duration: 200 * time.Millisecond, Rounds: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Household
	if h.Assets != 500 || h.Homes != 2 || h.Tasks < 30000 || h.To.Sub(h.From) < 10*365*24*time.Hour || h.OpenTasks != h.Plans {
		t.Errorf("household = %+v; want 500 assets in 2 homes, ten years of tasks, one open task a plan", h)
	}
	if len(res.Modes) != 3 {
		t.Fatalf("modes = %+v", res.Modes)
	}
	for _, m := range res.Modes {
		if m.Calls == 0 || m.P50 <= 0 || m.P99 < m.P50 {
			t.Errorf("%s: %+v", m.Key, m)
		}
	}
	var section bytes.Buffer
	if err := bench.WriteDashboardMarkdown(&section, bench.DashboardEnvironment{When: time.Now(), Command: "make bench-dashboard", CPU: 1,
		Postgres: "15", Duration: time.Second, Rounds: 1}, res); err != nil {
		t.Fatal(err)
	}
	rush := []byte(bench.RushBegin + "\n## The booking rush\n\nfigures\n" + bench.RushEnd + "\n")
	doc := bench.ReplaceDashboardSection(bench.ReplaceRushSection([]byte("# Benchmarks\n\nthe read path\n"), rush), section.Bytes())
	again := bench.ReplaceDashboardSection(doc, section.Bytes())
	if !bytes.Equal(doc, again) || !bytes.Contains(doc, rush) || !strings.Contains(string(doc), "(b) GetDashboard through the gateway, cold") {
		t.Errorf("the dashboard section does not replace itself in place beside the rush's:\n%s", again)
	}
	path := t.TempDir() + "/README.md"
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := bench.DashboardSection(path); !bytes.Equal(got, section.Bytes()) {
		t.Errorf("DashboardSection = %q, want %q", got, section.Bytes())
	}
}
