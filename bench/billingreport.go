package bench

import (
	"fmt"
	"io"
	"time"
)

// The billing run's section of bench/README.md lies between these markers.
const (
	BillingBegin = "<!-- billing:begin (written by make bench-billing) -->"
	BillingEnd   = "<!-- billing:end -->"
)

// BillingEnvironment describes where a billing benchmark ran.
type BillingEnvironment = RushEnvironment

// WriteBillingMarkdown writes the billing run's README section, markers
// included.
func WriteBillingMarkdown(w io.Writer, env BillingEnvironment, r BillingResult) error {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	f := r.First
	p("%s\n## The billing run (%d families, drafted and issued)\n\n", BillingBegin, r.Families)
	p("Reproduce with:\n\n```sh\n%s\n```\n\n", env.Command)
	p("Last run %s on %d CPUs, PostgreSQL %s (the throwaway cluster of db/cluster, fsync off as for every benchmark here),\n",
		env.When.UTC().Format("2006-01-02 15:04 UTC"), env.CPU, env.Postgres)
	p("one in-process Steward (issuer, every gRPC service, the gateway) over the seeded database, plus a school of its own built\n")
	p("by services/invoicing/invoicingtest (not measured, %s): %d families (every third with a second child), %d enrolments in\n",
		r.Setup.Round(100*time.Millisecond), r.Families, r.Enrolments)
	p("40 classes of a ten-week term (8 group and 2 individual weeks), a price list with a default and a piano rate, GST 10%%\n")
	p("tax-inclusive. 1-minute load average %s before, %s after.\n\n", env.LoadBefore, env.LoadAfter)
	p("**One `CreateBillingRun` with `issue_invoices`**, over gRPC as the admin, then `GetOperation` every 25 ms until done:\n\n")
	verdict := "met"
	if f.Elapsed >= BillingTarget {
		verdict = "**missed**"
	}
	p("| Families | Invoices drafted | Issued | Time (create → done) | of which drafting | Invoices/s | CPU: PostgreSQL | CPU: Go | target < %s |\n", BillingTarget)
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	p("| %d | %d | %d | %s | %s | %.0f | %s | %s | %s |\n\n", f.FamiliesTotal, f.Drafted, f.Issued, secs(f.Elapsed), secs(f.Drafting),
		f.InvoicesPerSecond(), secs(f.DBCPU), secs(f.GoCPU), verdict)
	p("The invoice emails, each with its PDF rendered and attached, were all in the outbox %s after the call: receipt\n", secs(f.Receipts))
	p("jobs, enqueued by each issuing transaction, render and write them while and after the run issues (delivery over SMTP\n")
	p("is the outbox's job, not measured here; the harness runs no SMTP server, so each delivery fails and is retried on the\n")
	p("same queue of 16 workers, which slows the receipts: a figure to improve, not a floor).\n\n")
	p("Progress as the polls saw it (`BillingRun` in the operation's metadata; one batch of 100 families, or of 100 drafts\n")
	p("issued, is one transaction and moves the counters once):\n\n")
	p("| After | Families done | Drafted | Issued |\n|---:|---:|---:|---:|\n")
	for _, s := range thin(f.Samples, 12) {
		p("| %s | %d | %d | %d |\n", secs(s.At), s.FamiliesDone, s.Drafted, s.Issued)
	}
	a := r.Again
	p("\n**The same run again** (idempotent): %s, %d families, %d drafted, %d skipped, %d issued.\n\n",
		secs(a.Elapsed), a.FamiliesTotal, a.Drafted, a.Skipped, a.Issued)
	p("**Afterwards, in SQL**: %d invoices for the term, %d issued, %d families with more than one, numbers %s to %s with %d gaps.\n\n",
		r.Invoices, r.IssuedInDB, r.FamiliesTwice, r.FirstNumber, r.LastNumber, r.NumberGaps)
	p("What a run does: it reads the term's billable enrolments from Booking in pages of 1,000 (the service's own identity),\n")
	p("prices every family before drafting any (a missing rate fails the run with nothing drafted), drafts 100 families per\n")
	p("transaction, two transactions at a time (`ledger.DraftTermInvoice`: the invoice and its lines; a family that has its\n")
	p("invoice is skipped by the one-per-family-and-term index), then issues the term's drafts 100 per transaction, one\n")
	p("transaction at a time (the gapless number sequence admits one issuer), taken `FOR UPDATE SKIP LOCKED` so concurrent\n")
	p("runs never issue one twice. The load average is other work on the machine: the figures move with it.\n")
	p("%s\n", BillingEnd)
	return nil
}

// thin keeps at most n samples, evenly spread, the last always.
func thin(samples []BillingSample, n int) []BillingSample {
	if len(samples) <= n {
		return samples
	}
	var out []BillingSample
	for i := range n - 1 {
		out = append(out, samples[i*len(samples)/(n-1)])
	}
	return append(out, samples[len(samples)-1])
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// ReplaceBillingSection returns doc with its billing section replaced by
// section, or section appended when it has none.
func ReplaceBillingSection(doc, section []byte) []byte {
	return replaceSection(doc, section, BillingBegin, BillingEnd)
}
