package e2e_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"
)

// TestCalendarFeedThroughGateway: a feed's URL, as CreateCalendarFeed
// answers it, works through the gateway for a client without credentials:
// the raw iCalendar body with its content type (HttpBody), not JSON. A
// wrong token and a revoked feed are HTTP 404.
func TestCalendarFeedThroughGateway(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	school := s.newTenant(t, "school", "admin")
	var family struct{ Name string }
	if code := s.httpDo(t, http.MethodPost, "/v1/"+school.Name+"/families", school.Token, `{"displayName":"The Okafor family"}`, &family); code != http.StatusOK {
		t.Fatalf("create family: HTTP %d", code)
	}
	var feed struct{ Name, Url, Family string } //nolint:revive // the JSON field is url
	if code := s.httpDo(t, http.MethodPost, "/v1/"+school.Name+"/calendarFeeds", school.Token, `{"family":"`+family.Name+`"}`, &feed); code != http.StatusOK {
		t.Fatalf("create feed: HTTP %d", code)
	}
	if !strings.HasPrefix(feed.Url, "/v1/"+feed.Name+"/calendar.ics?token=") || feed.Family != family.Name {
		t.Fatalf("feed = %+v", feed)
	}

	get := func(path string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(s.gatewayURL + path) // no Authorization: a calendar app's request
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
	}
	code, contentType, body := get(feed.Url)
	if code != http.StatusOK || contentType != "text/calendar; charset=utf-8" || !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") {
		t.Fatalf("feed: HTTP %d %q %.80q", code, contentType, body)
	}
	cal, err := goical.NewDecoder(strings.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, body)
	}
	if name, _ := cal.Props.Text("X-WR-CALNAME"); !strings.Contains(name, "The Okafor family") {
		t.Errorf("X-WR-CALNAME = %q", name)
	}

	u, _ := url.Parse(feed.Url)
	if code, _, _ := get(u.Path + "?token=" + strings.Repeat("x", 43)); code != http.StatusNotFound {
		t.Errorf("wrong token: HTTP %d, want 404", code)
	}
	if code := s.httpDo(t, http.MethodDelete, "/v1/"+feed.Name, school.Token, "", nil); code != http.StatusOK {
		t.Fatalf("revoke: HTTP %d", code)
	}
	if code, _, _ := get(feed.Url); code != http.StatusNotFound {
		t.Errorf("revoked feed: HTTP %d, want 404", code)
	}
}
