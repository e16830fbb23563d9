// Package mail sends email over SMTP: a text body, an optional HTML
// alternative and attachments, as one MIME message. It is the sender behind
// platform/outbox, and knows nothing of tenants or retries.
//
// Every message carries the Message-ID its caller gives. The outbox derives
// it from the row being delivered, so a delivery retried after a crash
// between the send and the commit that records it sends the same Message-ID
// again, and a receiver that drops repeated ids (the development sink does,
// with --ignore-duplicate-ids) keeps one copy.
package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// Message is one email to one recipient.
type Message struct {
	// MessageID is the Message-ID header without its angle brackets,
	// "<id>@<domain>".
	MessageID string
	To        string
	Subject   string
	Text      string
	// HTML, when set, is sent as the alternative to Text.
	HTML        string
	Attachments []Attachment
}

// Attachment is a file sent with a message.
type Attachment struct {
	Filename    string
	ContentType string
	Content     []byte
}

// The settings of every service that sends mail: where it goes out (SMTP,
// no authentication: the development sink, or a local relay) and from whom.
// `make run` points them at its mail sink.
const (
	SMTPAddrEnv     = "MAIL_SMTP_ADDR"
	FromEnv         = "MAIL_FROM"
	DefaultSMTPAddr = "127.0.0.1:1025"
	DefaultFrom     = "Steward <steward@steward.localhost>"
)

// SenderFromEnv returns the sender the settings configure, read with get
// (a key and the value when it is not set: catalog.Env's Get).
func SenderFromEnv(get func(key, fallback string) string) (*Sender, error) {
	return NewSender(get(SMTPAddrEnv, DefaultSMTPAddr), get(FromEnv, DefaultFrom))
}

// Sender delivers messages to one SMTP server. Its zero value is not usable;
// use NewSender.
type Sender struct {
	addr string
	from *mail.Address
}

// NewSender returns a sender through the SMTP server at addr ("host:port")
// with from as every message's From address. The server is trusted to relay
// without authentication: the development sink, or a local relay.
func NewSender(addr, from string) (*Sender, error) {
	f, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", from, err)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("mail: SMTP address %q: %w", addr, err)
	}
	return &Sender{addr: addr, from: f}, nil
}

// Domain is the domain of the From address, the right-hand side of the
// Message-IDs the sender's callers make.
func (s *Sender) Domain() string {
	_, domain, _ := strings.Cut(s.from.Address, "@")
	return domain
}

// sendTimeout bounds one SMTP conversation when ctx has no earlier deadline:
// net/smtp has no context of its own, so the deadline is the connection's.
const sendTimeout = 30 * time.Second

// Send delivers m in one SMTP conversation.
func (s *Sender) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	body, err := s.compose(m, to)
	if err != nil {
		return err
	}
	deadline, ok := ctx.Deadline()
	if !ok || time.Until(deadline) > sendTimeout {
		deadline = time.Now().Add(sendTimeout)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("mail: dial %s: %w", s.addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	// A cancelled context ends the conversation at once, not at the deadline.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	host, _, _ := net.SplitHostPort(s.addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("mail: %s: %w", s.addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		// Only loopback relays are configured today; a remote relay needs
		// TLS and authentication, which this sender does not offer.
		return errors.New("mail: the server offers STARTTLS; this sender speaks plain SMTP to a local relay only")
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("mail: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	return c.Quit()
}

// compose writes m as a MIME message: text (with its HTML alternative) and
// then each attachment, base64-encoded.
func (s *Sender) compose(m Message, to *mail.Address) ([]byte, error) {
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("mail: the subject holds a line break")
	}
	if strings.ContainsAny(m.MessageID, "<>\r\n \t") || !strings.Contains(m.MessageID, "@") {
		return nil, fmt.Errorf("mail: message id %q is not id@domain", m.MessageID)
	}
	var buf bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", time.Now().UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+m.MessageID+">")
	header("MIME-Version", "1.0")

	bodyHeader, body, err := alternatives(m)
	if err != nil {
		return nil, err
	}
	if len(m.Attachments) == 0 {
		writeHeader(&buf, bodyHeader)
		buf.WriteString("\r\n")
		buf.Write(body)
		return buf.Bytes(), nil
	}
	mixed := multipart.NewWriter(&buf)
	header("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	buf.WriteString("\r\n")
	part, err := mixed.CreatePart(bodyHeader)
	if err != nil {
		return nil, err
	}
	if _, err := part.Write(body); err != nil {
		return nil, err
	}
	for _, a := range m.Attachments {
		if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
			return nil, fmt.Errorf("mail: attachment %q: content type %q: %w", a.Filename, a.ContentType, err)
		}
		part, err := mixed.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {a.ContentType},
			"Content-Transfer-Encoding": {"base64"},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename})},
		})
		if err != nil {
			return nil, err
		}
		if err := writeBase64Lines(part, a.Content); err != nil {
			return nil, err
		}
	}
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeHeader(buf *bytes.Buffer, h textproto.MIMEHeader) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(buf, "%s: %s\r\n", k, v)
		}
	}
}

// alternatives returns m's text as one quoted-printable part or, with HTML,
// a multipart/alternative of both: the part's header and its content.
func alternatives(m Message) (textproto.MIMEHeader, []byte, error) {
	var buf bytes.Buffer
	if m.HTML == "" {
		if err := writeQuotedPrintable(&buf, m.Text); err != nil {
			return nil, nil, err
		}
		return textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}}, buf.Bytes(), nil
	}
	alt := multipart.NewWriter(&buf)
	for _, p := range []struct{ typ, body string }{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}} {
		w, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {p.typ}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, nil, err
		}
		if err := writeQuotedPrintable(w, p.body); err != nil {
			return nil, nil, err
		}
	}
	if err := alt.Close(); err != nil {
		return nil, nil, err
	}
	return textproto.MIMEHeader{"Content-Type": {mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": alt.Boundary()})}}, buf.Bytes(), nil
}

func writeQuotedPrintable(w interface{ Write([]byte) (int, error) }, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	return qp.Close()
}

// writeBase64Lines writes b base64-encoded in lines of 76 characters, as
// RFC 2045 requires.
func writeBase64Lines(w interface{ Write([]byte) (int, error) }, b []byte) error {
	enc := base64.StdEncoding.EncodeToString(b)
	for len(enc) > 76 {
		if _, err := w.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err := w.Write([]byte(enc + "\r\n"))
	return err
}
