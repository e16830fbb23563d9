// Package server implements steward-invoicing's PriceService,
// InvoiceService and PaymentService (but the PDF and Stripe methods, which
// internal/invoicepdf and internal/stripepay add) on the platform's standard
// methods (platform/aip). The arithmetic is internal/pricing's and the
// operations on invoices internal/ledger's; what is here is turning requests
// into their inputs, who sees what, and rows into resources.
package server

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/store"
)

// The resource names of the contract: accounts' tenants and users,
// Booking's directory and terms, and Invoicing's own.
var (
	tenantPattern     = resname.Of(&accountsv1.Tenant{})
	familyPattern     = resname.Of(&bookingv1.Family{})
	studentPattern    = resname.Of(&bookingv1.Student{})
	classPattern      = resname.Of(&bookingv1.Class{})
	instrumentPattern = resname.Of(&bookingv1.Instrument{})
	termPattern       = resname.Of(&bookingv1.Term{})
	settingsPattern   = resname.Of(&invoicingv1.BillingSettings{})
	priceListPattern  = resname.Of(&invoicingv1.PriceList{})
	invoicePattern    = resname.Of(&invoicingv1.Invoice{})
	creditNotePattern = resname.Of(&invoicingv1.CreditNote{})
	paymentPattern    = resname.Of(&invoicingv1.Payment{})
	billingRunPattern = resname.Of(&invoicingv1.BillingRun{})

	anyInvoicePattern = invoicePattern.WithWildcards("invoice")
)

// users/{user}, who recorded a payment.
const usersPrefix = "users/"

// The contract's enums as the schema stores them.
var (
	invoiceStates  = aip.NewEnum(invoicingv1.Invoice_STATE_UNSPECIFIED)
	paymentMethods = aip.NewEnum(invoicingv1.Payment_METHOD_UNSPECIFIED)
)

// Constraints is what a violation of each of Invoicing's constraints
// answers. The handlers check the rules first and name the rule broken;
// these stand behind them, and answer a race the checks cannot see (two
// price lists for one term, two term invoices for one family).
var Constraints = apierror.Constraints{
	"price_lists_tenant_id_term_id_key": {Code: codes.AlreadyExists, Field: "price_list.term",
		Description: "already has its price list"},
	"price_rates_target_idx": {Code: codes.InvalidArgument, Field: "price_list.rates",
		Description: "has two rates for the same class, the same instrument, or two defaults"},
	"price_rates_one_target_check": {Code: codes.InvalidArgument, Field: "price_list.rates",
		Description: "a rate is for a class or for an instrument, not both"},
	"price_rates_group_week_minor_check": {Code: codes.InvalidArgument, Field: "price_list.rates",
		Description: "a group week costs 0 to 1,000,000.00"},
	"price_rates_individual_week_minor_check": {Code: codes.InvalidArgument, Field: "price_list.rates",
		Description: "an individual week costs 0 to 1,000,000.00"},
	"invoices_one_per_family_term_idx": {Code: codes.AlreadyExists, Reason: invoicingv1.ErrorReason_ERROR_REASON_INVOICE_EXISTS,
		Field: "invoice.family"},
	"invoice_lines_quantity_check": {Code: codes.InvalidArgument, Field: "invoice.lines",
		Description: "a quantity is 1 to 1000"},
	"invoice_lines_unit_minor_check": {Code: codes.InvalidArgument, Field: "invoice.lines",
		Description: "a unit amount is 0 to 1,000,000.00"},
	"payments_amount_minor_check": {Code: codes.InvalidArgument, Field: "payment.amount",
		Description: "must be more than zero"},
	"credit_notes_amount_minor_check": {Code: codes.InvalidArgument, Field: "credit_note.amount",
		Description: "must be more than zero"},
}

// maxUnitMinor is the contract's bound on a price or a line's unit amount:
// 1,000,000.00 in a currency of two minor digits.
const maxUnitMinor = 100_000_000

// callerUser is the Steward user making the request, when a user is.
func callerUser(ctx context.Context) uuid.NullUUID {
	c, ok := scope.CallerFrom(ctx)
	if !ok || c.UserID == uuid.Nil {
		return uuid.NullUUID{}
	}
	return uuid.NullUUID{UUID: c.UserID, Valid: true}
}

// txStore is the store with the executor it runs on, for creates that go
// through the ledger in the Resource's transaction.
type txStore struct {
	*store.Queries
	tx tenantdb.DBTX
}

func newTxStore(tx tenantdb.DBTX) txStore { return txStore{Queries: store.New(tx), tx: tx} }

// queries opens the store on a connection or transaction.
func queries(tx tenantdb.DBTX) *store.Queries { return store.New(tx) }

// money is an amount in minor units of currency.
func money(currency string, minor int64) *typev1.Money {
	return &typev1.Money{CurrencyCode: currency, AmountMinor: minor}
}

// errCurrency is CURRENCY_MISMATCH on field.
func errCurrency(field, want string) error {
	return &apierror.Error{Code: codes.InvalidArgument,
		Reason:     apierror.Reason(invoicingv1.ErrorReason_ERROR_REASON_CURRENCY_MISMATCH),
		Message:    "invalid " + field + ": must be in " + want,
		Violations: []apierror.FieldViolation{{Field: field, Description: "must be in " + want}}}
}

// amountIn checks an amount given on field in currency, 0 to maxUnitMinor.
func amountIn(field string, m *typev1.Money, currency string) (int64, error) {
	if m.GetCurrencyCode() != currency {
		return 0, errCurrency(field+".currency_code", currency)
	}
	if m.GetAmountMinor() < 0 || m.GetAmountMinor() > maxUnitMinor {
		return 0, apierror.InvalidField(field+".amount_minor", "must be 0 to 1,000,000.00")
	}
	return m.GetAmountMinor(), nil
}

// sameTenant refuses a reference into another tenant than the request's.
func sameTenant(field string, n resname.Name, tenant uuid.UUID) error {
	if n.ID("tenant") != tenant {
		return apierror.InvalidField(field, "must be in the request's tenant")
	}
	return nil
}

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// take sets *dst to v when the update's mask changes field.
func take[T any](mask aip.Mask, field string, dst *T, v T) {
	if mask.Has(field) {
		*dst = v
	}
}
