// Package mailtest starts a real SMTP sink for a test: mailpit, the one
// `make run` starts, pinned in the tools module and built into bin/ by
// `make tools` (and so by `make test`). Each test gets its own on free
// ports, with --ignore-duplicate-ids as in development, and reads what
// arrived from its JSON API.
package mailtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"

	"steward.dev/platform/toolbin"
)

// Sink is a running mailpit.
type Sink struct {
	// SMTPAddr is where it takes mail ("127.0.0.1:port").
	SMTPAddr string
	// APIURL is its web page and API root ("http://127.0.0.1:port").
	APIURL string
}

// Binary returns the path of mailpit in the repository's bin/, found from
// the working directory up to the folder holding go.work.
func Binary() (string, error) {
	bin, err := toolbin.Path("mailpit")
	if err != nil {
		return "", fmt.Errorf("mailtest: %w", err)
	}
	return bin, nil
}

// Start runs a mailpit of t's own, stopped when t ends. A missing binary
// fails the test: mail is part of what is tested, never skipped.
func Start(t testing.TB) *Sink {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	smtpAddr, apiAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin, "--smtp", smtpAddr, "--listen", apiAddr, "--ignore-duplicate-ids",
		"--disable-version-check", "--smtp-disable-rdns", "--quiet")
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("mailtest: start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		t.Logf("mailtest: mailpit stopped (%v)", <-exited) // killed: that is its exit status
	})
	s := &Sink{SMTPAddr: smtpAddr, APIURL: "http://" + apiAddr}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("mailtest: mailpit exited: %v\n%s", err, out.String())
		default:
		}
		resp, err := http.Get(s.APIURL + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.DialTimeout("tcp", smtpAddr, time.Second); err == nil {
					c.Close()
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: mailpit not ready after 15s\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Address is a mailbox in a message summary.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is one stored message as the API lists it.
type Summary struct {
	ID          string    `json:"ID"`
	MessageID   string    `json:"MessageID"`
	From        Address   `json:"From"`
	To          []Address `json:"To"`
	Subject     string    `json:"Subject"`
	Snippet     string    `json:"Snippet"`
	Attachments int       `json:"Attachments"`
}

// Messages returns every message the sink holds, newest first.
func (s *Sink) Messages(t testing.TB) []Summary {
	t.Helper()
	resp, err := http.Get(s.APIURL + "/api/v1/messages?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailtest: GET /api/v1/messages: %s", resp.Status)
	}
	var list struct {
		Total    int       `json:"total"`
		Messages []Summary `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list.Messages
}

// Message is one stored message in full.
type Message struct {
	Summary
	Text        string `json:"Text"`
	HTML        string `json:"HTML"`
	Attachments []struct {
		// PartID names the attachment for Attachment.
		PartID      string `json:"PartID"`
		FileName    string `json:"FileName"`
		ContentType string `json:"ContentType"`
		Size        int    `json:"Size"`
	} `json:"Attachments"`
}

// Message returns the stored message id (a Summary's ID).
func (s *Sink) Message(t testing.TB, id string) Message {
	t.Helper()
	resp, err := http.Get(s.APIURL + "/api/v1/message/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailtest: GET /api/v1/message/%s: %s", id, resp.Status)
	}
	var m Message
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Attachment returns the content of the attachment partID (an Attachments
// element's PartID) of the stored message id, decoded.
func (s *Sink) Attachment(t testing.TB, id, partID string) []byte {
	t.Helper()
	resp, err := http.Get(s.APIURL + "/api/v1/message/" + id + "/part/" + partID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailtest: GET /api/v1/message/%s/part/%s: %s", id, partID, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tail keeps the last few KiB of mailpit's output for a failure message.
// mailpit writes from two of exec's goroutines.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if len(w.b) > 8<<10 {
		w.b = w.b[len(w.b)-8<<10:]
	}
	return len(p), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}
