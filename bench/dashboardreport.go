package bench

import (
	"fmt"
	"io"
	"time"
)

// The dashboard's section of bench/README.md, which make bench and make
// bench-rush leave as it is.
const (
	DashboardBegin = "<!-- dashboard:begin (written by make bench-dashboard) -->"
	DashboardEnd   = "<!-- dashboard:end -->"
)

// DashboardEnvironment describes where a dashboard run happened.
type DashboardEnvironment struct {
	When                  time.Time
	Command               string
	CPU                   int
	Postgres              string
	Duration              time.Duration
	Rounds                int
	LoadBefore, LoadAfter string
}

// WriteDashboardMarkdown writes the dashboard's section.
func WriteDashboardMarkdown(w io.Writer, env DashboardEnvironment, r DashboardResult) error {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	h := r.Household
	var raw DashboardMode
	for _, m := range r.Modes {
		if m.Key == "raw-pgx" {
			raw = m
		}
	}
	p("%s\n## The household dashboard (GetDashboard through the gateway)\n\n", DashboardBegin)
	p("Reproduce with:\n\n```sh\n%s\n```\n\n", env.Command)
	p("Last run %s on %d CPUs, PostgreSQL %s (the throwaway cluster of db/cluster), one in-process Steward (issuer,\n",
		env.When.UTC().Format("2006-01-02 15:04 UTC"), env.CPU, env.Postgres)
	p("every gRPC service, the gateway); 1-minute load average %s before the run, %s after. One caller, %d rounds of\n",
		env.LoadBefore, env.LoadAfter, env.Rounds)
	p("%s per mode with the modes interleaved; the percentiles pool every round's calls.\n\n", env.Duration)
	p("**The household** (built by the harness, not the seeder): %d homes (Europe/London, America/New_York), %d assets of\n", h.Homes, h.Assets)
	p("ten categories, %d plans, %d tasks from %s to %s — %d done (%d with a cost, %d repairs), %d open or started —\n",
		h.Plans, h.Tasks, h.From.Format("2006-01-02"), h.To.Format("2006-01-02"), h.Completed, h.WithCost, h.Repairs, h.OpenTasks)
	p("%d parts and a health score for every asset. The dashboard answered %d overdue and %d due tasks (the lists' first\n", h.Parts, h.OverdueShown, h.DueShown)
	p("20 each), %d months of spend, %d expiring warranties and %d risky assets: %d bytes of JSON.\n\n",
		h.SpendMonths, h.WarrantiesShown, h.RiskyShown, h.ResponseBytes)
	p("| Mode | Calls | p50 | p99 | max | p50 × raw pgx | p99 × raw pgx | CPU/call: PostgreSQL | CPU/call: Go | target p99 < %s |\n", ms(DashboardTarget))
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, m := range r.Modes {
		target := ""
		if m.Key == "cold" {
			target = "met"
			if m.P99 >= DashboardTarget {
				target = "**missed**"
			}
		}
		p("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", m.Title, m.Calls, msf(m.P50), msf(m.P99), msf(m.Max),
			ratio(float64(m.P50), float64(raw.P50)), ratio(float64(m.P99), float64(raw.P99)), msf(m.DBCPU), msf(m.GoCPU), target)
	}
	p("\nCPU per call is the CPU time the database's backends and this process used over each mode's calls, divided\n")
	p("by the calls (the cold mode's include the untimed version bump before each): unlike latency, other work on\n")
	p("the machine hardly changes it. With 2 CPUs, a cold call's CPU is the floor of its latency on a quiet machine.\n")
	p("\nWhat each mode does:\n\n")
	p("- **(a)** a pgx pool connected as the runtime role with the tenant set for the session, running a prepared\n")
	p("  `SELECT display_name FROM maintenance.asset_facts WHERE tenant_id, asset_id`: one round trip, the floor.\n")
	p("- **(b)** `GET /v1/tenants/{tenant}/dashboard` as the household's OWNER, HTTP/1.1 keep-alive, through the gateway\n")
	p("  and the full interceptor chain. Before each call (untimed) the harness bumps the tenant's row in\n")
	p("  `maintenance.dashboard_versions`, as any write to the tables the dashboard reads does by trigger, so every call\n")
	p("  misses the cache: the version check, then the homes, the task counts, the task lists, the spend, the\n")
	p("  warranties and the riskiest assets — seven statements, each one round trip (the scope setting pipelined\n")
	p("  with it), every one over all the homes at once with each home's own today.\n")
	p("- **(c)** the same call with nothing changed: the version check (one indexed read of one row) and the cached\n")
	p("  message; no aggregate runs.\n\n")
	p("The indexes the cold path reads (migration maintenance 00005): open and started tasks by (tenant, home, due\n")
	p("date), and done tasks with a cost by (tenant, home, completion time) carrying their asset and cost, so the\n")
	p("spend is an index-only range scan per home and month and never reads the ten years of the table.\n")
	p("%s\n", DashboardEnd)
	return nil
}

// ReplaceDashboardSection returns doc with its dashboard section replaced
// by section (or section appended when doc has none).
func ReplaceDashboardSection(doc, section []byte) []byte {
	return replaceSection(doc, section, DashboardBegin, DashboardEnd)
}

// DashboardSection returns the dashboard section of the file at path, or nil.
func DashboardSection(path string) []byte { return sectionOf(path, DashboardBegin, DashboardEnd) }
