package invoicing_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"steward.dev/db/dbtest"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/rpcclient"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/accounts"
	"steward.dev/services/booking"
	"steward.dev/services/invoicing"
	"steward.dev/services/invoicing/internal/billingrun"
	"steward.dev/services/invoicing/internal/bookingsrc"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/invoicingtest"
)

// runFixture is Accounts, Booking and Invoicing served as main serves them,
// sharing a database and an issuer; Invoicing's jobs call Booking with the
// service identity.
type runFixture struct {
	env                   *servertest.Env
	booking               *grpc.ClientConn
	bookingAddr, accounts string
	identity              *rpcclient.ServiceIdentity
	runs                  invoicingv1.BillingRunServiceClient
}

// setupRuns serves the three with billing runs working batch families (and
// drafts) per transaction.
func setupRuns(t *testing.T, batch int) *runFixture {
	t.Helper()
	env := servertest.New(t)
	_, accountsAddr := env.ServeAt(t, accounts.Services)
	bookingConn, bookingAddr := env.ServeAt(t, booking.Services)
	identity := rpcclient.NewServiceIdentity(rpcclient.ClientCredentials{
		TokenURL: env.TokenURL(), ClientID: servertest.ServiceClient, ClientSecret: servertest.ServiceSecret})
	conn := env.Serve(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return invoicing.Services(catalog.Env{DB: db, Logger: env.Logger, DataDir: t.TempDir(), ServiceIdentity: identity,
			Targets: map[string]string{"accounts": accountsAddr, "booking": bookingAddr},
			Getenv: func(key string) string {
				if key == invoicing.BillingRunBatchEnv {
					return strconv.Itoa(batch)
				}
				return ""
			}})
	})
	return &runFixture{env: env, booking: bookingConn, bookingAddr: bookingAddr, accounts: accountsAddr, identity: identity,
		runs: invoicingv1.NewBillingRunServiceClient(conn)}
}

// worker is a billing run worker of its own over the fixture's database and
// services, as the service builds its own, for a test that works a job
// itself.
func (f *runFixture) worker(t *testing.T) *billingrun.Worker {
	t.Helper()
	var conns []*grpc.ClientConn
	for _, addr := range []string{f.bookingAddr, f.accounts} {
		conn, err := rpcclient.Dial(addr, rpcclient.Options{Identity: f.identity})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		conns = append(conns, conn)
	}
	db := tenantdb.New(f.env.DB.AppPool(t))
	return billingrun.NewWorker(db, ledger.New(db, nil, time.Now), bookingsrc.New(conns[0], conns[1]), billingrun.Config{Batch: 4})
}

// billedSchool is a school built by invoicingtest, with its admin.
type billedSchool struct {
	*invoicingtest.School
	name  string
	admin context.Context
}

func (f *runFixture) school(t *testing.T, spec invoicingtest.Spec) *billedSchool {
	t.Helper()
	tenant := f.env.Tenant(t, "school")
	admin := f.env.As(context.Background(), t, f.env.User(t, tenant, "admin"))
	s, err := invoicingtest.Build(context.Background(), f.env.Owner, f.booking, admin, tenant, spec)
	if err != nil {
		t.Fatal(err)
	}
	return &billedSchool{School: s, name: "tenants/" + tenant.String(), admin: admin}
}

func (s *billedSchool) create(t *testing.T, f *runFixture, issue bool) *longrunningpb.Operation {
	t.Helper()
	op, err := f.runs.CreateBillingRun(s.admin, &invoicingv1.CreateBillingRunRequest{Parent: s.name,
		BillingRun: &invoicingv1.BillingRun{Term: s.Term, IssueInvoices: issue}, RequestId: uuid.NewString()})
	if err != nil {
		t.Fatalf("CreateBillingRun: %v", err)
	}
	return op
}

// wait polls op through GetOperation until it is done, as a client does
// (AIP-151), and returns every operation it saw, the last one done.
func (f *runFixture) wait(ctx context.Context, op *longrunningpb.Operation) ([]*longrunningpb.Operation, error) {
	seen := []*longrunningpb.Operation{op}
	deadline := time.After(2 * time.Minute)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !op.GetDone() {
		select {
		case <-deadline:
			return seen, status.Errorf(codes.DeadlineExceeded, "operation %s not done in 2 minutes", op.GetName())
		case <-tick.C:
		}
		var err error
		if op, err = f.runs.GetOperation(ctx, &invoicingv1.GetOperationRequest{Name: op.GetName()}); err != nil {
			return seen, err
		}
		seen = append(seen, op)
	}
	return seen, nil
}

func runOf(t *testing.T, op *longrunningpb.Operation) *invoicingv1.BillingRun {
	t.Helper()
	run := &invoicingv1.BillingRun{}
	if err := op.GetMetadata().UnmarshalTo(run); err != nil {
		t.Fatalf("operation %s: metadata: %v", op.GetName(), err)
	}
	return run
}

// invoiceCounts are the term's invoices as stored: how many, issued,
// families with more than one, and how far the numbers are from 1..n.
func (s *billedSchool) invoiceCounts(t *testing.T, f *runFixture) (invoices, issued, twice, numberGaps int) {
	t.Helper()
	dbtest.QueryRowAsTenant(t, f.env.Owner, s.TenantID, `SELECT count(*), count(*) FILTER (WHERE state = 'issued'),
			count(*) - count(DISTINCT family_id),
			coalesce(max(right(number, 6)::int), 0) - count(DISTINCT number) + count(number) - count(DISTINCT number)
		FROM invoicing.invoices WHERE tenant_id = $1 AND term_id = $2`, []any{s.TenantID, s.TermID},
		&invoices, &issued, &twice, &numberGaps)
	return invoices, issued, twice, numberGaps
}

// TestBillingRunsAtTheSameTimeInvoiceEachFamilyOnce: two runs of the same
// term, created together and worked at once in small batches, draft each
// family's invoice once between them and issue each once, numbered 1..n
// without a gap — checked in SQL.
func TestBillingRunsAtTheSameTimeInvoiceEachFamilyOnce(t *testing.T) {
	t.Parallel()
	f := setupRuns(t, 4)
	s := f.school(t, invoicingtest.Spec{Families: 60})

	ops := make([]*longrunningpb.Operation, 2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range ops {
		wg.Go(func() {
			op, err := f.runs.CreateBillingRun(s.admin, &invoicingv1.CreateBillingRunRequest{Parent: s.name,
				BillingRun: &invoicingv1.BillingRun{Term: s.Term, IssueInvoices: true}, RequestId: uuid.NewString()})
			if err == nil {
				var seen []*longrunningpb.Operation
				seen, err = f.wait(s.admin, op)
				op = seen[len(seen)-1]
			}
			ops[i], errs[i] = op, err
		})
	}
	wg.Wait()
	var drafted, skipped, issued int32
	for i, op := range ops {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		run := runOf(t, op)
		if run.GetState() != invoicingv1.BillingRun_STATE_SUCCEEDED || op.GetError() != nil {
			t.Fatalf("run %d: %v, error %v", i, run.GetState(), op.GetError())
		}
		if run.GetFamiliesTotal() != 60 || run.GetFamiliesDone() != 60 {
			t.Errorf("run %d: families %d of %d, want 60 of 60", i, run.GetFamiliesDone(), run.GetFamiliesTotal())
		}
		drafted, skipped, issued = drafted+run.GetInvoicesDrafted(), skipped+run.GetInvoicesSkipped(), issued+run.GetInvoicesIssued()
	}
	if drafted != 60 || skipped != 60 || issued != 60 {
		t.Errorf("between the runs: %d drafted, %d skipped, %d issued; want 60, 60, 60", drafted, skipped, issued)
	}
	invoices, issuedInDB, twice, gaps := s.invoiceCounts(t, f)
	if invoices != 60 || issuedInDB != 60 || twice != 0 || gaps != 0 {
		t.Errorf("in SQL: %d invoices, %d issued, %d families twice, numbers %d off 1..n; want 60, 60, 0, 0", invoices, issuedInDB, twice, gaps)
	}
}

// TestBillingRunAgainDraftsNothing: a run after a finished one finds every
// family invoiced and skips them all.
func TestBillingRunAgainDraftsNothing(t *testing.T) {
	t.Parallel()
	f := setupRuns(t, 0)
	s := f.school(t, invoicingtest.Spec{Families: 12})
	for i, want := range []struct{ drafted, skipped int32 }{{12, 0}, {0, 12}} {
		seen, err := f.wait(s.admin, s.create(t, f, false))
		if err != nil {
			t.Fatal(err)
		}
		run := runOf(t, seen[len(seen)-1])
		if run.GetState() != invoicingv1.BillingRun_STATE_SUCCEEDED || run.GetInvoicesDrafted() != want.drafted ||
			run.GetInvoicesSkipped() != want.skipped || run.GetInvoicesIssued() != 0 {
			t.Errorf("run %d: %v, %d drafted, %d skipped, %d issued; want SUCCEEDED, %d, %d, 0", i+1, run.GetState(),
				run.GetInvoicesDrafted(), run.GetInvoicesSkipped(), run.GetInvoicesIssued(), want.drafted, want.skipped)
		}
	}
	if invoices, issued, twice, _ := s.invoiceCounts(t, f); invoices != 12 || issued != 0 || twice != 0 {
		t.Errorf("in SQL: %d invoices, %d issued, %d families twice; want 12 drafts, once each", invoices, issued, twice)
	}
}

// TestBillingRunProgressThroughGetOperation: polled through GetOperation, a
// run's operation carries the run as its metadata and its counters never
// go back. Midway it shows what is done: while the test holds the school's
// number sequence (so no invoice can be issued), the run's operation shows
// every family drafted, none issued, not done. Once done its response is
// the finished run, whose counts the invoices in SQL bear out.
// CreateBillingRun answers before the job has started: not done.
func TestBillingRunProgressThroughGetOperation(t *testing.T) {
	t.Parallel()
	f := setupRuns(t, 3)
	s := f.school(t, invoicingtest.Spec{Families: 30})
	zone, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	var op *longrunningpb.Operation
	var seen []*longrunningpb.Operation
	errHeld := errors.New("the sequence was held")
	err = dbtest.InScope(context.Background(), f.env.Owner, dbtest.Scope{TenantID: s.TenantID}, func(tx pgx.Tx) error {
		// The row every issue of the year takes first: held, uncommitted.
		if _, err := tx.Exec(context.Background(), `INSERT INTO invoicing.number_sequences (tenant_id, series, year) VALUES ($1, 'invoice', $2)`,
			s.TenantID, time.Now().In(zone).Year()); err != nil {
			return err
		}
		op = s.create(t, f, true)
		if op.GetDone() || runOf(t, op).GetState() != invoicingv1.BillingRun_STATE_RUNNING {
			t.Fatalf("CreateBillingRun answered %v, want a running run's operation, not done", op)
		}
		deadline := time.Now().Add(time.Minute)
		for cur := op; runOf(t, cur).GetInvoicesDrafted() < 30; {
			if time.Now().After(deadline) {
				t.Fatalf("the drafts were not done in a minute: %v", runOf(t, cur))
			}
			time.Sleep(20 * time.Millisecond) // polling, as a client does
			if cur, err = f.runs.GetOperation(s.admin, &invoicingv1.GetOperationRequest{Name: op.GetName()}); err != nil {
				return err
			}
			seen = append(seen, cur)
		}
		mid := seen[len(seen)-1]
		if run := runOf(t, mid); mid.GetDone() || run.GetState() != invoicingv1.BillingRun_STATE_RUNNING ||
			run.GetFamiliesDone() != 30 || run.GetInvoicesIssued() != 0 {
			t.Errorf("midway: %v, done %v; want RUNNING, 30 families drafted, none issued, not done", run, mid.GetDone())
		}
		return errHeld
	})
	if !errors.Is(err, errHeld) {
		t.Fatal(err)
	}
	rest, err := f.wait(s.admin, seen[len(seen)-1])
	if err != nil {
		t.Fatal(err)
	}
	seen = append(append([]*longrunningpb.Operation{op}, seen...), rest...)
	var last *invoicingv1.BillingRun
	for _, o := range seen {
		run := runOf(t, o)
		if last != nil && (run.GetFamiliesDone() < last.GetFamiliesDone() || run.GetInvoicesIssued() < last.GetInvoicesIssued()) {
			t.Errorf("progress went back: %d families, %d issued after %d, %d", run.GetFamiliesDone(), run.GetInvoicesIssued(),
				last.GetFamiliesDone(), last.GetInvoicesIssued())
		}
		last = run
	}
	done := seen[len(seen)-1]
	response := &invoicingv1.BillingRun{}
	if err := done.GetResponse().UnmarshalTo(response); err != nil {
		t.Fatalf("done operation's response: %v (%v)", err, done)
	}
	if response.GetState() != invoicingv1.BillingRun_STATE_SUCCEEDED || response.GetFamiliesDone() != 30 ||
		response.GetInvoicesDrafted() != 30 || response.GetInvoicesIssued() != 30 || response.GetEndTime() == nil {
		t.Errorf("response %v, want SUCCEEDED with 30 families drafted and issued and an end time", response)
	}
	got, err := f.runs.GetBillingRun(s.admin, &invoicingv1.GetBillingRunRequest{Name: response.GetName()})
	if err != nil || got.GetInvoicesIssued() != 30 {
		t.Errorf("GetBillingRun = %v, %v", got, err)
	}
	t.Logf("%d polls, families done and issued as seen: %v", len(seen), progressOf(t, seen))
	if invoices, issued, _, gaps := s.invoiceCounts(t, f); invoices != 30 || issued != 30 || gaps != 0 {
		t.Errorf("in SQL: %d invoices, %d issued, numbers %d off; want 30, 30, 0", invoices, issued, gaps)
	}
}

func progressOf(t *testing.T, ops []*longrunningpb.Operation) []string {
	var out []string
	for _, o := range ops {
		run := runOf(t, o)
		out = append(out, fmt.Sprintf("%d/%d", run.GetFamiliesDone(), run.GetInvoicesIssued()))
	}
	return out
}

// TestFailedBillingRunReportsItsError: a price list with no rate for most
// of the term's classes (a piano rate only, no default) fails the run: its
// operation is done with a google.rpc.Status error, FAILED_PRECONDITION
// with reason NO_PRICE_LIST, and the run drafted nothing — every family is
// priced before any is drafted.
func TestFailedBillingRunReportsItsError(t *testing.T) {
	t.Parallel()
	f := setupRuns(t, 0)
	s := f.school(t, invoicingtest.Spec{Families: 10, Rates: []invoicingtest.Rate{{Instrument: "Piano", GroupWeek: 3800, IndividualWeek: 5500}}})
	req := &invoicingv1.CreateBillingRunRequest{Parent: s.name, BillingRun: &invoicingv1.BillingRun{Term: s.Term, IssueInvoices: true},
		RequestId: uuid.NewString()}
	op, err := f.runs.CreateBillingRun(s.admin, req)
	if err != nil {
		t.Fatal(err)
	}
	seen, err := f.wait(s.admin, op)
	if err != nil {
		t.Fatal(err)
	}
	// Its request retried answers the same operation, failed, as
	// GetOperation does.
	if again, err := f.runs.CreateBillingRun(s.admin, req); err != nil || !again.GetDone() || again.GetError().GetCode() != int32(codes.FailedPrecondition) {
		t.Errorf("the retried request answered %v, %v; want the failed operation", again, err)
	}
	done := seen[len(seen)-1]
	st := status.FromProto(done.GetError())
	if done.GetError() == nil || st.Code() != codes.FailedPrecondition {
		t.Fatalf("done operation %v, want an error FAILED_PRECONDITION", done)
	}
	var reason string
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			reason = info.GetReason()
		}
	}
	if want := apierror.Reason(invoicingv1.ErrorReason_ERROR_REASON_NO_PRICE_LIST); reason != want {
		t.Errorf("reason %q, want %q (%v)", reason, want, st.Message())
	}
	run := runOf(t, done)
	if run.GetState() != invoicingv1.BillingRun_STATE_FAILED || run.GetErrorMessage() == "" || run.GetInvoicesDrafted() != 0 {
		t.Errorf("run %v, want FAILED with its message and nothing drafted", run)
	}
	if invoices, _, _, _ := s.invoiceCounts(t, f); invoices != 0 {
		t.Errorf("%d invoices drafted by a failed run, want 0", invoices)
	}
}

// TestCreateBillingRun: a term without a price list is refused at once; a
// request_id retried answers the first run's operation; runs list newest
// first, a page at a time; another school's run and operation do not exist.
func TestCreateBillingRun(t *testing.T) {
	t.Parallel()
	f := setupRuns(t, 0)
	s := f.school(t, invoicingtest.Spec{Families: 3})
	unpriced := "tenants/" + s.TenantID.String() + "/terms/" + uuid.NewString()
	_, err := f.runs.CreateBillingRun(s.admin, &invoicingv1.CreateBillingRunRequest{Parent: s.name,
		BillingRun: &invoicingv1.BillingRun{Term: unpriced}})
	if want := apierror.Reason(invoicingv1.ErrorReason_ERROR_REASON_NO_PRICE_LIST); status.Code(err) != codes.FailedPrecondition || apierror.ReasonOf(err) != want {
		t.Errorf("a term without a price list: %v, want FAILED_PRECONDITION %s", err, want)
	}

	req := &invoicingv1.CreateBillingRunRequest{Parent: s.name, BillingRun: &invoicingv1.BillingRun{Term: s.Term}, RequestId: uuid.NewString()}
	first, err := f.runs.CreateBillingRun(s.admin, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.wait(s.admin, first); err != nil {
		t.Fatal(err)
	}
	again, err := f.runs.CreateBillingRun(s.admin, req)
	if err != nil || again.GetName() != first.GetName() || !again.GetDone() {
		t.Errorf("the retry answered %v, %v; want the first run's operation, done", again, err)
	}
	second, err := f.wait(s.admin, s.create(t, f, false))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var token string
	for {
		page, err := f.runs.ListBillingRuns(s.admin, &invoicingv1.ListBillingRunsRequest{Parent: s.name, PageSize: 1, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.GetBillingRuns() {
			names = append(names, r.GetName())
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if want := []string{runOf(t, second[len(second)-1]).GetName(), runOf(t, first).GetName()}; len(names) != 2 || names[0] != want[0] || names[1] != want[1] {
		t.Errorf("ListBillingRuns = %v, want newest first %v", names, want)
	}

	other := f.school(t, invoicingtest.Spec{Families: 1})
	for _, err := range []error{
		func() error {
			_, err := f.runs.GetOperation(other.admin, &invoicingv1.GetOperationRequest{
				Name: other.name + "/operations/" + first.GetName()[len(s.name+"/operations/"):]})
			return err
		}(),
		func() error {
			_, err := f.runs.GetBillingRun(other.admin, &invoicingv1.GetBillingRunRequest{Name: other.name + "/billingRuns/" + first.GetName()[len(s.name+"/operations/"):]})
			return err
		}(),
		func() error {
			_, err := f.runs.GetOperation(other.admin, &invoicingv1.GetOperationRequest{Name: first.GetName()})
			return err
		}(),
	} {
		if status.Code(err) != codes.NotFound {
			t.Errorf("another school's run: %v, want NOT_FOUND", err)
		}
	}
	if _, err := f.runs.GetOperation(s.admin, &invoicingv1.GetOperationRequest{Name: s.name + "/operations/not-a-uuid"}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a malformed operation name: %v, want INVALID_ARGUMENT", err)
	}
}

// TestRestartedBillingRunCountsItsOwnDrafts: a run whose job died after
// committing its drafts (here: put back to running with its counters gone,
// as a crash before the end would leave it) is worked again on River's next
// attempt: it finds its own drafts and counts them as its own, skips
// nothing, issues what is still a draft, and ends — every family invoiced
// once.
func TestRestartedBillingRunCountsItsOwnDrafts(t *testing.T) {
	t.Parallel()
	f := setupRuns(t, 4)
	s := f.school(t, invoicingtest.Spec{Families: 10})
	seen, err := f.wait(s.admin, s.create(t, f, false))
	if err != nil {
		t.Fatal(err)
	}
	run := runOf(t, seen[len(seen)-1])
	runID := uuid.MustParse(run.GetName()[strings.LastIndex(run.GetName(), "/")+1:])
	dbtest.ExecAsTenant(t, f.env.Owner, s.TenantID, `UPDATE invoicing.billing_runs SET state = 'running', issue_invoices = true,
		families_done = 3, invoices_drafted = 3, invoices_skipped = 0, end_time = NULL WHERE tenant_id = $1 AND run_id = $2`, s.TenantID, runID)

	worker := f.worker(t)
	job := &river.Job[billingrun.JobArgs]{JobRow: &rivertype.JobRow{Attempt: 2, MaxAttempts: 5},
		Args: billingrun.JobArgs{TenantID: s.TenantID, RunID: runID}}
	if err := worker.Work(context.Background(), job); err != nil {
		t.Fatalf("the second attempt: %v", err)
	}
	got, err := f.runs.GetBillingRun(s.admin, &invoicingv1.GetBillingRunRequest{Name: run.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetState() != invoicingv1.BillingRun_STATE_SUCCEEDED || got.GetFamiliesDone() != 10 || got.GetInvoicesDrafted() != 10 ||
		got.GetInvoicesSkipped() != 0 || got.GetInvoicesIssued() != 10 {
		t.Errorf("after the restart: %v; want SUCCEEDED, 10 families, 10 drafted (its own), none skipped, 10 issued", got)
	}
	if invoices, issued, twice, gaps := s.invoiceCounts(t, f); invoices != 10 || issued != 10 || twice != 0 || gaps != 0 {
		t.Errorf("in SQL: %d invoices, %d issued, %d families twice, numbers %d off; want 10, 10, 0, 0", invoices, issued, twice, gaps)
	}
}

// TestBillingRunStoppedByADraftNamesIt: a draft of the term that no longer
// prices (here a credit above its total, written past the API) stops the
// run's issuing: the run fails with the ledger's reason,
// CREDIT_EXCEEDS_TOTAL, and its message names the draft; the batch it was
// in is issued not at all.
func TestBillingRunStoppedByADraftNamesIt(t *testing.T) {
	t.Parallel()
	f := setupRuns(t, 0)
	s := f.school(t, invoicingtest.Spec{Families: 2})
	if _, err := f.wait(s.admin, s.create(t, f, false)); err != nil {
		t.Fatal(err)
	}
	var bad uuid.UUID
	dbtest.QueryRowAsTenant(t, f.env.Owner, s.TenantID, `SELECT invoice_id FROM invoicing.invoices WHERE tenant_id = $1 AND family_id = $2`,
		[]any{s.TenantID, s.Families[0]}, &bad)
	dbtest.ExecAsTenant(t, f.env.Owner, s.TenantID, `INSERT INTO invoicing.invoice_lines (tenant_id, invoice_id, position, kind, description, unit_minor, amount_minor)
		VALUES ($1, $2, 99, 'credit', 'Prepaid twice over', 99000000, -99000000)`, s.TenantID, bad)

	seen, err := f.wait(s.admin, s.create(t, f, true))
	if err != nil {
		t.Fatal(err)
	}
	done := seen[len(seen)-1]
	st := status.FromProto(done.GetError())
	want := apierror.Reason(invoicingv1.ErrorReason_ERROR_REASON_CREDIT_EXCEEDS_TOTAL)
	name := s.name + "/invoices/" + bad.String()
	if done.GetError() == nil || st.Code() != codes.FailedPrecondition || !strings.HasPrefix(st.Message(), name+": ") {
		t.Fatalf("done operation's error %v, want FAILED_PRECONDITION naming %s", done.GetError(), name)
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() != want {
			t.Errorf("reason %q, want %q", info.GetReason(), want)
		}
	}
	if _, issued, _, _ := s.invoiceCounts(t, f); issued != 0 {
		t.Errorf("%d issued, want none: the failing batch rolled back", issued)
	}
}
