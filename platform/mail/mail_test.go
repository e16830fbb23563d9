package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"steward.dev/platform/mail"
	"steward.dev/platform/mail/mailtest"
)

// TestSendTextOnly: a plain message arrives with its Message-ID, subject
// (encoded, non-ASCII included) and text.
func TestSendTextOnly(t *testing.T) {
	t.Parallel()
	sink := mailtest.Start(t)
	s, err := mail.NewSender(sink.SMTPAddr, "Steward <steward@steward.test>")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	text := "Flush the water heater at Harbour Flat is due on Saturday 13 March 2027 (in 3 days).\n" + strings.Repeat("long line ", 20) + "\n"
	if err := s.Send(ctx, mail.Message{MessageID: "abc-1@steward.test", To: "Zoë <zoe@example.com>", Subject: "Due 13 Mär: Boiler", Text: text}); err != nil {
		t.Fatal(err)
	}
	list := sink.Messages(t)
	if len(list) != 1 {
		t.Fatalf("%d messages", len(list))
	}
	got := sink.Message(t, list[0].ID)
	if got.MessageID != "abc-1@steward.test" || got.Subject != "Due 13 Mär: Boiler" || strings.ReplaceAll(got.Text, "\r\n", "\n") != text {
		t.Errorf("message id %q, subject %q, text %q", got.MessageID, got.Subject, got.Text)
	}
	if s.Domain() != "steward.test" {
		t.Errorf("domain %q", s.Domain())
	}
}

// TestSendRefusesHeaderInjection: nothing a caller passes can add a header.
func TestSendRefusesHeaderInjection(t *testing.T) {
	t.Parallel()
	sink := mailtest.Start(t)
	s, err := mail.NewSender(sink.SMTPAddr, "steward@steward.test")
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]mail.Message{
		"subject":    {MessageID: "a@b", To: "a@example.com", Subject: "Hi\r\nBcc: x@example.com"},
		"recipient":  {MessageID: "a@b", To: "a@example.com\r\nBcc: x@example.com", Subject: "Hi"},
		"message id": {MessageID: "a@b>\r\nBcc: <x", To: "a@example.com", Subject: "Hi"},
		"attachment": {MessageID: "a@b", To: "a@example.com", Subject: "Hi",
			Attachments: []mail.Attachment{{Filename: "x.pdf", ContentType: "application/pdf\r\nBcc: x@example.com", Content: []byte("x")}}},
	} {
		if err := s.Send(context.Background(), m); err == nil {
			t.Errorf("%s: sent", name)
		}
	}
	if n := len(sink.Messages(t)); n != 0 {
		t.Errorf("the sink holds %d messages", n)
	}
	if _, err := mail.NewSender("127.0.0.1:1025", "not an address"); err == nil {
		t.Error("a bad from address was taken")
	}
}
