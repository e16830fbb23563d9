package maintenance_test

import (
	"bytes"
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/servertest"
)

// anonymous is a calendar app's call: no credentials at all.
func anonymous(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// feedRequest reads the name and token back out of a feed's URL.
func feedRequest(t *testing.T, feed *maintenancev1.MaintenanceFeed) *maintenancev1.GetMaintenanceFeedContentRequest {
	t.Helper()
	u, err := url.Parse(feed.GetUrl())
	if err != nil {
		t.Fatal(err)
	}
	if want := "/v1/" + feed.GetName() + "/calendar.ics"; u.Path != want || u.Host != "" || len(u.Query().Get("token")) < 43 {
		t.Fatalf("feed URL %q; want %s?token=<32 bytes, base64url>", feed.GetUrl(), want)
	}
	return &maintenancev1.GetMaintenanceFeedContentRequest{Name: feed.GetName(), Token: u.Query().Get("token")}
}

// fetchFeed gets a feed anonymously and parses it with a second, independent
// iCalendar implementation (emersion/go-ical), re-encoding it too, which
// checks each component's required and single properties.
func fetchFeed(t *testing.T, svc maintenancev1.DashboardServiceClient, req *maintenancev1.GetMaintenanceFeedContentRequest) (*goical.Calendar, string) {
	t.Helper()
	body, err := svc.GetMaintenanceFeedContent(anonymous(t), req)
	if err != nil {
		t.Fatalf("GetMaintenanceFeedContent: %v", err)
	}
	if body.GetContentType() != "text/calendar; charset=utf-8" {
		t.Errorf("content type %q", body.GetContentType())
	}
	text := string(body.GetData())
	if !strings.HasPrefix(text, "BEGIN:VCALENDAR\r\n") {
		t.Errorf("not CRLF-delimited iCalendar: %.40q", text)
	}
	cal, err := goical.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot parse the feed: %v\n%s", err, text)
	}
	if err := goical.NewEncoder(&bytes.Buffer{}).Encode(cal); err != nil {
		t.Fatalf("go-ical finds the feed malformed: %v\n%s", err, text)
	}
	return cal, text
}

// TestMaintenanceFeeds: an OWNER makes a home's feed; anyone with its URL
// reads the home's open work as all-day events with alarms; a wrong token,
// another home's name and a revoked feed are NOT_FOUND; a MEMBER manages no
// feeds and another tenant reaches none.
func TestMaintenanceFeeds(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	c := &dashClock{now: sydneyMorning}
	svc := serveDashboard(t, env, c)
	d, other := newDash(t, env, c), newDash(t, env, c)
	furnace := d.asset(t, d.sydney, "Furnace", "hvac-furnace", "2012-01-01", 180, "")
	service := d.task(t, taskSpec{home: d.sydney, asset: furnace, title: "Furnace service", state: "open", due: "2027-03-31", leadDays: 14})
	filter := d.task(t, taskSpec{home: d.sydney, title: "Filter", state: "in_progress", due: "2027-04-20"})
	late := d.task(t, taskSpec{home: d.sydney, title: "Long overdue", state: "open", due: "2026-12-01"}) // 121 days: out
	far := d.task(t, taskSpec{home: d.sydney, title: "Far ahead", state: "open", due: "2028-04-01"})     // 366 days: in
	d.task(t, taskSpec{home: d.sydney, title: "Done", state: "done", due: "2027-03-30", completed: sydneyMorning, cost: 100, currency: "GBP"})
	d.task(t, taskSpec{home: d.angels, title: "Elsewhere", state: "open", due: "2027-04-02"})
	_ = late

	create := func(ctx context.Context, home string) (*maintenancev1.MaintenanceFeed, error) {
		return svc.CreateMaintenanceFeed(ctx, &maintenancev1.CreateMaintenanceFeedRequest{Parent: home})
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context //nolint:containedctx // the caller of the case
		home string
		want codes.Code
	}{
		{"member", d.member, d.home(d.sydney), codes.PermissionDenied},
		{"another tenant's home", d.owner, other.home(other.sydney), codes.NotFound},
		{"no such home", d.owner, d.home(uuid.New()), codes.NotFound},
		{"another tenant's owner", other.owner, d.home(d.sydney), codes.NotFound},
	} {
		if _, err := create(tc.ctx, tc.home); codeOf(err) != tc.want {
			t.Errorf("create, %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	feed, err := create(d.owner, d.home(d.sydney))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(feed.GetName(), d.home(d.sydney)+"/maintenanceFeeds/") {
		t.Errorf("feed name %q", feed.GetName())
	}
	req := feedRequest(t, feed)

	cal, text := fetchFeed(t, svc, req)
	events := map[string]goical.Event{}
	for _, ev := range cal.Events() {
		uid, _ := ev.Props.Text(goical.PropUID)
		events[uid] = ev
	}
	uid := func(id uuid.UUID) string { return id.String() + "@steward.dev" }
	var got []string
	for k := range events {
		got = append(got, k)
	}
	slices.Sort(got)
	want := []string{uid(service), uid(filter), uid(far)}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("feed UIDs = %v, want %v (open and started work of this home, 90 days back to a year ahead)\n%s", got, want, text)
	}
	ev := events[uid(service)]
	start := ev.Props.Get(goical.PropDateTimeStart)
	end := ev.Props.Get(goical.PropDateTimeEnd)
	if start == nil || start.Value != "20270331" || start.Params.Get(goical.ParamValue) != "DATE" || end == nil || end.Value != "20270401" {
		t.Errorf("DTSTART %v, DTEND %v; want the all-day 2027-03-31", start, end)
	}
	if s, _ := ev.Props.Text(goical.PropSummary); s != "Furnace service (Furnace)" {
		t.Errorf("SUMMARY %q", s)
	}
	if tr, _ := ev.Props.Text(goical.PropTransparency); tr != "TRANSPARENT" {
		t.Errorf("TRANSP %q", tr)
	}
	alarms := ev.Children
	if len(alarms) != 1 || alarms[0].Name != goical.CompAlarm || alarms[0].Props.Get(goical.PropTrigger).Value != "-P14D" {
		t.Errorf("alarms %v; want one at -P14D", alarms)
	}
	if len(events[uid(filter)].Children) != 0 {
		t.Error("an alarm on a task without a lead time")
	}
	if name, _ := cal.Props.Text("X-WR-CALNAME"); name != "Steward: Harbour House maintenance" {
		t.Errorf("X-WR-CALNAME %q", name)
	}
	if _, again := fetchFeed(t, svc, req); again != text {
		t.Error("an unchanged feed serialises differently")
	}

	// Nothing but the right token on the right name.
	wrongHome := strings.Replace(req.GetName(), d.sydney.String(), d.angels.String(), 1)
	for _, tc := range []struct {
		name string
		req  *maintenancev1.GetMaintenanceFeedContentRequest
		want codes.Code
	}{
		{"a wrong token", &maintenancev1.GetMaintenanceFeedContentRequest{Name: req.GetName(), Token: strings.Repeat("A", 43)}, codes.NotFound},
		{"another home's name", &maintenancev1.GetMaintenanceFeedContentRequest{Name: wrongHome, Token: req.GetToken()}, codes.NotFound},
		{"no such feed", &maintenancev1.GetMaintenanceFeedContentRequest{Name: d.home(d.sydney) + "/maintenanceFeeds/" + uuid.NewString(), Token: req.GetToken()}, codes.NotFound},
		{"no token", &maintenancev1.GetMaintenanceFeedContentRequest{Name: req.GetName()}, codes.InvalidArgument},
	} {
		if _, err := svc.GetMaintenanceFeedContent(anonymous(t), tc.req); codeOf(err) != tc.want {
			t.Errorf("content, %s: %v, want %v", tc.name, err, tc.want)
		}
	}

	// Listing: the owner's, per home and across homes, without URLs.
	list := func(ctx context.Context, parent string) ([]*maintenancev1.MaintenanceFeed, error) {
		resp, err := svc.ListMaintenanceFeeds(ctx, &maintenancev1.ListMaintenanceFeedsRequest{Parent: parent})
		return resp.GetMaintenanceFeeds(), err
	}
	second, err := create(d.owner, d.home(d.angels))
	if err != nil {
		t.Fatal(err)
	}
	if all, err := list(d.owner, "tenants/"+d.tenant.String()+"/homes/-"); err != nil || len(all) != 2 || all[0].GetUrl() != "" {
		t.Errorf("all feeds = %v, %v", all, err)
	}
	if one, err := list(d.owner, d.home(d.angels)); err != nil || len(one) != 1 || one[0].GetName() != second.GetName() {
		t.Errorf("LA's feeds = %v, %v", one, err)
	}
	if _, err := list(d.member, d.home(d.sydney)); codeOf(err) != codes.PermissionDenied {
		t.Errorf("member's list: %v", err)
	}
	if got, err := list(other.owner, "tenants/"+other.tenant.String()+"/homes/-"); err != nil || len(got) != 0 {
		t.Errorf("the other tenant's list = %v, %v", got, err)
	}

	// Revoking.
	del := func(ctx context.Context, name string) error {
		_, err := svc.DeleteMaintenanceFeed(ctx, &maintenancev1.DeleteMaintenanceFeedRequest{Name: name})
		return err
	}
	if err := del(d.member, feed.GetName()); codeOf(err) != codes.PermissionDenied {
		t.Errorf("member's revoke: %v", err)
	}
	if err := del(other.owner, feed.GetName()); codeOf(err) != codes.NotFound {
		t.Errorf("another tenant's revoke: %v", err)
	}
	if err := del(d.owner, feed.GetName()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetMaintenanceFeedContent(anonymous(t), req); codeOf(err) != codes.NotFound {
		t.Errorf("a revoked feed: %v, want NOT_FOUND", err)
	}
	if err := del(d.owner, feed.GetName()); codeOf(err) != codes.NotFound {
		t.Errorf("revoking twice: %v", err)
	}
}
