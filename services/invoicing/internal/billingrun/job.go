package billingrun

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/jobs"
	"steward.dev/platform/rpcclient"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/bookingsrc"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/server"
	"steward.dev/services/invoicing/internal/store"
)

// JobArgs asks for one billing run's work.
type JobArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	RunID    uuid.UUID `json:"run_id"`
}

// Kind names the job in River's tables.
func (JobArgs) Kind() string { return "invoicing_billing_run" }

// maxAttempts bounds the tries of a run that meets transient errors
// (Booking unreachable, the database restarting): River's backoff spreads
// five over about six minutes, after which the run reports FAILED.
const maxAttempts = 5

// InsertOpts gives the job its attempts.
func (JobArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: maxAttempts} }

// DefaultBatch is how many families a batch drafts, and how many drafts it
// issues, in one transaction: progress moves with every batch.
const DefaultBatch = 100

// drafters is how many batches are drafted at once: two keep both of a
// small machine's cores busy (the database's work and the service's), and
// more would only queue on them. Issuing is one batch at a time whatever
// this says: the gapless number sequence admits one issuer at a time.
const drafters = 2

// Config shapes the worker.
type Config struct {
	// Batch is the families (or drafts) per transaction; 0 means
	// DefaultBatch.
	Batch  int
	Logger *slog.Logger
}

// Worker works billing runs. It reads the term's billable enrolments from
// Booking with the service's own identity (jobs.ForTenant), prices every
// family before drafting any (so a missing rate fails the run with nothing
// drafted), drafts in batches and then, when the run asks, issues every
// draft of the term. A retried job (after a crash, or an error that may
// pass) starts again: the families drafted already are found and skipped,
// the drafts issued already are no longer drafts.
type Worker struct {
	river.WorkerDefaults[JobArgs]
	db       *tenantdb.DB
	ledger   *ledger.Ledger
	booking  *bookingsrc.Source
	batch    int
	drafters int
	logger   *slog.Logger
}

// NewWorker returns the billing run's worker.
func NewWorker(db *tenantdb.DB, l *ledger.Ledger, booking *bookingsrc.Source, cfg Config) *Worker {
	return &Worker{db: db, ledger: l, booking: booking, batch: cmp.Or(cfg.Batch, DefaultBatch), drafters: drafters,
		logger: cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))}
}

// Timeout replaces River's default minute: a run of thousands of families
// takes longer than one request. A run cut short is retried, and its
// committed batches are not done twice.
func (w *Worker) Timeout(*river.Job[JobArgs]) time.Duration { return 30 * time.Minute }

// Work runs the billing run. An error the run cannot get past (no price,
// a term Booking does not know) fails it at once; a transient one is
// retried by River, and fails the run on the last attempt.
func (w *Worker) Work(ctx context.Context, job *river.Job[JobArgs]) error {
	ctx = jobs.ForTenant(ctx, job.Args.TenantID)
	err := w.run(ctx, job.Args)
	if err == nil {
		return nil
	}
	if errors.Is(err, rpcclient.ErrNoCredentials) {
		// No service identity is configured: no retry brings one.
		err = &apierror.Error{Code: codes.FailedPrecondition,
			Message: "steward-invoicing has no service identity (SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET) to read Booking with"}
	}
	st, unexpected := apierror.FromError(err)
	if transient(st.Code()) && job.Attempt < job.MaxAttempts {
		return err
	}
	if unexpected {
		w.logger.ErrorContext(ctx, "billing run failed", "tenant", job.Args.TenantID, "run", job.Args.RunID, "error", err)
	}
	failure := &apierror.Error{Code: st.Code(), Message: st.Message(), Reason: apierror.InfoOf(st.Err()).GetReason()}
	if ferr := w.finish(ctx, job.Args, failure); ferr != nil {
		return errors.Join(err, ferr)
	}
	return river.JobCancel(err)
}

// transient reports whether an error of code may pass by itself.
func transient(code codes.Code) bool {
	switch code {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.ResourceExhausted, codes.Internal,
		codes.Unknown, codes.Unauthenticated, codes.Canceled:
		return true
	}
	return false
}

// family is one family's part of the term, priced.
type family struct {
	id    uuid.UUID
	lines []pricing.Line
}

func (w *Worker) run(ctx context.Context, args JobArgs) error {
	q := store.New(w.db.Scoped(ctx))
	run, err := q.GetBillingRun(ctx, store.GetBillingRunParams{TenantID: args.TenantID, RunID: args.RunID})
	if err != nil {
		return err
	}
	if run.State != runStates.ToDB(invoicingv1.BillingRun_STATE_RUNNING) {
		return nil // it ended on an earlier attempt
	}
	families, currency, err := w.price(ctx, q, run)
	if err != nil {
		return err
	}
	// A retried job starts its families again, from none done.
	if err := q.StartBillingRunFamilies(ctx, store.StartBillingRunFamiliesParams{
		TenantID: run.TenantID, RunID: run.RunID, FamiliesTotal: int32(len(families))}); err != nil {
		return err
	}
	if err := w.draft(ctx, run, families, currency); err != nil {
		return err
	}
	if run.IssueInvoices {
		if err := w.issue(ctx, run); err != nil {
			return err
		}
	}
	return w.finish(ctx, args, nil)
}

// price reads the term's price list and billable enrolments and prices each
// family's lines, in family id order.
func (w *Worker) price(ctx context.Context, q *store.Queries, run store.InvoicingBillingRun) ([]family, string, error) {
	term := termPattern.Format(run.TenantID, run.TermID)
	list, err := priceListOf(ctx, q, run.TenantID, run.TermID)
	if err != nil {
		return nil, "", err
	}
	rows, err := q.ListPriceRates(ctx, store.ListPriceRatesParams{TenantID: run.TenantID, PriceListIds: []uuid.UUID{list.PriceListID}})
	if err != nil {
		return nil, "", err
	}
	currency, rates := list.Currency, server.Rates(rows)
	billable, err := w.booking.Enrolments(ctx, run.TenantID, run.TermID, uuid.NullUUID{})
	if err != nil {
		return nil, "", err
	}
	byFamily := map[uuid.UUID][]pricing.Enrolment{}
	for _, b := range billable {
		byFamily[b.FamilyID] = append(byFamily[b.FamilyID], b.Enrolment)
	}
	families := make([]family, 0, len(byFamily))
	for id, enrolments := range byFamily {
		lines, err := pricing.TermLines(currency, rates, enrolments)
		var noRate *pricing.NoRateError
		if errors.As(err, &noRate) {
			return nil, "", apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_NO_PRICE_LIST,
				fmt.Sprintf("the price list of %s has no rate for class %s, its instrument, or a default",
					term, classPattern.Format(run.TenantID, noRate.ClassID)))
		}
		if err != nil {
			return nil, "", err
		}
		families = append(families, family{id: id, lines: lines})
	}
	slices.SortFunc(families, func(a, b family) int { return slices.Compare(a.id[:], b.id[:]) })
	return families, currency, nil
}

// draft drafts the families' invoices, a batch per transaction, drafters
// batches at a time. Each transaction takes its families in id order, as
// every run does (the batches are cut from the one sorted list): a run at
// the same time waits on the other's uncommitted invoice of a family
// instead of the two deadlocking, and then skips it.
func (w *Worker) draft(ctx context.Context, run store.InvoicingBillingRun, families []family, currency string) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(w.drafters)
	for start := 0; start < len(families); start += w.batch {
		batch := families[start:min(start+w.batch, len(families))]
		g.Go(func() error {
			return w.db.InTx(ctx, func(tx tenantdb.DBTX) error {
				p := store.RecordBillingRunDraftsParams{TenantID: run.TenantID, RunID: run.RunID, Families: int32(len(batch))}
				for _, f := range batch {
					if len(f.lines) == 0 {
						p.Skipped++ // no weeks to bill
						continue
					}
					inv, created, err := w.ledger.DraftTermInvoice(ctx, tx, ledger.DraftInput{
						FamilyID: f.id, TermID: uuid.NullUUID{UUID: run.TermID, Valid: true}, Currency: currency, Lines: f.lines,
						BillingRunID: uuid.NullUUID{UUID: run.RunID, Valid: true},
					})
					if err != nil {
						return err
					}
					// This run's own draft, from an attempt before a restart,
					// counts as this run's.
					if created || inv.BillingRunID == (uuid.NullUUID{UUID: run.RunID, Valid: true}) {
						p.Drafted++
					} else {
						p.Skipped++
					}
				}
				return store.New(tx).RecordBillingRunDrafts(ctx, p)
			})
		})
	}
	return g.Wait()
}

// issue issues the term's drafts a batch at a time, each batch's count in
// its transaction.
func (w *Worker) issue(ctx context.Context, run store.InvoicingBillingRun) error {
	school, err := w.booking.School(ctx, run.TenantID)
	if err != nil {
		return err
	}
	for {
		n := 0
		err := w.db.InTx(ctx, func(tx tenantdb.DBTX) error {
			q := store.New(tx)
			ids, err := q.TakeTermDrafts(ctx, store.TakeTermDraftsParams{TenantID: run.TenantID, TermID: run.TermID, BatchSize: int32(w.batch)})
			if err != nil || len(ids) == 0 {
				return err
			}
			for _, id := range ids {
				if _, err := w.ledger.Issue(ctx, tx, id, school.Zone); err != nil {
					return naming(err, invoicePattern.Format(run.TenantID, id))
				}
			}
			n = len(ids)
			return q.RecordBillingRunIssues(ctx, store.RecordBillingRunIssuesParams{TenantID: run.TenantID, RunID: run.RunID, Issued: int32(n)})
		})
		if err != nil || n == 0 {
			return err
		}
	}
}

// naming words a refusal of the ledger's for the invoice name it is about,
// so that the failed run says which draft stopped it (one that no longer
// prices under changed settings, say); other errors pass unchanged.
func naming(err error, name string) error {
	var refusal *apierror.Error
	if !errors.As(err, &refusal) {
		return err
	}
	named := *refusal
	named.Message = name + ": " + refusal.Message
	return &named
}

// finish ends the run: succeeded, or failed with failure.
func (w *Worker) finish(ctx context.Context, args JobArgs, failure *apierror.Error) error {
	p := store.FinishBillingRunParams{TenantID: args.TenantID, RunID: args.RunID,
		State: runStates.ToDB(invoicingv1.BillingRun_STATE_SUCCEEDED)}
	if failure != nil {
		p.State = runStates.ToDB(invoicingv1.BillingRun_STATE_FAILED)
		p.ErrorCode, p.ErrorReason, p.ErrorMessage = int32(failure.Code), failure.Reason, failure.Message
	}
	_, err := store.New(w.db.Scoped(ctx)).FinishBillingRun(ctx, p)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // it had ended already
	}
	return err
}
