package e2e_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/google/uuid"

	"steward.dev/db/dbtest"
)

// TestDashboardAndMaintenanceFeedThroughGateway: the dashboard as JSON, and a
// home's feed URL, as CreateMaintenanceFeed answers it, for a client without
// credentials: the raw iCalendar body with its content type. A completed
// task leaves both at once; a wrong token and a revoked feed are HTTP 404.
func TestDashboardAndMaintenanceFeedThroughGateway(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	house := s.newTenant(t, "household", "owner")
	var home struct{ Name string }
	if code := s.httpDo(t, http.MethodPost, "/v1/"+house.Name+"/homes", house.Token, `{"displayName":"Quay House","timeZone":"Europe/London"}`, &home); code != http.StatusOK {
		t.Fatalf("create home: HTTP %d", code)
	}
	homeID := uuid.MustParse(home.Name[strings.LastIndex(home.Name, "/")+1:])
	db := s.bypassPool(t)
	dbtest.ExecAsTenant(t, db, house.ID, `INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone)
		VALUES ($1, $2, 'Quay House', 'Europe/London') ON CONFLICT (tenant_id, home_id) DO NOTHING`, house.ID, homeID)
	task := uuid.New()
	due := time.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly)
	dbtest.ExecAsTenant(t, db, house.ID, `INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, kind, title, due_date, lead_days)
		VALUES ($1, $2, $3, 'inspection', 'Check the smoke alarms', $4, 2)`, house.ID, task, homeID, due)

	type dashboard struct {
		DueWithin7DaysCount int `json:"dueWithin7DaysCount"`
		DueTasks            []struct{ Task, Title string }
	}
	var dash dashboard
	if code := s.httpDo(t, http.MethodGet, "/v1/"+house.Name+"/dashboard", house.Token, "", &dash); code != http.StatusOK ||
		dash.DueWithin7DaysCount != 1 || len(dash.DueTasks) != 1 || dash.DueTasks[0].Task != home.Name+"/tasks/"+task.String() {
		t.Fatalf("dashboard: HTTP %d %+v", code, dash)
	}

	var feed struct{ Name, Url string } //nolint:revive // the JSON field is url
	if code := s.httpDo(t, http.MethodPost, "/v1/"+home.Name+"/maintenanceFeeds", house.Token, `{}`, &feed); code != http.StatusOK {
		t.Fatalf("create feed: HTTP %d", code)
	}
	if !strings.HasPrefix(feed.Url, "/v1/"+feed.Name+"/calendar.ics?token=") {
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
	events := func() []goical.Event {
		t.Helper()
		code, contentType, body := get(feed.Url)
		if code != http.StatusOK || contentType != "text/calendar; charset=utf-8" || !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") {
			t.Fatalf("feed: HTTP %d %q %.80q", code, contentType, body)
		}
		cal, err := goical.NewDecoder(strings.NewReader(body)).Decode()
		if err != nil {
			t.Fatalf("the feed does not parse: %v\n%s", err, body)
		}
		return cal.Events()
	}
	if evs := events(); len(evs) != 1 {
		t.Fatalf("feed events = %v, want the one task", evs)
	} else if uid, _ := evs[0].Props.Text(goical.PropUID); uid != task.String()+"@steward.dev" {
		t.Errorf("UID %q", uid)
	}

	// Completed (as TaskService's completion would write it): gone from both.
	dbtest.ExecAsTenant(t, db, house.ID, `UPDATE maintenance.tasks SET state = 'done', completed_time = now() WHERE tenant_id = $1 AND task_id = $2`, house.ID, task)
	var after dashboard // zero counts are left out of the JSON
	if code := s.httpDo(t, http.MethodGet, "/v1/"+house.Name+"/dashboard", house.Token, "", &after); code != http.StatusOK || after.DueWithin7DaysCount != 0 || len(after.DueTasks) != 0 {
		t.Errorf("dashboard after completing: HTTP %d %+v, want nothing due", code, after)
	}
	if evs := events(); len(evs) != 0 {
		t.Errorf("feed after completing: %d events, want none", len(evs))
	}

	u, _ := url.Parse(feed.Url)
	if code, _, _ := get(u.Path + "?token=" + strings.Repeat("x", 43)); code != http.StatusNotFound {
		t.Errorf("wrong token: HTTP %d, want 404", code)
	}
	if code := s.httpDo(t, http.MethodDelete, "/v1/"+feed.Name, house.Token, "", nil); code != http.StatusOK {
		t.Fatalf("revoke: HTTP %d", code)
	}
	if code, _, _ := get(feed.Url); code != http.StatusNotFound {
		t.Errorf("revoked feed: HTTP %d, want 404", code)
	}
}
