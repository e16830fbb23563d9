// Package receipts is Invoicing's ledger.Notifier: the invoice-issued and
// payment-received emails to the family's billing contact, each with the
// invoice's PDF attached, written to the platform's outbox in the
// transaction that issues the invoice or records the payment, so that an
// email goes out exactly when that transaction commits. The outbox's
// retried job delivers them (Deliverer, on the service's queue).
//
// A family without a billing email gets no email; nothing else is skipped.
package receipts

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"steward.dev/platform/jobs"
	platformmail "steward.dev/platform/mail"
	"steward.dev/platform/outbox"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/bookingsrc"
	"steward.dev/services/invoicing/internal/invoicepdf"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
)

// Service is the catalog name the receipts are written under: the outbox's
// rows say whose they are, and only Invoicing's deliverer sends them.
const Service = "invoicing"

// Notifier writes the receipts. Its zero value is not usable; use New.
type Notifier struct {
	src   *bookingsrc.Source
	queue *jobs.Client
	// schools keeps each school's name and zone a short while: a billing
	// run issues thousands of invoices of one school in a few seconds.
	mu      sync.Mutex
	schools map[uuid.UUID]school
}

type school struct {
	name    string
	zone    *time.Location
	fetched time.Time
}

// schoolTTL is how long a school's name and zone are reused: a rename shows
// on receipts within it.
const schoolTTL = time.Minute

// New returns a Notifier reading families and schools through src. Give it
// its queue with SetQueue before the first invoice is issued.
func New(src *bookingsrc.Source) *Notifier {
	return &Notifier{src: src, schools: map[uuid.UUID]school{}}
}

// SetQueue is the queue the deliveries are enqueued on: the service's,
// which is made after the ledger this Notifier serves, with the Deliverer's
// worker among its workers.
func (n *Notifier) SetQueue(q *jobs.Client) { n.queue = q }

// NewDeliverer returns the deliverer of the receipts through the SMTP relay
// get's settings name (platform/mail's MAIL_SMTP_ADDR and MAIL_FROM).
func NewDeliverer(db *tenantdb.DB, get func(key, fallback string) string) (*outbox.Deliverer, error) {
	sender, err := platformmail.SenderFromEnv(get)
	if err != nil {
		return nil, err
	}
	return outbox.NewDeliverer(db, sender, outbox.DeliveryConfig{Service: Service}), nil
}

// InvoiceIssued writes the email of a newly issued invoice, once per
// invoice (dedupe key invoice/<id>/issued).
func (n *Notifier) InvoiceIssued(ctx context.Context, tx tenantdb.DBTX, inv ledger.Invoice) error {
	return n.send(ctx, tx, inv, "invoice/"+inv.ID.String()+"/issued", func(s school, c bookingsrc.Family) (string, string) {
		subject := fmt.Sprintf("Invoice %s from %s", inv.Number, s.name)
		var b strings.Builder
		fmt.Fprintf(&b, "%s,\n\n", greeting(c))
		fmt.Fprintf(&b, "%s has issued invoice %s to %s: %s, due by %s.\n\n", s.name, inv.Number, c.DisplayName,
			money(inv, inv.AmountDue()), inv.DueDate.Format(dateLayout))
		b.WriteString("The invoice is attached as a PDF; how to pay is at its foot.\n\n")
		b.WriteString(s.name + "\n")
		return subject, b.String()
	})
}

// PaymentReceived writes the receipt of payment p, once per payment (dedupe
// key payment/<id>/received), with the invoice as it stands after it.
func (n *Notifier) PaymentReceived(ctx context.Context, tx tenantdb.DBTX, inv ledger.Invoice, p ledger.Payment) error {
	return n.send(ctx, tx, inv, "payment/"+p.PaymentID.String()+"/received", func(s school, c bookingsrc.Family) (string, string) {
		subject := fmt.Sprintf("Payment received: %s for invoice %s", money(inv, p.AmountMinor), inv.Number)
		var b strings.Builder
		fmt.Fprintf(&b, "%s,\n\n", greeting(c))
		fmt.Fprintf(&b, "Thank you: %s received %s on %s for invoice %s.\n\n", s.name, money(inv, p.AmountMinor),
			p.ReceiveTime.In(s.zone).Format(dateLayout), inv.Number)
		if due := inv.AmountDue(); due > 0 {
			fmt.Fprintf(&b, "Still due: %s, by %s.\n\n", money(inv, due), inv.DueDate.Format(dateLayout))
		} else {
			b.WriteString("The invoice is paid in full.\n\n")
		}
		b.WriteString("The invoice as it now stands is attached as a PDF.\n\n")
		b.WriteString(s.name + "\n")
		return subject, b.String()
	})
}

// dateLayout is how dates are written: "15 February 2027".
const dateLayout = "2 January 2006"

func money(inv ledger.Invoice, minor int64) string { return pricing.FormatMinor(inv.Currency, minor) }

func greeting(c bookingsrc.Family) string {
	if c.BillingName != "" {
		return "Dear " + oneLine(c.BillingName)
	}
	return "Hello"
}

// send writes one email about inv to the family's billing contact, with
// inv's PDF, and enqueues its delivery, all in tx; compose writes its
// subject and text.
func (n *Notifier) send(ctx context.Context, tx tenantdb.DBTX, inv ledger.Invoice, dedupeKey string,
	compose func(school, bookingsrc.Family) (subject, text string)) error {
	if n.queue == nil {
		return fmt.Errorf("receipts: no queue to deliver %s on", dedupeKey)
	}
	family, err := n.src.Family(ctx, inv.TenantID, inv.FamilyID)
	if err != nil {
		return fmt.Errorf("receipts: family %s: %w", inv.FamilyID, err)
	}
	if family.BillingEmail == "" {
		return nil
	}
	s, err := n.school(ctx, inv.TenantID)
	if err != nil {
		return err
	}
	doc, err := invoicepdf.Compose(ctx, tx, inv, s.name, family, s.zone)
	if err != nil {
		return err
	}
	pdf, err := invoicepdf.Render(doc)
	if err != nil {
		return err
	}
	subject, text := compose(s, family)
	id, added, err := outbox.Add(ctx, tx, outbox.Message{
		Service: Service, DedupeKey: dedupeKey, To: recipient(family), Subject: oneLine(subject), Text: text,
		Attachments: []platformmail.Attachment{{Filename: invoicepdf.Filename(inv), ContentType: invoicepdf.ContentType, Content: pdf}},
	})
	if err != nil || !added {
		return err
	}
	return outbox.Enqueue(ctx, tx, n.queue, inv.TenantID, id)
}

// maxRecipientLen is the outbox's bound on a recipient.
const maxRecipientLen = 320

// recipient is the billing contact as an address, "Maria Garcia
// <maria@…>", or the bare email where the name would make it too long.
func recipient(c bookingsrc.Family) string {
	if c.BillingName == "" {
		return c.BillingEmail
	}
	to := (&mail.Address{Name: oneLine(c.BillingName), Address: c.BillingEmail}).String()
	if len(to) > maxRecipientLen {
		return c.BillingEmail
	}
	return to
}

// school is the school's name (its tenant's display name) and time zone,
// read from Accounts and Booking at most once a schoolTTL.
func (n *Notifier) school(ctx context.Context, tenant uuid.UUID) (school, error) {
	n.mu.Lock()
	s, ok := n.schools[tenant]
	n.mu.Unlock()
	if ok && time.Since(s.fetched) < schoolTTL {
		return s, nil
	}
	name, err := n.src.TenantName(ctx, tenant)
	if err != nil {
		return school{}, fmt.Errorf("receipts: the school's name: %w", err)
	}
	settings, err := n.src.School(ctx, tenant)
	if err != nil {
		return school{}, fmt.Errorf("receipts: the school's settings: %w", err)
	}
	s = school{name: name, zone: settings.Zone, fetched: time.Now()}
	n.mu.Lock()
	n.schools[tenant] = s
	n.mu.Unlock()
	return s, nil
}

// oneLine is s on one line: a subject or a name holds no line break.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
