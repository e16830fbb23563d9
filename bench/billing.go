package bench

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/services/inprocess"
	"steward.dev/services/invoicing/invoicingtest"
)

// The billing run: a school of thousands of families, each with its term
// invoice drafted and issued by one CreateBillingRun, polled through
// GetOperation as a client would, from the call to the operation's done.

// BillingOptions shape a billing benchmark.
type BillingOptions struct {
	OwnerURL, AppURL string // a migrated, empty database
	Families         int    // default 2000
	// Poll is how often the operation is polled; default 25ms.
	Poll     time.Duration
	Progress func(string)
}

// BillingTarget is the issue's goal for drafting and issuing 2,000
// families' invoices.
const BillingTarget = 10 * time.Second

// BillingSample is the run's progress as one poll saw it.
type BillingSample struct {
	At                                     time.Duration // since CreateBillingRun was sent
	FamiliesDone, Drafted, Skipped, Issued int32
}

// BillingRun is one measured billing run.
type BillingRun struct {
	// Elapsed runs from sending CreateBillingRun to the first poll that
	// saw the operation done; Drafting until the first poll that saw every
	// family done.
	Elapsed, Drafting                       time.Duration
	FamiliesTotal, Drafted, Skipped, Issued int32
	Samples                                 []BillingSample
	// CPU over the run: the database's backends, and this process (Steward
	// and the poller).
	DBCPU, GoCPU time.Duration
	// Receipts is from sending CreateBillingRun until the outbox held the
	// invoice email (PDF attached) of every invoice the run issued: the
	// receipt jobs the issuing transactions enqueued, which render the PDFs
	// and write the emails while and after the run issues. Delivering
	// them over SMTP is the outbox's and not measured.
	Receipts time.Duration
}

// BillingResult is a whole billing benchmark.
type BillingResult struct {
	Families, Enrolments int
	Setup                time.Duration // building the school (not measured)
	First                BillingRun    // drafts and issues every invoice
	Again                BillingRun    // the same run again: drafts and issues nothing
	// What the database holds afterwards, checked in SQL.
	Invoices, IssuedInDB, FamiliesTwice, NumberGaps int
	FirstNumber, LastNumber                         string
}

// RunBilling seeds the database, starts Steward in this process, builds the
// benchmark's school (a tenant of its own beside the seeded ones, its admin
// the seeded school's) and measures a billing run that drafts and issues
// every family's invoice, then the same run again.
func RunBilling(ctx context.Context, o BillingOptions) (BillingResult, error) {
	if o.Families == 0 {
		o.Families = 2000
	}
	if o.Poll == 0 {
		o.Poll = 25 * time.Millisecond
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	var res BillingResult
	dataDir, err := tempDir()
	if err != nil {
		return res, err
	}
	defer removeAll(dataDir)()
	steward, err := inprocess.Start(ctx, inprocess.Config{OwnerURL: o.OwnerURL, AppURL: o.AppURL, DataDir: dataDir,
		OpenAPI: []byte(`{"swagger":"2.0","info":{"title":"bench","version":"0"},"paths":{}}`)})
	if err != nil {
		return res, err
	}
	defer steward.Close()
	owner, err := pgxpool.New(ctx, o.OwnerURL)
	if err != nil {
		return res, err
	}
	defer owner.Close()
	var database string
	if err := owner.QueryRow(ctx, `SELECT current_database()`).Scan(&database); err != nil {
		return res, err
	}

	// The school's tenant, administered by the seeded school's admin.
	tenant := uuid.New()
	adminEmail := steward.Summary.SchoolLogins()[0].Email
	if err := dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: tenant}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, 'school', 'Harbour Music Academy')`, tenant); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO accounts.memberships (tenant_id, user_id, roles) VALUES ($1, $2, '{admin}')`, tenant, seed.UserID(adminEmail))
		return err
	}); err != nil {
		return res, fmt.Errorf("bench school: %w", err)
	}
	token, err := steward.Login(adminEmail)
	if err != nil {
		return res, err
	}
	admin := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	bookingConn, err := grpc.NewClient(steward.Addrs["booking"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return res, err
	}
	defer bookingConn.Close()
	invoicingConn, err := grpc.NewClient(steward.Addrs["invoicing"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return res, err
	}
	defer invoicingConn.Close()
	runs := invoicingv1.NewBillingRunServiceClient(invoicingConn)

	start := time.Now()
	school, err := invoicingtest.Build(ctx, owner, bookingConn, admin, tenant, invoicingtest.Spec{Families: o.Families})
	if err != nil {
		return res, err
	}
	res.Setup, res.Families, res.Enrolments = time.Since(start), len(school.Families), school.Enrolments
	o.Progress(fmt.Sprintf("school built in %s: %d families, %d enrolments", res.Setup.Round(time.Millisecond), res.Families, res.Enrolments))
	// A first call, so the run does not pay for the connection and the
	// caller's caches.
	if _, err := runs.ListBillingRuns(admin, &invoicingv1.ListBillingRunsRequest{Parent: "tenants/" + tenant.String()}); err != nil {
		return res, err
	}

	measure := func(what string) (BillingRun, error) {
		var r BillingRun
		dbBefore, goBefore := backendsCPU(database), processCPU()
		sent := time.Now()
		op, err := runs.CreateBillingRun(admin, &invoicingv1.CreateBillingRunRequest{Parent: "tenants/" + tenant.String(),
			BillingRun: &invoicingv1.BillingRun{Term: school.Term, IssueInvoices: true}, RequestId: uuid.NewString()})
		if err != nil {
			return r, fmt.Errorf("%s: create: %w", what, err)
		}
		for !op.GetDone() {
			select {
			case <-ctx.Done():
				return r, ctx.Err()
			case <-time.After(o.Poll):
			}
			if op, err = runs.GetOperation(admin, &invoicingv1.GetOperationRequest{Name: op.GetName()}); err != nil {
				return r, fmt.Errorf("%s: poll: %w", what, err)
			}
			run, err := runOf(op)
			if err != nil {
				return r, err
			}
			s := BillingSample{At: time.Since(sent), FamiliesDone: run.GetFamiliesDone(), Drafted: run.GetInvoicesDrafted(),
				Skipped: run.GetInvoicesSkipped(), Issued: run.GetInvoicesIssued()}
			if n := len(r.Samples); n == 0 || r.Samples[n-1].FamiliesDone != s.FamiliesDone || r.Samples[n-1].Issued != s.Issued || op.GetDone() {
				r.Samples = append(r.Samples, s)
			}
			if r.Drafting == 0 && run.GetFamiliesTotal() > 0 && run.GetFamiliesDone() == run.GetFamiliesTotal() {
				r.Drafting = s.At
			}
		}
		r.Elapsed = time.Since(sent)
		r.DBCPU, r.GoCPU = backendsCPU(database)-dbBefore, processCPU()-goBefore
		if e := op.GetError(); e != nil {
			return r, fmt.Errorf("%s: the run failed: %s", what, e.GetMessage())
		}
		run, err := runOf(op)
		if err != nil {
			return r, err
		}
		r.FamiliesTotal, r.Drafted, r.Skipped, r.Issued = run.GetFamiliesTotal(), run.GetInvoicesDrafted(), run.GetInvoicesSkipped(), run.GetInvoicesIssued()
		if r.Issued > 0 {
			if err := waitForReceipts(ctx, owner, tenant, int(r.Issued), 2*time.Minute); err != nil {
				return r, fmt.Errorf("%s: %w", what, err)
			}
			r.Receipts = time.Since(sent)
		}
		o.Progress(fmt.Sprintf("%s: %s, %d families, %d drafted, %d skipped, %d issued", what, r.Elapsed.Round(time.Millisecond),
			r.FamiliesTotal, r.Drafted, r.Skipped, r.Issued))
		return r, nil
	}
	if res.First, err = measure("first run"); err != nil {
		return res, err
	}
	if res.Again, err = measure("again"); err != nil {
		return res, err
	}

	err = dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: tenant}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'issued'),
				count(*) - count(DISTINCT family_id),
				coalesce(max(right(number, 6)::int), 0) - count(DISTINCT number),
				coalesce(min(number), ''), coalesce(max(number), '')
			FROM invoicing.invoices WHERE tenant_id = $1 AND term_id = $2`, tenant, school.TermID).
			Scan(&res.Invoices, &res.IssuedInDB, &res.FamiliesTwice, &res.NumberGaps, &res.FirstNumber, &res.LastNumber)
	})
	return res, err
}

// waitForReceipts waits until the outbox holds n invoice emails of tenant.
func waitForReceipts(ctx context.Context, owner *pgxpool.Pool, tenant uuid.UUID, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		var written int
		err := dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: tenant}, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM outbox.messages WHERE tenant_id = $1 AND dedupe_key LIKE 'invoice/%/issued'`,
				tenant).Scan(&written)
		})
		if err != nil || written >= n {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d invoice emails in the outbox after %s", written, n, limit)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// runOf is the billing run an operation carries as its metadata.
func runOf(op *longrunningpb.Operation) (*invoicingv1.BillingRun, error) {
	run := &invoicingv1.BillingRun{}
	if err := op.GetMetadata().UnmarshalTo(run); err != nil {
		return nil, fmt.Errorf("operation %s: metadata: %w", op.GetName(), err)
	}
	return run, nil
}

// InvoicesPerSecond is the run's issued invoices over its elapsed time.
func (r BillingRun) InvoicesPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Issued) / r.Elapsed.Seconds()
}
