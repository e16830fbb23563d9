// Package invoicepdf renders an invoice as the PDF a family downloads and
// receives by email: the school and the family, the number and dates, the
// lines, discounts, tax, totals, credits, payments, the amount due and how
// to pay. It prints the numbers it is given and computes none: they are the
// API's (services/invoicing/internal/pricing), so the PDF cannot disagree
// with GetInvoice by a cent.
//
// Rendering uses github.com/signintech/gopdf with the Go fonts
// (golang.org/x/image/font/gofont, BSD-licensed, embedded as subsets),
// parsed once per process. A typical invoice is about 29 KB and 1.5 to 2.5
// ms of CPU (BenchmarkRender), most of it gopdf compressing the two font
// subsets, which it does afresh for every document; so receipts render in
// their own job, not in the transaction that issues the invoice.
package invoicepdf

// Document is one invoice as printed: display strings and amounts in the
// currency's minor units. Render formats the amounts; whatever builds a
// Document (FromInvoice) decides the words.
type Document struct {
	School School
	Family Family
	// Number is the invoice number, "INV-2027-000042"; empty for a draft.
	Number string
	// State is where the invoice stands; a draft and a void invoice are
	// marked as such on every page.
	State State
	// IssueDate and DueDate are printed as given, e.g. "1 February 2027";
	// empty for a draft.
	IssueDate, DueDate string
	// Currency is the ISO 4217 code of every amount.
	Currency string
	Tax      Tax
	Lines    []Line
	Totals   Totals
	// CreditNotes and Payments are listed under the totals, in order.
	CreditNotes []CreditNote
	Payments    []Payment
	// PaymentInstructions and Notes are the school's words, newlines kept.
	PaymentInstructions string
	Notes               string
	// VoidReason is printed on a void invoice.
	VoidReason string
}

// State is an invoice's state as the PDF shows it.
type State int

// The states: the same as steward.invoicing.v1.Invoice.State's.
const (
	StateDraft State = iota + 1
	StateIssued
	StatePartiallyPaid
	StatePaid
	StateVoid
)

// School is who issues the invoice.
type School struct {
	// Name is the school as families know it; LegalName, when different,
	// is printed below it.
	Name, LegalName string
	// TaxID is the registration printed on a tax invoice, e.g.
	// "ABN 51 824 753 556".
	TaxID string
	// Address is the postal address, one line per element.
	Address []string
}

// Family is who is billed.
type Family struct {
	Name string
	// ContactName and ContactEmail are the family's billing contact.
	ContactName, ContactEmail string
	Address                   []string
}

// Tax is the invoice's tax rule, as its label and rate print.
type Tax struct {
	// Label is what the tax is called, "GST".
	Label string
	// RateBP is the rate in basis points: 1000 is 10%.
	RateBP int64
	// Inclusive says the prices include the tax.
	Inclusive bool
	// PerLine says the tax was rounded on each line: each line's tax is
	// then printed beside it.
	PerLine bool
}

// Line is one invoice line as computed: AmountMinor is signed (discounts
// and credits negative), TaxMinor is the line's tax under per-line
// rounding.
type Line struct {
	Description string
	// Quantity and UnitMinor print as "7 × $35.00"; a percentage discount
	// has PercentBP instead and no unit amount.
	Quantity    int64
	UnitMinor   int64
	PercentBP   int64
	AmountMinor int64
	TaxMinor    int64
}

// Totals are the invoice's sums as the API answers them: Discounts,
// Credits, Credited and Paid as the positive amounts taken off; AmountDue
// negative when overpaid.
type Totals struct {
	Charges, Discounts, Taxable, Tax, Total int64
	Credits, Credited, Paid, AmountDue      int64
}

// CreditNote is a credit note against the invoice.
type CreditNote struct {
	Number, Date, Reason string
	AmountMinor          int64
}

// Payment is money received against the invoice.
type Payment struct {
	// Date, Method ("Bank transfer") and Reference print as given.
	Date, Method, Reference string
	AmountMinor             int64
}
