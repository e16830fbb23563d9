// Package receipts is Invoicing's ledger.Notifier: the invoice-issued and
// payment-received emails to the family's billing contact, each with the
// invoice's PDF attached.
//
// The Notifier, called in the transaction that issues the invoice or
// records the payment, enqueues the receipt's job in that transaction (one
// small row), so the job exists exactly when the transaction commits. The
// job reads the family's billing contact, renders the PDF and writes the
// email to the platform's outbox, once per dedupe key (invoice/<id>/issued,
// payment/<id>/received), whose own retried job delivers it (Deliverer).
// The PDF is rendered there, not in the issuing transaction: rendering it
// (about 2 ms of CPU), reading the family from Booking and writing a 26 KB
// outbox row in the transaction that holds the number sequence's lock made
// a billing run of 2,000 invoices take 44.9 s; as jobs, 19.0 s, against
// 15.5 s with no receipts at all (make bench-billing, 2 cores under a load
// average of 11 to 14 from other work). And a receipt that cannot be
// written now does not stop the invoice being issued.
//
// A family without a billing email gets no email.
package receipts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"steward.dev/platform/jobs"
	platformmail "steward.dev/platform/mail"
	"steward.dev/platform/outbox"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/bookingsrc"
	"steward.dev/services/invoicing/internal/invoicepdf"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/store"
)

// Service is the catalog name the receipts are written under: the outbox's
// rows say whose they are, and only Invoicing's deliverer sends them.
const Service = "invoicing"

// Args is the job that writes one receipt: of the invoice's issue, or of
// the payment received against it.
type Args struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	InvoiceID uuid.UUID `json:"invoice_id"`
	// PaymentID is the payment received; unset for the invoice's issue.
	PaymentID uuid.NullUUID `json:"payment_id"`
}

// Kind is the job's kind in River.
func (Args) Kind() string { return "invoicing_receipt" }

// InsertOpts puts receipts behind the queue's other jobs (billing runs,
// Stripe payments), which a run's thousands of receipts would otherwise
// keep waiting.
func (Args) InsertOpts() river.InsertOpts { return river.InsertOpts{Priority: 4} }

// Receipts is the Notifier and the worker of its jobs. Its zero value is
// not usable; use New.
type Receipts struct {
	db    *tenantdb.DB
	src   *bookingsrc.Source
	queue *jobs.Client
	// schools keeps each school's name and zone a short while: a billing
	// run's receipts are thousands of one school's.
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

// New returns the receipts of invoices in db, reading families and schools
// through src. Give it its queue with SetQueue before the first invoice is
// issued.
func New(db *tenantdb.DB, src *bookingsrc.Source) *Receipts {
	return &Receipts{db: db, src: src, schools: map[uuid.UUID]school{}}
}

// SetQueue is the queue the receipts' jobs and their deliveries go on: the
// service's, which is made after the ledger these receipts notify, with
// Worker and the Deliverer's worker among its workers.
func (r *Receipts) SetQueue(q *jobs.Client) { r.queue = q }

// NewDeliverer returns the deliverer of the receipts through the SMTP relay
// get's settings name (platform/mail's MAIL_SMTP_ADDR and MAIL_FROM).
func NewDeliverer(db *tenantdb.DB, get func(key, fallback string) string) (*outbox.Deliverer, error) {
	sender, err := platformmail.SenderFromEnv(get)
	if err != nil {
		return nil, err
	}
	return outbox.NewDeliverer(db, sender, outbox.DeliveryConfig{Service: Service}), nil
}

// InvoiceIssued enqueues, in tx, the receipt of inv's issue.
func (r *Receipts) InvoiceIssued(ctx context.Context, tx tenantdb.DBTX, inv ledger.Invoice) error {
	return r.enqueue(ctx, tx, Args{TenantID: inv.TenantID, InvoiceID: inv.ID})
}

// PaymentReceived enqueues, in tx, the receipt of payment p.
func (r *Receipts) PaymentReceived(ctx context.Context, tx tenantdb.DBTX, inv ledger.Invoice, p ledger.Payment) error {
	return r.enqueue(ctx, tx, Args{TenantID: inv.TenantID, InvoiceID: inv.ID, PaymentID: uuid.NullUUID{UUID: p.PaymentID, Valid: true}})
}

func (r *Receipts) enqueue(ctx context.Context, tx tenantdb.DBTX, a Args) error {
	if r.queue == nil {
		return errors.New("receipts: no queue")
	}
	_, err := r.queue.EnqueueTx(ctx, tx, a, nil)
	return err
}

// Worker works the receipts' jobs; register it with river.AddWorker on the
// service's queue.
type Worker struct {
	river.WorkerDefaults[Args]
	r *Receipts
}

// Worker returns the worker of r's jobs.
func (r *Receipts) Worker() *Worker { return &Worker{r: r} }

// Work writes the job's receipt as the service (its own identity reads
// Booking and Accounts).
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	return w.r.write(jobs.ForTenant(ctx, job.Args.TenantID), job.Args)
}

// Timeout bounds one attempt: three calls to Booking and Accounts, a render
// and two short transactions.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return time.Minute }

// write writes a's email to the outbox with the invoice's PDF as it now
// stands, and enqueues its delivery, unless the family has no billing email
// (or no longer exists), or the invoice was voided before its issue's email
// was written; a second write of the same receipt finds its dedupe key
// taken and writes nothing.
func (r *Receipts) write(ctx context.Context, a Args) error {
	row, err := store.New(r.db.Scoped(ctx)).GetInvoice(ctx, store.GetInvoiceParams{TenantID: a.TenantID, InvoiceID: a.InvoiceID})
	if errors.Is(err, pgx.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("receipts: no invoice %s", a.InvoiceID)) // issued invoices are never deleted
	}
	if err != nil {
		return err
	}
	if row.State == ledger.StateVoid && !a.PaymentID.Valid {
		return nil // voided before its email was written: no "here is your invoice"
	}
	family, err := r.src.Family(ctx, a.TenantID, row.FamilyID)
	if status.Code(err) == codes.NotFound {
		return river.JobCancel(fmt.Errorf("receipts: family %s is gone from Booking: %w", row.FamilyID, err))
	}
	if err != nil {
		return fmt.Errorf("receipts: family %s: %w", row.FamilyID, err)
	}
	if family.BillingEmail == "" {
		return nil
	}
	s, err := r.school(ctx, a.TenantID)
	if err != nil {
		return err
	}
	return r.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		inv, err := load(ctx, tx, a.TenantID, a.InvoiceID)
		if err != nil {
			return err
		}
		doc, err := invoicepdf.Compose(ctx, tx, inv, s.name, family, s.zone)
		if err != nil {
			return err
		}
		key, subject, text := issued(inv, s, family)
		if a.PaymentID.Valid {
			p, err := payment(ctx, tx, inv, a.PaymentID.UUID)
			if err != nil {
				return err
			}
			key, subject, text = received(inv, p, s, family)
		}
		pdf, err := invoicepdf.Render(doc)
		if err != nil {
			return err
		}
		id, added, err := outbox.Add(ctx, tx, outbox.Message{
			Service: Service, DedupeKey: key, To: recipient(family), Subject: oneLine(subject), Text: text,
			Attachments: []platformmail.Attachment{{Filename: invoicepdf.Filename(inv), ContentType: invoicepdf.ContentType, Content: pdf}},
		})
		if err != nil || !added {
			return err
		}
		return outbox.Enqueue(ctx, tx, r.queue, a.TenantID, id)
	})
}

// load is the issued invoice id, with its lines, as the ledger assembles
// it.
func load(ctx context.Context, tx tenantdb.DBTX, tenant, id uuid.UUID) (ledger.Invoice, error) {
	q := store.New(tx)
	row, err := q.GetInvoice(ctx, store.GetInvoiceParams{TenantID: tenant, InvoiceID: id})
	if err != nil {
		return ledger.Invoice{}, err
	}
	if row.State == ledger.StateDraft {
		return ledger.Invoice{}, river.JobCancel(fmt.Errorf("receipts: invoice %s is a draft", id)) // never notified
	}
	lines, err := q.ListInvoiceLines(ctx, store.ListInvoiceLinesParams{TenantID: tenant, InvoiceIds: []uuid.UUID{id}})
	if err != nil {
		return ledger.Invoice{}, err
	}
	// An issued invoice keeps its own rule: no settings needed.
	return ledger.Assemble(row, lines, store.InvoicingBillingSetting{}), nil
}

// payment is the invoice's payment id.
func payment(ctx context.Context, tx tenantdb.DBTX, inv ledger.Invoice, id uuid.UUID) (ledger.Payment, error) {
	rows, err := store.New(tx).ListPayments(ctx, store.ListPaymentsParams{TenantID: inv.TenantID,
		InvoiceID: uuid.NullUUID{UUID: inv.ID, Valid: true}, AfterID: uuid.Nil, PageLimit: 1000})
	if err != nil {
		return ledger.Payment{}, err
	}
	for _, p := range rows {
		if p.InvoicingPayment.PaymentID == id {
			return ledger.Payment{InvoicingPayment: p.InvoicingPayment}, nil
		}
	}
	return ledger.Payment{}, river.JobCancel(fmt.Errorf("receipts: no payment %s of invoice %s", id, inv.ID))
}

// issued is the dedupe key, subject and text of inv's issue.
func issued(inv ledger.Invoice, s school, c bookingsrc.Family) (key, subject, text string) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s,\n\n", greeting(c))
	fmt.Fprintf(&b, "%s has issued invoice %s to %s: %s, due by %s.\n\n", s.name, inv.Number, c.DisplayName,
		money(inv, inv.AmountDue()), inv.DueDate.Format(dateLayout))
	b.WriteString("The invoice is attached as a PDF; how to pay is at its foot.\n\n")
	b.WriteString(s.name + "\n")
	return "invoice/" + inv.ID.String() + "/issued", fmt.Sprintf("Invoice %s from %s", inv.Number, s.name), b.String()
}

// received is the dedupe key, subject and text of payment p's receipt.
func received(inv ledger.Invoice, p ledger.Payment, s school, c bookingsrc.Family) (key, subject, text string) {
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
	return "payment/" + p.PaymentID.String() + "/received",
		fmt.Sprintf("Payment received: %s for invoice %s", money(inv, p.AmountMinor), inv.Number), b.String()
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
func (r *Receipts) school(ctx context.Context, tenant uuid.UUID) (school, error) {
	r.mu.Lock()
	s, ok := r.schools[tenant]
	r.mu.Unlock()
	if ok && time.Since(s.fetched) < schoolTTL {
		return s, nil
	}
	name, err := r.src.TenantName(ctx, tenant)
	if err != nil {
		return school{}, fmt.Errorf("receipts: the school's name: %w", err)
	}
	settings, err := r.src.School(ctx, tenant)
	if err != nil {
		return school{}, fmt.Errorf("receipts: the school's settings: %w", err)
	}
	s = school{name: name, zone: settings.Zone, fetched: time.Now()}
	r.mu.Lock()
	r.schools[tenant] = s
	r.mu.Unlock()
	return s, nil
}

// oneLine is s on one line: a subject or a name holds no line break.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
