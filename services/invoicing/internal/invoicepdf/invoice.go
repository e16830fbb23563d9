package invoicepdf

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/bookingsrc"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/store"
)

// Extras are what an invoice's PDF prints beyond the ledger's Invoice.
type Extras struct {
	School School
	Family Family
	// PaymentInstructions are the school's billing settings'.
	PaymentInstructions string
	// Zone is the school's time zone, in which payments' dates are printed.
	Zone        *time.Location
	CreditNotes []ledger.CreditNote
	Payments    []ledger.Payment
}

// dateLayout is how dates print: "1 February 2027".
const dateLayout = "2 January 2006"

// FromInvoice is the Document of inv: its numbers exactly as the ledger
// holds them (those GetInvoice answers), with x's parties, credit notes and
// payments.
func FromInvoice(inv ledger.Invoice, x Extras) Document {
	d := Document{
		School: x.School, Family: x.Family, Number: inv.Number, State: stateOf(inv.State),
		IssueDate: civil(inv.IssueDate), DueDate: civil(inv.DueDate), Currency: inv.Currency,
		Tax: Tax{Label: inv.TaxLabel, RateBP: inv.Rule.RateBP, Inclusive: inv.Rule.Mode == pricing.TaxInclusive,
			PerLine: inv.Rule.Rounding == pricing.PerLine},
		Totals: Totals{Charges: inv.Totals.Charges, Discounts: inv.Totals.Discounts, Taxable: inv.Totals.Taxable,
			Tax: inv.Totals.Tax, Total: inv.Totals.Total, Credits: inv.Totals.Credits, Credited: inv.Credited,
			Paid: inv.Paid, AmountDue: inv.AmountDue()},
		PaymentInstructions: x.PaymentInstructions, Notes: inv.Notes, VoidReason: inv.VoidReason,
	}
	for _, l := range inv.Lines {
		d.Lines = append(d.Lines, Line{Description: l.Description, Quantity: l.Quantity, UnitMinor: l.UnitMinor,
			PercentBP: l.PercentBP, AmountMinor: l.AmountMinor, TaxMinor: l.TaxMinor})
	}
	for _, n := range x.CreditNotes {
		d.CreditNotes = append(d.CreditNotes, CreditNote{Number: n.Number, Date: civil(n.IssueDate.Time), Reason: n.Reason,
			AmountMinor: n.AmountMinor})
	}
	zone := x.Zone
	if zone == nil {
		zone = time.UTC
	}
	for _, p := range x.Payments {
		d.Payments = append(d.Payments, Payment{Date: p.ReceiveTime.In(zone).Format(dateLayout), Method: methodText[p.Method],
			Reference: p.Reference, AmountMinor: p.AmountMinor})
	}
	return d
}

// SchoolOf is the school as its billing settings and its display name (the
// tenant's) describe it: the address's lines are the settings' lines.
func SchoolOf(displayName string, s store.InvoicingBillingSetting) School {
	var address []string
	for l := range strings.SplitSeq(s.Address, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			address = append(address, l)
		}
	}
	name := displayName
	if name == "" {
		name = s.LegalName
	}
	return School{Name: name, LegalName: s.LegalName, TaxID: s.TaxID, Address: address}
}

// Filename is the name the PDF of inv is downloaded and attached as:
// "INV-2027-000042.pdf", or "draft-<id>.pdf" before it has a number.
func Filename(inv ledger.Invoice) string {
	if inv.Number == "" {
		return "draft-" + inv.ID.String() + ".pdf"
	}
	return inv.Number + ".pdf"
}

// maxListed bounds the credit notes and payments a PDF lists: far more than
// an invoice gathers (its amount due bounds both), and a bound on the read.
const maxListed = 500

// Compose is the Document of inv as the school prints it: its billing
// settings' legal name, tax id, address and payment instructions, and inv's
// credit notes and payments, read in tx; schoolName (the tenant's display
// name), family and zone (the school's time zone, for payments' dates) are
// Booking's and Accounts', which the caller reads.
func Compose(ctx context.Context, tx tenantdb.DBTX, inv ledger.Invoice, schoolName string, family bookingsrc.Family, zone *time.Location) (Document, error) {
	q := store.New(tx)
	settings, err := ledger.Settings(ctx, q, inv.TenantID)
	if err != nil {
		return Document{}, err
	}
	x := Extras{School: SchoolOf(schoolName, settings), PaymentInstructions: settings.PaymentInstructions, Zone: zone,
		Family: Family{Name: family.DisplayName, ContactName: family.BillingName, ContactEmail: family.BillingEmail, Address: family.Address}}
	id := uuid.NullUUID{UUID: inv.ID, Valid: true}
	// Most invoices have neither (every one a billing run issues): no read.
	if inv.Credited != 0 {
		rows, err := q.ListCreditNotes(ctx, store.ListCreditNotesParams{TenantID: inv.TenantID, InvoiceID: id, PageLimit: maxListed})
		if err != nil {
			return Document{}, err
		}
		for _, r := range rows {
			x.CreditNotes = append(x.CreditNotes, ledger.CreditNote{InvoicingCreditNote: r.InvoicingCreditNote})
		}
	}
	if inv.Paid != 0 {
		rows, err := q.ListPayments(ctx, store.ListPaymentsParams{TenantID: inv.TenantID, InvoiceID: id, PageLimit: maxListed})
		if err != nil {
			return Document{}, err
		}
		for _, r := range rows {
			x.Payments = append(x.Payments, ledger.Payment{InvoicingPayment: r.InvoicingPayment})
		}
	}
	return FromInvoice(inv, x), nil
}

func civil(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

func stateOf(s string) State {
	switch s {
	case ledger.StateIssued:
		return StateIssued
	case ledger.StatePartiallyPaid:
		return StatePartiallyPaid
	case ledger.StatePaid:
		return StatePaid
	case ledger.StateVoid:
		return StateVoid
	case ledger.StateDraft:
		return StateDraft
	}
	return 0 // Render refuses it
}

// methodText is how each of the schema's payment methods prints.
var methodText = map[string]string{
	"bank_transfer": "Bank transfer", "cash": "Cash", "stripe": "Card (Stripe)", "other": "Other",
}
