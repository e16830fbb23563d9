package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/reflect/protoreflect"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
)

// Invoicing's services are a school's: billing permissions exist only
// there. The sweep's teacher holds none of them, reads included; issuing
// and voiding change what the invoice's other methods take, so they run
// last, on the deleted set; the kept invoice is issued (for its payments
// and credit notes), so the well-formed edit of a draft cannot succeed on
// it (services/invoicing edits drafts).
func init() {
	for _, svc := range []protoreflect.FullName{"steward.invoicing.v1.PriceService", "steward.invoicing.v1.InvoiceService",
		"steward.invoicing.v1.PaymentService", "steward.invoicing.v1.BillingRunService"} {
		schoolOnly[svc] = true
	}
	for _, op := range []string{"PriceService_GetBillingSettings", "PriceService_GetPriceList", "PriceService_ListPriceLists",
		"InvoiceService_GetInvoice", "InvoiceService_GetInvoicePdf", "InvoiceService_ListInvoices", "InvoiceService_ListCreditNotes", "PaymentService_ListPayments",
		"BillingRunService_GetBillingRun", "BillingRunService_ListBillingRuns", "BillingRunService_GetOperation"} {
		teacherRefused[op] = http.StatusForbidden
	}
	destructiveOperations["InvoiceService_IssueInvoice"] = true
	destructiveOperations["InvoiceService_VoidInvoice"] = true
	sanityExempt["PaymentService_CreateCheckoutSession"] = "the stack runs without Stripe keys, so a well-formed checkout is 412 " +
		"STRIPE_NOT_CONFIGURED (services/invoicing/internal/stripepay opens sessions against stripe-mock)"
	sanityExempt["InvoiceService_UpdateInvoice"] = "the kept invoice is issued, for its payments and credit notes, and an issued " +
		"invoice is not edited (services/invoicing edits drafts)"
}

// invoicingClients are Invoicing's clients for stack.invoke.
func (s *stack) invoicingClients() map[protoreflect.FullName]any {
	return map[protoreflect.FullName]any{
		"steward.invoicing.v1.PriceService":      invoicingv1.NewPriceServiceClient(s.invoicing),
		"steward.invoicing.v1.InvoiceService":    invoicingv1.NewInvoiceServiceClient(s.invoicing),
		"steward.invoicing.v1.PaymentService":    invoicingv1.NewPaymentServiceClient(s.invoicing),
		"steward.invoicing.v1.BillingRunService": invoicingv1.NewBillingRunServiceClient(s.invoicing),
	}
}

// invoicingTypes are the resource types of an invoicing set's collections.
// A billing run's operation ("tenants/{t}/operations/{run}", GetOperation's
// name) has no resource type of the contract's: "".
var invoicingTypes = map[string]string{
	"tenants/billingSettings": "steward.dev/BillingSettings", "tenants/priceLists": "steward.dev/PriceList",
	"tenants/invoices": "steward.dev/Invoice", "tenants/billingRuns": "steward.dev/BillingRun", "tenants/operations": "",
}

// billedTermKey holds, in an invoicing set, the term its price list prices
// (no collection of a name: no path looks it up), for CreateBillingRun.
const billedTermKey = "billed term"

// newInvoicingSet creates through ctx, a school admin's, a price list (of
// a term of its own) and an invoice of family, issued when issued is set;
// it returns them, and the billing settings, by their collections.
func (s *stack) newInvoicingSet(t *testing.T, ctx context.Context, tenant, family string, issued bool) map[string]string {
	t.Helper()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("invoicing fixture: %s in %s: %v", what, tenant, err)
		}
	}
	prices, invoices := invoicingv1.NewPriceServiceClient(s.invoicing), invoicingv1.NewInvoiceServiceClient(s.invoicing)
	aud := func(minor int64) *typev1.Money { return &typev1.Money{CurrencyCode: "AUD", AmountMinor: minor} }
	term := tenant + "/terms/" + uuid.NewString()
	pl, err := prices.CreatePriceList(ctx, &invoicingv1.CreatePriceListRequest{Parent: tenant, PriceList: &invoicingv1.PriceList{
		Term: term, CurrencyCode: "AUD", DisplayName: "Fixture fees",
		Rates: []*invoicingv1.PriceRate{{GroupWeek: aud(3500), IndividualWeek: aud(5000)}}}})
	must("CreatePriceList", err)
	inv, err := invoices.CreateInvoice(ctx, &invoicingv1.CreateInvoiceRequest{Parent: tenant, Invoice: &invoicingv1.Invoice{
		Family: family, CurrencyCode: "AUD", Lines: []*invoicingv1.InvoiceLine{{Kind: invoicingv1.InvoiceLine_KIND_CUSTOM,
			Description: "Fixture fee", Quantity: 1, UnitAmount: aud(100000)}}}})
	must("CreateInvoice", err)
	if issued {
		inv, err = invoices.IssueInvoice(ctx, &invoicingv1.IssueInvoiceRequest{Name: inv.GetName()})
		must("IssueInvoice", err)
	}
	// A run of the price list's term: Booking knows no such term, so its job
	// fails the run. Waited for, so that no check sees its row change.
	runs := invoicingv1.NewBillingRunServiceClient(s.invoicing)
	op, err := runs.CreateBillingRun(ctx, &invoicingv1.CreateBillingRunRequest{Parent: tenant, BillingRun: &invoicingv1.BillingRun{Term: term}})
	must("CreateBillingRun", err)
	// The caller's credentials on a deadline of its own: ctx's may be spent.
	md, _ := metadata.FromOutgoingContext(ctx)
	pollCtx, cancel := context.WithTimeout(metadata.NewOutgoingContext(context.Background(), md), time.Minute)
	defer cancel()
	for deadline := time.Now().Add(time.Minute); !op.GetDone(); {
		if time.Now().After(deadline) {
			t.Fatalf("invoicing fixture: billing run %s not done in a minute: %v", op.GetName(), op)
		}
		time.Sleep(20 * time.Millisecond) // polling the operation, as its clients do
		op, err = runs.GetOperation(pollCtx, &invoicingv1.GetOperationRequest{Name: op.GetName()})
		must("GetOperation", err)
	}
	return map[string]string{"tenants/billingSettings": tenant + "/billingSettings", "tenants/priceLists": pl.GetName(),
		"tenants/invoices": inv.GetName(), "tenants/operations": op.GetName(),
		"tenants/billingRuns": tenant + "/billingRuns/" + op.GetName()[strings.LastIndex(op.GetName(), "/")+1:], billedTermKey: term}
}

// newInvoicingResources is newInvoicingSet by resource type, for
// newResources.
func (s *stack) newInvoicingResources(t *testing.T, ctx context.Context, tenant, family string) resourceNames {
	t.Helper()
	names := resourceNames{}
	for collection, name := range s.newInvoicingSet(t, ctx, tenant, family, true) {
		if typ, ok := invoicingTypes[collection]; ok {
			names[typ] = name
		}
	}
	return names
}

// addInvoicingSweepSets adds an invoicing set to each directory set of the
// sweep: the kept one's invoice issued, the deleted one's a draft.
func (s *stack) addInvoicingSweepSets(t *testing.T, kept, deleted map[string]string) {
	t.Helper()
	ctx := s.as(t, schoolAdmin)
	for collection, name := range s.newInvoicingSet(t, ctx, kept["tenants"], kept["tenants/families"], true) {
		kept[collection] = name
	}
	for collection, name := range s.newInvoicingSet(t, ctx, deleted["tenants"], deleted["tenants/families"], false) {
		deleted[collection] = name
	}
}

// sweepPriceListTerm is the term of the sweep's well-formed CreatePriceList:
// one of its own, so that it succeeds once.
var sweepPriceListTerm = uuid.NewString()

// invoicingBody is a well-formed body of an invoicing operation.
func (p *sweepPlanner) invoicingBody(op sweepOperation) (string, bool) {
	const fee = `"lines":[{"kind":"KIND_CUSTOM","description":"Sweep fee","quantity":2,"unitAmount":{"currencyCode":"AUD","amountMinor":"1000"}}]`
	d := p.fx.directory
	switch op.id {
	case "PriceService_UpdateBillingSettings":
		return `{"taxId":"ABN 51 824 753 556","paymentInstructions":"BSB 062-000, account 1234 5678","paymentTermsDays":21}`, true
	case "PriceService_CreatePriceList":
		return `{"term":"` + d["tenants"] + `/terms/` + sweepPriceListTerm + `","currencyCode":"AUD","displayName":"Sweep fees",` +
			`"rates":[{"groupWeek":{"currencyCode":"AUD","amountMinor":"3500"},"individualWeek":{"currencyCode":"AUD","amountMinor":"5000"}}]}`, true
	case "PriceService_UpdatePriceList":
		return `{"displayName":"Sweep renamed fees"}`, true
	case "InvoiceService_PreviewInvoice", "InvoiceService_CreateInvoice":
		return `{"family":"` + d["tenants/families"] + `","currencyCode":"AUD",` + fee + `}`, true
	case "InvoiceService_UpdateInvoice":
		return `{"notes":"Sweep notes",` + fee + `}`, true
	case "InvoiceService_IssueInvoice":
		return `{}`, true
	case "InvoiceService_VoidInvoice":
		return `{"reason":"Sweep void"}`, true
	case "InvoiceService_CreateCreditNote":
		return `{"reason":"Sweep credit","amount":{"currencyCode":"AUD","amountMinor":"100"}}`, true
	case "BillingRunService_CreateBillingRun":
		return `{"term":"` + d[billedTermKey] + `"}`, true
	case "PaymentService_CreateCheckoutSession":
		return `{"successUrl":"https://school.example/paid","cancelUrl":"https://school.example/invoices"}`, true
	case "PaymentService_RecordPayment":
		return `{"amount":{"currencyCode":"AUD","amountMinor":"100"},"method":"METHOD_BANK_TRANSFER","reference":"Sweep EFT"}`, true
	}
	return "", false
}
