// Package billingrun is steward-invoicing's BillingRunService and the job
// behind it: a billing run drafts every family's invoice for a term, and
// optionally issues the term's drafts, as a long-running operation
// (AIP-151) that clients poll with GetOperation.
//
// CreateBillingRun stores the run and enqueues its job in one transaction,
// so a run exists exactly when its job does. The job (Worker) works in
// batches, one transaction each, and updates the run's progress in the
// batch's transaction; the invoice's uniqueness per family and term
// (invoices_one_per_family_term_idx) is what makes runs at the same time, or
// again later, draft each family's invoice once.
package billingrun

import (
	"context"
	"errors"
	"strings"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/jobs"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/store"
)

var (
	tenantPattern  = resname.Of(&accountsv1.Tenant{})
	runPattern     = resname.Of(&invoicingv1.BillingRun{})
	termPattern    = resname.Of(&bookingv1.Term{})
	classPattern   = resname.Of(&bookingv1.Class{})
	invoicePattern = resname.Of(&invoicingv1.Invoice{})
)

// Server implements invoicingv1.BillingRunServiceServer.
type Server struct {
	invoicingv1.UnimplementedBillingRunServiceServer
	db    *tenantdb.DB
	queue *jobs.Client
}

// NewServer returns the BillingRunService over db, enqueueing runs' jobs on
// queue (which must have the run's Worker).
func NewServer(db *tenantdb.DB, queue *jobs.Client) *Server {
	return &Server{db: db, queue: queue}
}

// storeTx is the store with the transaction it runs in, which the run's job
// is enqueued in.
type storeTx struct {
	*store.Queries
	tx tenantdb.DBTX
}

var runs = aip.Resource[storeTx, store.InvoicingBillingRun, *invoicingv1.BillingRun]{
	Pattern: runPattern, Parent: tenantPattern,
	Queries: func(tx tenantdb.DBTX) storeTx { return storeTx{Queries: store.New(tx), tx: tx} },
	Read: func(ctx context.Context, q storeTx, n resname.Name) (store.InvoicingBillingRun, error) {
		return q.GetBillingRun(ctx, store.GetBillingRunParams{TenantID: n.ID("tenant"), RunID: n.ID("billing_run")})
	},
	ByRequestID: func(ctx context.Context, q storeTx, p resname.Name, rid uuid.NullUUID) (store.InvoicingBillingRun, error) {
		return q.BillingRunCreatedBy(ctx, store.BillingRunCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
	},
	Fingerprint: func(r store.InvoicingBillingRun) []byte { return r.RequestFingerprint },
	Proto:       func(r store.InvoicingBillingRun, _ resname.Name) *invoicingv1.BillingRun { return runToProto(r) },
}

// CreateBillingRun stores the run and enqueues its job, and answers the
// run's operation. A term without a price list is refused at once
// (NO_PRICE_LIST): nothing could be drafted; a rate missing for one of the
// term's classes is found by the job, which then fails the run.
func (s *Server) CreateBillingRun(ctx context.Context, req *invoicingv1.CreateBillingRunRequest) (*longrunningpb.Operation, error) {
	in := req.GetBillingRun()
	if in.GetTerm() == "" {
		return nil, apierror.InvalidField("billing_run.term", "is required")
	}
	term, err := termPattern.Parse("billing_run.term", in.GetTerm())
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(in.GetTerm(), req.GetParent()+"/") {
		return nil, apierror.InvalidField("billing_run.term", "must be a term of "+req.GetParent())
	}
	var createdBy uuid.NullUUID
	if c, ok := scope.CallerFrom(ctx); ok && c.UserID != uuid.Nil {
		createdBy = uuid.NullUUID{UUID: c.UserID, Valid: true}
	}
	run, err := runs.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q storeTx, p resname.Name, key aip.Idempotency) (store.InvoicingBillingRun, error) {
		if _, err := priceListOf(ctx, q.Queries, p.ID("tenant"), term.ID("term")); err != nil {
			return store.InvoicingBillingRun{}, err
		}
		row, err := q.CreateBillingRun(ctx, store.CreateBillingRunParams{
			TenantID: p.ID("tenant"), RunID: uuid.Must(uuid.NewV7()), TermID: term.ID("term"), IssueInvoices: in.GetIssueInvoices(),
			CreatedBy: createdBy, RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		})
		if err != nil {
			return row, err
		}
		_, err = s.queue.EnqueueTx(ctx, q.tx, JobArgs{TenantID: row.TenantID, RunID: row.RunID}, nil)
		return row, err
	})
	if err != nil {
		return nil, err
	}
	if run.GetState() != invoicingv1.BillingRun_STATE_FAILED {
		return operationOf(run, nil)
	}
	// A retry (the same request_id) of a run that has failed since: its
	// operation says why, as GetOperation does.
	n, err := runPattern.Parse("name", run.GetName())
	if err != nil {
		return nil, err
	}
	return s.GetOperation(ctx, &invoicingv1.GetOperationRequest{Name: operationName(n)})
}

// GetBillingRun reads the run as it stands.
func (s *Server) GetBillingRun(ctx context.Context, req *invoicingv1.GetBillingRunRequest) (*invoicingv1.BillingRun, error) {
	return runs.Get(ctx, s.db, "name", req.GetName())
}

// GetOperation reads the run an operation name names and answers its
// operation: done once the run succeeded (its response the run) or failed
// (its error the run's google.rpc.Status).
func (s *Server) GetOperation(ctx context.Context, req *invoicingv1.GetOperationRequest) (*longrunningpb.Operation, error) {
	n, err := parseOperationName(req.GetName())
	if err != nil {
		return nil, err
	}
	row, err := store.New(s.db.Scoped(ctx)).GetBillingRun(ctx, store.GetBillingRunParams{TenantID: n.ID("tenant"), RunID: n.ID("billing_run")})
	if err != nil {
		return nil, aip.NotFoundAs(err, req.GetName())
	}
	return operationOf(runToProto(row), failureOf(row))
}

// ListBillingRuns lists the runs newest first.
func (s *Server) ListBillingRuns(ctx context.Context, req *invoicingv1.ListBillingRunsRequest) (*invoicingv1.ListBillingRunsResponse, error) {
	p, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	key, err := pagetoken.Decode(req.GetPageToken(), 2, req.GetParent())
	if err != nil {
		return nil, err
	}
	params := store.ListBillingRunsParams{TenantID: p.ID("tenant"), PageLimit: pagetoken.Size(req.GetPageSize()) + 1}
	if key != nil {
		params.Paged = true
		var timeErr, idErr error
		params.AfterTime, timeErr = time.Parse(time.RFC3339Nano, key[0])
		params.AfterID, idErr = uuid.Parse(key[1])
		if timeErr != nil || idErr != nil {
			return nil, apierror.InvalidField("page_token", "malformed page token")
		}
	}
	rows, err := store.New(s.db.Scoped(ctx)).ListBillingRuns(ctx, params)
	if err != nil {
		return nil, err
	}
	resp := &invoicingv1.ListBillingRunsResponse{}
	resp.BillingRuns, resp.NextPageToken = pagetoken.Page(rows, params.PageLimit-1,
		func(r store.InvoicingBillingRun) []string {
			return []string{r.CreateTime.UTC().Format(time.RFC3339Nano), r.RunID.String()}
		}, runToProto, req.GetParent())
	return resp, nil
}

// priceListOf is the term's price list; NO_PRICE_LIST when it has none.
func priceListOf(ctx context.Context, q *store.Queries, tenant, term uuid.UUID) (store.InvoicingPriceList, error) {
	list, err := q.PriceListOfTerm(ctx, store.PriceListOfTermParams{TenantID: tenant, TermID: term})
	if errors.Is(err, pgx.ErrNoRows) {
		return list, apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_NO_PRICE_LIST,
			termPattern.Format(tenant, term)+" has no price list: create one first")
	}
	return list, err
}

// parseOperationName reads "tenants/{tenant}/operations/{operation}" as the
// name of the billing run it reports, "tenants/{tenant}/billingRuns/{operation}".
func parseOperationName(name string) (resname.Name, error) {
	segs := strings.Split(name, "/")
	if len(segs) == 4 && segs[0] == "tenants" && segs[2] == "operations" {
		if n, err := runPattern.Parse("name", runPattern.FormatIDs(segs[1], segs[3])); err == nil {
			return n, nil
		}
	}
	return resname.Name{}, apierror.InvalidField("name", "must be tenants/{tenant}/operations/{operation}, each id a UUID")
}
