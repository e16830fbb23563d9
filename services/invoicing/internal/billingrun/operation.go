package billingrun

import (
	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/services/invoicing/internal/store"
)

// runStates are BillingRun.State as billing_runs.state stores it.
var runStates = aip.NewEnum(invoicingv1.BillingRun_STATE_RUNNING)

func runToProto(r store.InvoicingBillingRun) *invoicingv1.BillingRun {
	b := &invoicingv1.BillingRun{
		Name: runPattern.Format(r.TenantID, r.RunID), Term: termPattern.Format(r.TenantID, r.TermID),
		IssueInvoices: r.IssueInvoices, State: runStates.FromDB(r.State),
		FamiliesTotal: r.FamiliesTotal, FamiliesDone: r.FamiliesDone,
		InvoicesDrafted: r.InvoicesDrafted, InvoicesSkipped: r.InvoicesSkipped, InvoicesIssued: r.InvoicesIssued,
		ErrorMessage: r.ErrorMessage, CreateTime: timestamppb.New(r.CreateTime),
	}
	if r.EndTime.Valid {
		b.EndTime = timestamppb.New(r.EndTime.Time)
	}
	return b
}

// operationName is the operation that reports the run named run:
// "tenants/{tenant}/operations/{billing_run}".
func operationName(run resname.Name) string {
	return "tenants/" + run.IDText("tenant") + "/operations/" + run.IDText("billing_run")
}

// operationOf is a run as its long-running operation (AIP-151): the run as
// it stands is the metadata; once it has ended the operation is done, with
// the run as its response when it succeeded, or its error, a google.rpc.Status
// with the ErrorInfo reason it failed for, when it failed.
func operationOf(run *invoicingv1.BillingRun, failure *apierror.Error) (*longrunningpb.Operation, error) {
	n, err := runPattern.Parse("name", run.GetName())
	if err != nil {
		return nil, err
	}
	meta, err := anypb.New(run)
	if err != nil {
		return nil, err
	}
	op := &longrunningpb.Operation{Name: operationName(n), Metadata: meta}
	switch run.GetState() {
	case invoicingv1.BillingRun_STATE_SUCCEEDED:
		op.Done = true
		op.Result = &longrunningpb.Operation_Response{Response: meta}
	case invoicingv1.BillingRun_STATE_FAILED:
		op.Done = true
		if failure == nil {
			failure = &apierror.Error{Code: codes.Internal, Reason: apierror.ReasonInternal, Message: run.GetErrorMessage()}
		}
		op.Result = &longrunningpb.Operation_Error{Error: failure.Status().Proto()}
	}
	return op, nil
}

// failureOf is the error a failed run stored, as its operation reports it.
func failureOf(r store.InvoicingBillingRun) *apierror.Error {
	if r.State != runStates.ToDB(invoicingv1.BillingRun_STATE_FAILED) {
		return nil
	}
	return &apierror.Error{Code: codes.Code(r.ErrorCode), Reason: r.ErrorReason, Message: r.ErrorMessage,
		Metadata: map[string]string{"billing_run": runPattern.Format(r.TenantID, r.RunID)}}
}
