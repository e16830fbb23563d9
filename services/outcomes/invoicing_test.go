package outcomes_test

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing"
)

// fp is FAILED_PRECONDITION: the Stripe RPCs' answer where this matrix's
// steward-invoicing has no Stripe keys (STRIPE_NOT_CONFIGURED).
const fp = codes.FailedPrecondition

// invoicingOutcomes are Invoicing's rows (README, Permissions):
// billing.read is the ADMIN's and the PARENT's, billing.manage the ADMIN's,
// billing.pay the ADMIN's and the PARENT's; TEACHER, STUDENT, households and
// services hold none (403); another school's ADMIN gets NOT_FOUND. A PARENT
// reads settings and price lists whole, but of invoices only their
// family's issued ones: the standing invoice is the directory family's, so
// the other family's PARENT finds it NOT_FOUND (and lists an empty page).
// The Stripe webhook is anonymous: everyone reaches the service, which
// answers STRIPE_NOT_CONFIGURED here, before anything else.
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var (
	billingRead   = [principals]codes.Code{pd, pd, ok, pd, ok, ok, pd, nf, una, pd, pd}
	billingManage = [principals]codes.Code{pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd}
	familyInvoice = [principals]codes.Code{pd, pd, ok, pd, ok, nf, pd, nf, una, pd, pd}
)

var invoicingOutcomes = map[string][principals]codes.Code{
	"/steward.invoicing.v1.PriceService/GetBillingSettings":    billingRead,
	"/steward.invoicing.v1.PriceService/UpdateBillingSettings": billingManage,
	"/steward.invoicing.v1.PriceService/CreatePriceList":       billingManage,
	"/steward.invoicing.v1.PriceService/GetPriceList":          billingRead,
	"/steward.invoicing.v1.PriceService/ListPriceLists":        billingRead,
	"/steward.invoicing.v1.PriceService/UpdatePriceList":       billingManage,
	"/steward.invoicing.v1.PriceService/DeletePriceList":       billingManage,

	"/steward.invoicing.v1.InvoiceService/PreviewInvoice":   billingManage,
	"/steward.invoicing.v1.InvoiceService/CreateInvoice":    billingManage,
	"/steward.invoicing.v1.InvoiceService/GetInvoice":       familyInvoice,
	"/steward.invoicing.v1.InvoiceService/ListInvoices":     billingRead,
	"/steward.invoicing.v1.InvoiceService/UpdateInvoice":    billingManage,
	"/steward.invoicing.v1.InvoiceService/DeleteInvoice":    billingManage,
	"/steward.invoicing.v1.InvoiceService/IssueInvoice":     billingManage,
	"/steward.invoicing.v1.InvoiceService/VoidInvoice":      billingManage,
	"/steward.invoicing.v1.InvoiceService/GetInvoicePdf":    familyInvoice,
	"/steward.invoicing.v1.InvoiceService/CreateCreditNote": billingManage,
	"/steward.invoicing.v1.InvoiceService/ListCreditNotes":  familyInvoice,

	"/steward.invoicing.v1.PaymentService/RecordPayment":         billingManage,
	"/steward.invoicing.v1.PaymentService/ListPayments":          familyInvoice,
	"/steward.invoicing.v1.PaymentService/CreateCheckoutSession": {pd, pd, fp, pd, fp, nf, pd, nf, una, pd, pd},
	"/steward.invoicing.v1.PaymentService/ReceiveStripeEvent":    {fp, fp, fp, fp, fp, fp, fp, fp, fp, fp, fp},

	"/steward.invoicing.v1.BillingRunService/CreateBillingRun": billingManage,
	"/steward.invoicing.v1.BillingRunService/GetBillingRun":    billingManage,
	"/steward.invoicing.v1.BillingRunService/ListBillingRuns":  billingManage,
	"/steward.invoicing.v1.BillingRunService/GetOperation":     billingManage,
}

func init() {
	maps.Copy(outcomes, invoicingOutcomes)
	maps.Copy(calls, invoicingCalls)
	services = append(services, &invoicingv1.PriceService_ServiceDesc, &invoicingv1.InvoiceService_ServiceDesc,
		&invoicingv1.PaymentService_ServiceDesc, &invoicingv1.BillingRunService_ServiceDesc)
}

// serveInvoicing starts steward-invoicing as main does, dialling the
// matrix's Accounts and Booking, without Stripe keys.
func serveInvoicing(t *testing.T, env *servertest.Env, accountsAddr, bookingAddr string) *grpc.ClientConn {
	t.Helper()
	return env.Serve(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return invoicing.Services(catalog.Env{DB: db, Logger: env.Logger, DataDir: t.TempDir(),
			Targets: map[string]string{"accounts": accountsAddr, "booking": bookingAddr}})
	})
}

// billingFixtures are a world's standing invoice (the directory family's,
// issued) and price list: made once per world, on first use; in a
// household, names of nothing.
type billingFixtures struct{ invoice, priceList string }

var (
	billingFixturesMu sync.Mutex
	billingFixturesOf = map[*world]*billingFixtures{}
)

func (w *world) billing(t *testing.T) *billingFixtures {
	t.Helper()
	billingFixturesMu.Lock()
	defer billingFixturesMu.Unlock()
	if f, ok := billingFixturesOf[w]; ok {
		return f
	}
	f := &billingFixtures{invoice: w.tenant + "/invoices/" + uuid.NewString(), priceList: w.tenant + "/priceLists/" + uuid.NewString()}
	if w.dir.real {
		f.invoice = w.issuedInvoice(t)
		f.priceList = w.newPriceList(t)
	}
	billingFixturesOf[w] = f
	return f
}

func (w *world) invoiceClient() invoicingv1.InvoiceServiceClient {
	return invoicingv1.NewInvoiceServiceClient(w.c.invoicing)
}

// customInvoice is a request for an invoice of one custom line for the
// directory's family.
func (w *world) customInvoice() *invoicingv1.Invoice {
	return &invoicingv1.Invoice{Family: w.dir.family, CurrencyCode: "AUD", Lines: []*invoicingv1.InvoiceLine{{
		Kind: invoicingv1.InvoiceLine_KIND_CUSTOM, Description: "Exam entry fee", Quantity: 1,
		UnitAmount: &typev1.Money{CurrencyCode: "AUD", AmountMinor: 8500}}}}
}

// newDraft is a fresh draft of the directory's family.
func (w *world) newDraft(t *testing.T) *invoicingv1.Invoice {
	t.Helper()
	if !w.dir.real {
		return &invoicingv1.Invoice{Name: w.tenant + "/invoices/" + uuid.NewString()}
	}
	return must(w.invoiceClient().CreateInvoice(w.admin, &invoicingv1.CreateInvoiceRequest{Parent: w.tenant, Invoice: w.customInvoice()}))(t)
}

// issuedInvoice is a fresh issued invoice of the directory's family.
func (w *world) issuedInvoice(t *testing.T) string {
	t.Helper()
	d := w.newDraft(t)
	if !w.dir.real {
		return d.GetName()
	}
	return must(w.invoiceClient().IssueInvoice(w.admin, &invoicingv1.IssueInvoiceRequest{Name: d.GetName()}))(t).GetName()
}

// newPriceList is a fresh price list, of a term of its own.
func (w *world) newPriceList(t *testing.T) string {
	t.Helper()
	if !w.dir.real {
		return w.tenant + "/priceLists/" + uuid.NewString()
	}
	return must(invoicingv1.NewPriceServiceClient(w.c.invoicing).CreatePriceList(w.admin, priceListRequest(w)))(t).GetName()
}

func priceListRequest(w *world) *invoicingv1.CreatePriceListRequest {
	return &invoicingv1.CreatePriceListRequest{Parent: w.tenant, PriceList: &invoicingv1.PriceList{
		Term: w.tenant + "/terms/" + uuid.NewString(), CurrencyCode: "AUD", DisplayName: "Term fees",
		Rates: []*invoicingv1.PriceRate{{GroupWeek: &typev1.Money{CurrencyCode: "AUD", AmountMinor: 3500},
			IndividualWeek: &typev1.Money{CurrencyCode: "AUD", AmountMinor: 5000}}}}}
}

// standingRun is the world's billing run's name: a run of the standing
// term made by its ADMIN once the billing runs are served, a name of
// nothing until then (and in a household).
func (w *world) standingRun(t *testing.T) string {
	t.Helper()
	term := w.pricedTerm(t)
	billingFixturesMu.Lock()
	defer billingFixturesMu.Unlock()
	if run, ok := standingRuns[w]; ok {
		return run
	}
	run := w.tenant + "/billingRuns/" + uuid.NewString()
	if w.dir.real {
		op, err := invoicingv1.NewBillingRunServiceClient(w.c.invoicing).CreateBillingRun(w.admin, &invoicingv1.CreateBillingRunRequest{
			Parent: w.tenant, BillingRun: &invoicingv1.BillingRun{Term: term}})
		if err == nil {
			run = w.tenant + "/billingRuns/" + idOf(op.GetName()).String()
		}
	}
	standingRuns[w] = run
	return run
}

var standingRuns = map[*world]string{}

// pricedTerm is the world's standing term, given a price list (once per
// world, on first use) so that it can be billed.
func (w *world) pricedTerm(t *testing.T) string {
	t.Helper()
	term := w.terms(t).term
	billingFixturesMu.Lock()
	defer billingFixturesMu.Unlock()
	if !w.dir.real || pricedTerms[w] {
		return term
	}
	req := priceListRequest(w)
	req.PriceList.Term = term
	must(invoicingv1.NewPriceServiceClient(w.c.invoicing).CreatePriceList(w.admin, req))(t)
	pricedTerms[w] = true
	return term
}

var pricedTerms = map[*world]bool{}

var invoicingCalls = map[string]callFunc{
	"/steward.invoicing.v1.PriceService/GetBillingSettings": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPriceServiceClient(c.invoicing).GetBillingSettings(ctx, &invoicingv1.GetBillingSettingsRequest{Name: w.tenant + "/billingSettings"})
		return err
	},
	"/steward.invoicing.v1.PriceService/UpdateBillingSettings": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPriceServiceClient(c.invoicing).UpdateBillingSettings(ctx, &invoicingv1.UpdateBillingSettingsRequest{
			BillingSettings: &invoicingv1.BillingSettings{Name: w.tenant + "/billingSettings", PaymentInstructions: "BSB 062-000, account 1234 5678"},
			UpdateMask:      &fieldmaskpb.FieldMask{Paths: []string{"payment_instructions"}}})
		return err
	},
	"/steward.invoicing.v1.PriceService/CreatePriceList": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPriceServiceClient(c.invoicing).CreatePriceList(ctx, priceListRequest(w))
		return err
	},
	"/steward.invoicing.v1.PriceService/GetPriceList": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPriceServiceClient(c.invoicing).GetPriceList(ctx, &invoicingv1.GetPriceListRequest{Name: w.billing(t).priceList})
		return err
	},
	"/steward.invoicing.v1.PriceService/ListPriceLists": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPriceServiceClient(c.invoicing).ListPriceLists(ctx, &invoicingv1.ListPriceListsRequest{Parent: w.tenant})
		return err
	},
	"/steward.invoicing.v1.PriceService/UpdatePriceList": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPriceServiceClient(c.invoicing).UpdatePriceList(ctx, &invoicingv1.UpdatePriceListRequest{
			PriceList: &invoicingv1.PriceList{Name: w.newPriceList(t), DisplayName: "Renamed"}, UpdateMask: mask("display_name")})
		return err
	},
	"/steward.invoicing.v1.PriceService/DeletePriceList": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPriceServiceClient(c.invoicing).DeletePriceList(ctx, &invoicingv1.DeletePriceListRequest{Name: w.newPriceList(t)})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/PreviewInvoice": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).PreviewInvoice(ctx, &invoicingv1.PreviewInvoiceRequest{Parent: w.tenant, Invoice: w.customInvoice()})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/CreateInvoice": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).CreateInvoice(ctx, &invoicingv1.CreateInvoiceRequest{Parent: w.tenant, Invoice: w.customInvoice()})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/GetInvoice": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).GetInvoice(ctx, &invoicingv1.GetInvoiceRequest{Name: w.billing(t).invoice})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/ListInvoices": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).ListInvoices(ctx, &invoicingv1.ListInvoicesRequest{Parent: w.tenant})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/UpdateInvoice": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).UpdateInvoice(ctx, &invoicingv1.UpdateInvoiceRequest{
			Invoice: &invoicingv1.Invoice{Name: w.newDraft(t).GetName(), Notes: "Thank you"}, UpdateMask: mask("notes")})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/DeleteInvoice": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).DeleteInvoice(ctx, &invoicingv1.DeleteInvoiceRequest{Name: w.newDraft(t).GetName()})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/IssueInvoice": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).IssueInvoice(ctx, &invoicingv1.IssueInvoiceRequest{Name: w.newDraft(t).GetName()})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/VoidInvoice": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).VoidInvoice(ctx, &invoicingv1.VoidInvoiceRequest{Name: w.issuedInvoice(t), Reason: "Billed twice"})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/GetInvoicePdf": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).GetInvoicePdf(ctx, &invoicingv1.GetInvoicePdfRequest{Name: w.billing(t).invoice})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/CreateCreditNote": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).CreateCreditNote(ctx, &invoicingv1.CreateCreditNoteRequest{Parent: w.issuedInvoice(t),
			CreditNote: &invoicingv1.CreditNote{Reason: "Lesson cancelled", Amount: &typev1.Money{CurrencyCode: "AUD", AmountMinor: 1000}}})
		return err
	},
	"/steward.invoicing.v1.InvoiceService/ListCreditNotes": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewInvoiceServiceClient(c.invoicing).ListCreditNotes(ctx, &invoicingv1.ListCreditNotesRequest{Parent: w.billing(t).invoice})
		return err
	},
	"/steward.invoicing.v1.PaymentService/RecordPayment": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPaymentServiceClient(c.invoicing).RecordPayment(ctx, &invoicingv1.RecordPaymentRequest{Parent: w.issuedInvoice(t),
			Payment: &invoicingv1.Payment{Amount: &typev1.Money{CurrencyCode: "AUD", AmountMinor: 2000}, Method: invoicingv1.Payment_METHOD_CASH}})
		return err
	},
	"/steward.invoicing.v1.PaymentService/ListPayments": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPaymentServiceClient(c.invoicing).ListPayments(ctx, &invoicingv1.ListPaymentsRequest{Parent: w.billing(t).invoice})
		return err
	},
	"/steward.invoicing.v1.PaymentService/CreateCheckoutSession": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPaymentServiceClient(c.invoicing).CreateCheckoutSession(ctx, &invoicingv1.CreateCheckoutSessionRequest{
			Invoice: w.billing(t).invoice, SuccessUrl: "https://school.example/paid", CancelUrl: "https://school.example/invoices"})
		return err
	},
	"/steward.invoicing.v1.PaymentService/ReceiveStripeEvent": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewPaymentServiceClient(c.invoicing).ReceiveStripeEvent(ctx, &invoicingv1.ReceiveStripeEventRequest{Parent: w.tenant,
			Payload: []byte(`{"id":"evt_outcomes","type":"checkout.session.completed"}`), Signature: "t=1700000000,v1=00"})
		return err
	},
	"/steward.invoicing.v1.BillingRunService/CreateBillingRun": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewBillingRunServiceClient(c.invoicing).CreateBillingRun(ctx, &invoicingv1.CreateBillingRunRequest{Parent: w.tenant,
			BillingRun: &invoicingv1.BillingRun{Term: w.pricedTerm(t)}})
		return err
	},
	"/steward.invoicing.v1.BillingRunService/GetBillingRun": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewBillingRunServiceClient(c.invoicing).GetBillingRun(ctx, &invoicingv1.GetBillingRunRequest{Name: w.standingRun(t)})
		return err
	},
	"/steward.invoicing.v1.BillingRunService/ListBillingRuns": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := invoicingv1.NewBillingRunServiceClient(c.invoicing).ListBillingRuns(ctx, &invoicingv1.ListBillingRunsRequest{Parent: w.tenant})
		return err
	},
	"/steward.invoicing.v1.BillingRunService/GetOperation": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		run := w.standingRun(t)
		_, err := invoicingv1.NewBillingRunServiceClient(c.invoicing).GetOperation(ctx, &invoicingv1.GetOperationRequest{
			Name: w.tenant + "/operations/" + idOf(run).String()})
		return err
	},
}
