// Package outbox is the platform's transactional outbox: a service writes an
// email in the same transaction as the change that calls for it (Add), and a
// retried job delivers it afterwards (Deliverer). A change that rolls back
// sends nothing; one that commits is sent even if the service stops right
// after the commit.
//
// # At most once per dedupe key, and once despite a crash
//
// A message carries a dedupe key naming what it is about and for whom
// ("task/<id>/<occurrence>/due/<user>"); the tenant's second message with
// the same key is not written (UNIQUE (tenant_id, dedupe_key)), so the job
// that writes reminders may run any number of times.
//
// Delivery is at least once at the SMTP level and once at the mailbox: each
// attempt is counted in a transaction committed before the send, then the
// message is sent with a Message-ID derived from its row id, then it is
// marked sent. A crash between the send and that last commit leaves the
// message pending with its attempt recorded; the retry sends it again with
// the same Message-ID, and the receiver drops the repeat (the development
// sink with --ignore-duplicate-ids; mail clients thread or collapse
// repeated Message-IDs). A claim holds the message for ClaimLease, so two
// deliveries running at once send it once.
package outbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"steward.dev/platform/mail"
	"steward.dev/platform/outbox/outboxstore"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

// Bounds of one message, checked by Add before anything is written (the
// schema bounds each field again).
const (
	MaxAttachments     = 10
	MaxAttachmentBytes = 10 << 20 // all of a message's attachments together
	MaxBodyBytes       = 1 << 20  // each of the text and the HTML body
	MaxSubjectLen      = 500
	MaxDedupeKeyLen    = 500
)

// Message is an email to one recipient, as a service writes it.
type Message struct {
	// Service is the writing service's catalog name; it alone delivers the
	// message.
	Service string
	// DedupeKey names what the message is about and for whom: the tenant's
	// second message with the same key is not written.
	DedupeKey string
	To        string
	Subject   string
	Text      string
	// HTML is optional, sent as the alternative to Text.
	HTML        string
	Attachments []mail.Attachment
}

func (m Message) check() error {
	switch {
	case m.Service == "":
		return errors.New("outbox: a message needs its service")
	case m.DedupeKey == "" || len(m.DedupeKey) > MaxDedupeKeyLen:
		return fmt.Errorf("outbox: the dedupe key must have 1 to %d bytes", MaxDedupeKeyLen)
	case m.Subject == "" || len(m.Subject) > MaxSubjectLen:
		return fmt.Errorf("outbox: the subject must have 1 to %d bytes", MaxSubjectLen)
	case len(m.Text) > MaxBodyBytes || len(m.HTML) > MaxBodyBytes:
		return fmt.Errorf("outbox: a body is over %d bytes", MaxBodyBytes)
	case len(m.Attachments) > MaxAttachments:
		return fmt.Errorf("outbox: %d attachments, at most %d", len(m.Attachments), MaxAttachments)
	}
	total := 0
	for _, a := range m.Attachments {
		total += len(a.Content)
	}
	if total > MaxAttachmentBytes {
		return fmt.Errorf("outbox: attachments of %d bytes, at most %d", total, MaxAttachmentBytes)
	}
	return nil
}

// Add writes m in the caller's transaction tx, scoped to the tenant in ctx,
// and returns its id. A message whose dedupe key the tenant already has is
// not written: Add returns added false and no error, and the transaction
// goes on.
func Add(ctx context.Context, tx tenantdb.DBTX, m Message) (id uuid.UUID, added bool, err error) {
	t, ok := scope.TenantFrom(ctx)
	if !ok {
		return uuid.Nil, false, tenantdb.ErrNoScope
	}
	if err := m.check(); err != nil {
		return uuid.Nil, false, err
	}
	q := outboxstore.New(tx)
	id, err = q.InsertMessage(ctx, outboxstore.InsertMessageParams{
		TenantID: t.TenantID, MessageID: uuid.Must(uuid.NewV7()), Service: m.Service, DedupeKey: m.DedupeKey,
		Recipient: m.To, Subject: m.Subject, TextBody: m.Text, HtmlBody: m.HTML,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, err
	}
	for i, a := range m.Attachments {
		if err := q.InsertAttachment(ctx, outboxstore.InsertAttachmentParams{
			TenantID: t.TenantID, MessageID: id, Position: int32(i), Filename: a.Filename, ContentType: a.ContentType, Content: a.Content,
		}); err != nil {
			return uuid.Nil, false, err
		}
	}
	return id, true, nil
}

// ClaimLease is how long a delivery attempt holds its message by default:
// another delivery of the same message within it finds it busy (ErrBusy)
// instead of sending it a second time. Longer than one SMTP conversation
// may take (platform/mail bounds one at 30 s).
const ClaimLease = 2 * time.Minute

// ErrBusy is returned by Deliver for a message another delivery attempt
// claimed less than the lease ago: try again later.
var ErrBusy = errors.New("outbox: another delivery holds the message")

// Deliverer sends one service's messages.
type Deliverer struct {
	db        *tenantdb.DB
	sender    *mail.Sender
	service   string
	lease     time.Duration
	afterSend func(id uuid.UUID) error // DeliveryConfig.AfterSend
}

// DeliveryConfig says whose messages a Deliverer sends and how.
type DeliveryConfig struct {
	// Service is the catalog name of the service whose messages these are.
	Service string
	// Lease is how long an attempt holds its message; 0 means ClaimLease.
	// Tests shorten it to see a crashed attempt's retry within seconds.
	Lease time.Duration
	// AfterSend, when set, runs between a send and the commit that records
	// it, and an error from it ends the attempt there: tests stand it for a
	// crash at that point. Nil in production.
	AfterSend func(id uuid.UUID) error
}

// NewDeliverer returns the deliverer of cfg.Service's messages through
// sender.
func NewDeliverer(db *tenantdb.DB, sender *mail.Sender, cfg DeliveryConfig) *Deliverer {
	return &Deliverer{db: db, sender: sender, service: cfg.Service, lease: cmp.Or(cfg.Lease, ClaimLease), afterSend: cfg.AfterSend}
}

// MessageID is the Message-ID header of the outbox message id, the same on
// every attempt.
func (d *Deliverer) MessageID(id uuid.UUID) string { return id.String() + "@" + d.sender.Domain() }

// Deliver sends the message id of the tenant in ctx and marks it sent. A
// message already sent, or none of this service's, is nothing to do. An
// error means the message is still pending: the caller (a retried job)
// tries again later.
func (d *Deliverer) Deliver(ctx context.Context, id uuid.UUID) error {
	t, ok := scope.TenantFrom(ctx)
	if !ok {
		return tenantdb.ErrNoScope
	}
	var (
		msg         outboxstore.OutboxMessage
		attachments []outboxstore.OutboxAttachment
		claimed     bool
	)
	// The attempt is committed before the send, so what happened shows in
	// the row whatever happens next.
	err := d.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		claimed = false // InTx may run this again after a serialization failure
		q := outboxstore.New(tx)
		var err error
		msg, err = q.ClaimMessage(ctx, outboxstore.ClaimMessageParams{
			TenantID: t.TenantID, MessageID: id, Service: d.service, Lease: pgLease(d.lease),
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		claimed = true
		attachments, err = q.ListAttachments(ctx, outboxstore.ListAttachmentsParams{TenantID: t.TenantID, MessageID: id})
		return err
	})
	if err != nil {
		return err
	}
	if !claimed {
		return d.unclaimed(ctx, t.TenantID, id)
	}
	m := mail.Message{MessageID: d.MessageID(id), To: msg.Recipient, Subject: msg.Subject, Text: msg.TextBody, HTML: msg.HtmlBody}
	for _, a := range attachments {
		m.Attachments = append(m.Attachments, mail.Attachment{Filename: a.Filename, ContentType: a.ContentType, Content: a.Content})
	}
	q := outboxstore.New(d.db.Scoped(ctx))
	if err := d.sender.Send(ctx, m); err != nil {
		// The attempt stays counted; the failure is kept for whoever looks.
		if rerr := q.RecordFailure(context.WithoutCancel(ctx), outboxstore.RecordFailureParams{
			TenantID: t.TenantID, MessageID: id, LastError: err.Error(),
		}); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	if d.afterSend != nil {
		if err := d.afterSend(id); err != nil {
			return err
		}
	}
	// Sent: recording it must not be lost to a caller's cancellation.
	_, err = q.MarkSent(context.WithoutCancel(ctx), outboxstore.MarkSentParams{TenantID: t.TenantID, MessageID: id})
	return err
}

// unclaimed tells a message already sent or not this service's (nothing to
// do) from one another delivery holds (ErrBusy).
func (d *Deliverer) unclaimed(ctx context.Context, tenantID, id uuid.UUID) error {
	msg, err := outboxstore.New(d.db.Scoped(ctx)).GetMessage(ctx, outboxstore.GetMessageParams{TenantID: tenantID, MessageID: id})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return err
	case msg.State == "pending" && msg.Service == d.service:
		return ErrBusy
	}
	return nil
}

func pgLease(d time.Duration) pgtype.Interval {
	return pgtype.Interval{Microseconds: d.Microseconds(), Valid: true}
}
