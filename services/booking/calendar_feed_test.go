package booking_test

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

	"steward.dev/db/dbtest"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// calAnonymous is a calendar app's call: no credentials at all.
func calAnonymous(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// feedRequest reads the name and token back out of a feed's URL.
func feedRequest(t *testing.T, feed *bookingv1.CalendarFeed) *bookingv1.GetCalendarFeedContentRequest {
	t.Helper()
	u, err := url.Parse(feed.GetUrl())
	if err != nil {
		t.Fatal(err)
	}
	want := "/v1/" + feed.GetName() + "/calendar.ics"
	if u.Path != want || u.Host != "" || len(u.Query().Get("token")) < 43 {
		t.Fatalf("feed URL %q; want %s?token=<32 bytes, base64url>", feed.GetUrl(), want)
	}
	return &bookingv1.GetCalendarFeedContentRequest{Name: feed.GetName(), Token: u.Query().Get("token")}
}

// fetch gets a feed's content anonymously and parses it with a second,
// independent iCalendar implementation (emersion/go-ical), re-encoding it
// too, which checks each component's required and single properties.
func (c *calSchool) fetch(t *testing.T, req *bookingv1.GetCalendarFeedContentRequest) (*goical.Calendar, string) {
	t.Helper()
	body, err := c.cal.GetCalendarFeedContent(calAnonymous(t), req)
	if err != nil {
		t.Fatalf("GetCalendarFeedContent: %v", err)
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

// feedEvents maps each event's UID to it.
func feedEvents(t *testing.T, cal *goical.Calendar) map[string]goical.Event {
	t.Helper()
	out := map[string]goical.Event{}
	for _, ev := range cal.Events() {
		uid, err := ev.Props.Text(goical.PropUID)
		if err != nil || uid == "" {
			t.Fatalf("event without UID: %v", err)
		}
		if _, dup := out[uid]; dup {
			t.Fatalf("UID %s twice", uid)
		}
		out[uid] = ev
	}
	return out
}

func icsUID(id uuid.UUID) string { return id.String() + "@steward.dev" }

func TestCalendarFeeds(t *testing.T) {
	t.Parallel()
	env, dir, cal := calendarSetup(t)
	c := newCalSchool(t, env, dir, cal, "Australia/Sydney")

	// Who may create which feed.
	create := func(ctx context.Context, feed *bookingv1.CalendarFeed) (*bookingv1.CalendarFeed, error) {
		return c.cal.CreateCalendarFeed(ctx, &bookingv1.CreateCalendarFeedRequest{Parent: c.name, CalendarFeed: feed})
	}
	other := newCalSchool(t, env, dir, cal, "UTC")
	for _, tc := range []struct {
		name string
		ctx  context.Context //nolint:containedctx // the caller of the case
		feed *bookingv1.CalendarFeed
		want codes.Code
	}{
		{"teacher, another teacher's", c.teacherCtx, &bookingv1.CalendarFeed{Teacher: c.teacher2.GetName()}, codes.PermissionDenied},
		{"teacher, a family's", c.teacherCtx, &bookingv1.CalendarFeed{Family: c.familyA.GetName()}, codes.PermissionDenied},
		{"parent, another family's", c.parentB, &bookingv1.CalendarFeed{Family: c.familyA.GetName()}, codes.NotFound},
		{"parent, a teacher's", c.parentA, &bookingv1.CalendarFeed{Teacher: c.teacher1.GetName()}, codes.PermissionDenied},
		{"student", c.leo, &bookingv1.CalendarFeed{Family: c.familyA.GetName()}, codes.PermissionDenied},
		{"admin, no teacher", c.admin, &bookingv1.CalendarFeed{Teacher: c.name + "/teachers/" + uuid.NewString()}, codes.NotFound},
		{"admin, another school's family", c.admin, &bookingv1.CalendarFeed{Family: other.familyA.GetName()}, codes.NotFound},
		{"admin, both", c.admin, &bookingv1.CalendarFeed{Teacher: c.teacher1.GetName(), Family: c.familyA.GetName()}, codes.InvalidArgument},
		{"admin, neither", c.admin, &bookingv1.CalendarFeed{}, codes.InvalidArgument},
		{"admin, a family's", c.admin, &bookingv1.CalendarFeed{Family: c.familyB.GetName()}, codes.OK},
	} {
		if _, err := create(tc.ctx, tc.feed); code(err) != tc.want {
			t.Errorf("%s: %v; want %v", tc.name, err, tc.want)
		}
	}
	teacherFeed := must(create(c.teacherCtx, &bookingv1.CalendarFeed{Teacher: c.teacher1.GetName()}))(t)
	familyFeed := must(create(c.parentA, &bookingv1.CalendarFeed{Family: c.familyA.GetName()}))(t)
	if teacherFeed.GetTeacher() != c.teacher1.GetName() || familyFeed.GetFamily() != c.familyA.GetName() {
		t.Errorf("feeds = %v, %v", teacherFeed, familyFeed)
	}

	// The teacher's feed: their sessions (the placeholder too), in the
	// school's zone with its VTIMEZONE, stable across fetches.
	teacherReq := feedRequest(t, teacherFeed)
	feed, text := c.fetch(t, teacherReq)
	events := feedEvents(t, feed)
	if got, want := calKeys(events), sorted(icsUID(c.group1), icsUID(c.placeholder2), icsUID(c.individual2), icsUID(c.group3)); !slices.Equal(got, want) {
		t.Fatalf("teacher's feed UIDs = %v, want %v", got, want)
	}
	if name, _ := feed.Props.Text("X-WR-CALNAME"); !strings.Contains(name, "Elena Vasquez") {
		t.Errorf("X-WR-CALNAME = %q", name)
	}
	g1 := events[icsUID(c.group1)]
	start, err := g1.DateTimeStart(nil) // TZID resolves the zone
	if want := c.monday.AddDate(0, 0, 1).Add(16 * time.Hour); err != nil || !start.Equal(want) {
		t.Errorf("DTSTART = %v %v, want %v", start, err, want)
	}
	if p := g1.Props.Get(goical.PropDateTimeStart); p.Params.Get(goical.ParamTimezoneID) != "Australia/Sydney" || strings.HasSuffix(p.Value, "Z") {
		t.Errorf("DTSTART %v; want local time with TZID=Australia/Sydney", p)
	}
	for prop, want := range map[string]string{goical.PropSummary: "Junior Strings A", goical.PropLocation: "Studio 1", goical.PropSequence: "0", goical.PropStatus: "CONFIRMED"} {
		if got := icsProp(g1.Props, prop); got != want {
			t.Errorf("group session %s = %q, want %q", prop, got, want)
		}
	}
	if g1.Props.Get(goical.PropDateTimeStamp) == nil {
		t.Error("no DTSTAMP")
	}
	if got, _ := events[icsUID(c.individual2)].Props.Text(goical.PropSummary); got != "Violin — Maya Garcia" {
		t.Errorf("individual session's SUMMARY = %q", got)
	}
	checkSydneyTimezone(t, feed)
	if _, again := c.fetch(t, teacherReq); again != text {
		t.Error("the same feed fetched twice differs: UIDs and DTSTAMPs must be stable")
	}

	// The family's feed: every session of theirs, the cancelled one as
	// CANCELLED; a change bumps SEQUENCE under the same UID.
	familyReq := feedRequest(t, familyFeed)
	events = feedEvents(t, calFirst(c.fetch(t, familyReq)))
	if got, want := calKeys(events), sorted(icsUID(c.group1), icsUID(c.cancelledB1), icsUID(c.placeholder2), icsUID(c.individual2), icsUID(c.group3)); !slices.Equal(got, want) {
		t.Fatalf("family's feed UIDs = %v, want %v", got, want)
	}
	cancelled := events[icsUID(c.cancelledB1)]
	if st, err := cancelled.Status(); err != nil || st != goical.EventCancelled {
		t.Errorf("cancelled session's STATUS = %v %v", st, err)
	}
	if seq := icsProp(cancelled.Props, goical.PropSequence); seq != "1" {
		t.Errorf("cancelled session's SEQUENCE = %s, want 1", seq)
	}
	moved := c.monday.AddDate(0, 0, 16).Add(16 * time.Hour)
	c.exec("UPDATE booking.sessions SET during = tstzrange($3, $4), sequence = sequence + 1, update_time = now() WHERE tenant_id = $1 AND session_id = $2",
		c.id, c.group3, moved, moved.Add(time.Hour))
	events = feedEvents(t, calFirst(c.fetch(t, familyReq)))
	g3 := events[icsUID(c.group3)]
	if seq := icsProp(g3.Props, goical.PropSequence); seq != "1" {
		t.Errorf("moved session's SEQUENCE = %s, want 1", seq)
	}
	if start, err := g3.DateTimeStart(nil); err != nil || !start.Equal(moved) {
		t.Errorf("moved session's DTSTART = %v %v, want %v", start, err, moved)
	}

	// Managing feeds: each sees their own; a URL is answered only once.
	for _, tc := range []struct {
		name string
		ctx  context.Context //nolint:containedctx // the caller of the case
		want int
	}{{"admin", c.admin, 3}, {"teacher", c.teacherCtx, 1}, {"other teacher", c.otherTeacher, 0}, {"parent A", c.parentA, 1}, {"parent B", c.parentB, 1}} {
		got := must(c.cal.ListCalendarFeeds(tc.ctx, &bookingv1.ListCalendarFeedsRequest{Parent: c.name, PageSize: 1}))(t)
		n := len(got.GetCalendarFeeds())
		for token := got.GetNextPageToken(); token != ""; {
			page := must(c.cal.ListCalendarFeeds(tc.ctx, &bookingv1.ListCalendarFeedsRequest{Parent: c.name, PageSize: 1, PageToken: token}))(t)
			n, token = n+len(page.GetCalendarFeeds()), page.GetNextPageToken()
		}
		if n != tc.want {
			t.Errorf("%s lists %d feeds, want %d", tc.name, n, tc.want)
		}
		for _, f := range got.GetCalendarFeeds() {
			if f.GetUrl() != "" {
				t.Errorf("%s: a listed feed carries its URL", tc.name)
			}
		}
	}

	// Wrong tokens, another tenant, revocation: all NOT_FOUND.
	for _, tc := range []struct {
		name string
		req  *bookingv1.GetCalendarFeedContentRequest
	}{
		{"wrong token", &bookingv1.GetCalendarFeedContentRequest{Name: teacherReq.GetName(), Token: strings.Repeat("A", 43)}},
		{"the other feed's token", &bookingv1.GetCalendarFeedContentRequest{Name: teacherReq.GetName(), Token: familyReq.GetToken()}},
		{"no such feed", &bookingv1.GetCalendarFeedContentRequest{Name: c.name + "/calendarFeeds/" + uuid.NewString(), Token: teacherReq.GetToken()}},
		{"another school", &bookingv1.GetCalendarFeedContentRequest{Name: other.name + "/calendarFeeds/" + idOf(teacherReq.GetName()).String(), Token: teacherReq.GetToken()}},
		{"no such tenant", &bookingv1.GetCalendarFeedContentRequest{Name: "tenants/" + uuid.NewString() + "/calendarFeeds/" + idOf(teacherReq.GetName()).String(), Token: teacherReq.GetToken()}},
	} {
		if _, err := c.cal.GetCalendarFeedContent(calAnonymous(t), tc.req); code(err) != codes.NotFound {
			t.Errorf("%s: %v; want NOT_FOUND", tc.name, err)
		}
	}
	if _, err := c.cal.GetCalendarFeedContent(calAnonymous(t), &bookingv1.GetCalendarFeedContentRequest{Name: teacherReq.GetName()}); code(err) != codes.InvalidArgument {
		t.Errorf("no token: %v; want INVALID_ARGUMENT", err)
	}
	if _, err := c.cal.DeleteCalendarFeed(c.otherTeacher, &bookingv1.DeleteCalendarFeedRequest{Name: teacherFeed.GetName()}); code(err) != codes.NotFound {
		t.Errorf("another teacher revoking: %v; want NOT_FOUND", err)
	}
	if _, err := c.cal.DeleteCalendarFeed(c.parentB, &bookingv1.DeleteCalendarFeedRequest{Name: familyFeed.GetName()}); code(err) != codes.NotFound {
		t.Errorf("another family's parent revoking: %v; want NOT_FOUND", err)
	}
	must(c.cal.DeleteCalendarFeed(c.teacherCtx, &bookingv1.DeleteCalendarFeedRequest{Name: teacherFeed.GetName()}))(t)
	if _, err := c.cal.GetCalendarFeedContent(calAnonymous(t), teacherReq); code(err) != codes.NotFound {
		t.Errorf("revoked feed: %v; want NOT_FOUND", err)
	}
	if _, err := c.cal.DeleteCalendarFeed(c.admin, &bookingv1.DeleteCalendarFeedRequest{Name: teacherFeed.GetName()}); code(err) != codes.NotFound {
		t.Errorf("revoking twice: %v; want NOT_FOUND", err)
	}
	calFirst(c.fetch(t, familyReq)) // the other feed still answers

	// Only the secret's hash is stored.
	var stored []byte
	dbtest.QueryRowAsTenant(t, env.Owner, c.id, "SELECT secret_hash FROM booking.calendar_feeds WHERE feed_id = $1", []any{idOf(familyFeed.GetName())}, &stored)
	if len(stored) != 32 || bytes.Contains([]byte(familyFeed.GetUrl()), stored) {
		t.Errorf("stored secret = %x", stored)
	}
}

// checkSydneyTimezone: the VTIMEZONE of Australia/Sydney has both its
// offsets, standard +1000 and daylight +1100, with the onsets Go's tz data
// give.
func checkSydneyTimezone(t *testing.T, feed *goical.Calendar) {
	t.Helper()
	var tz *goical.Component
	for _, child := range feed.Children {
		if child.Name == goical.CompTimezone {
			tz = child
		}
	}
	if tz == nil {
		t.Fatal("no VTIMEZONE")
	}
	if id, _ := tz.Props.Text(goical.PropTimezoneID); id != "Australia/Sydney" {
		t.Errorf("TZID = %q", id)
	}
	offsets := map[string]string{}
	for _, sub := range tz.Children {
		to, from := icsProp(sub.Props, goical.PropTimezoneOffsetTo), icsProp(sub.Props, goical.PropTimezoneOffsetFrom)
		offsets[sub.Name] = from + ">" + to
		if sub.Props.Get(goical.PropDateTimeStart) == nil {
			t.Errorf("%s without DTSTART", sub.Name)
		}
	}
	if offsets[goical.CompTimezoneStandard] != "+1100>+1000" || offsets[goical.CompTimezoneDaylight] != "+1000>+1100" {
		t.Errorf("VTIMEZONE observances = %v; want STANDARD +1100>+1000 and DAYLIGHT +1000>+1100", offsets)
	}
}

// TestCalendarFeedInUTC: a school in UTC writes plain UTC times and no
// VTIMEZONE.
func TestCalendarFeedInUTC(t *testing.T) {
	t.Parallel()
	env, dir, cal := calendarSetup(t)
	c := newCalSchool(t, env, dir, cal, "UTC")
	f := must(c.cal.CreateCalendarFeed(c.admin, &bookingv1.CreateCalendarFeedRequest{Parent: c.name,
		CalendarFeed: &bookingv1.CalendarFeed{Teacher: c.teacher2.GetName()}}))(t)
	feed, text := c.fetch(t, feedRequest(t, f))
	if strings.Contains(text, "VTIMEZONE") || strings.Contains(text, "TZID") {
		t.Errorf("a UTC feed with zones:\n%s", text)
	}
	events := feedEvents(t, feed)
	ev, ok := events[icsUID(c.cancelledB1)]
	if _, makeup := events[icsUID(c.makeupB)]; !ok || !makeup || len(events) != 2 {
		t.Fatalf("teacher 2's feed = %v", calKeys(events))
	}
	if p := ev.Props.Get(goical.PropDateTimeStart); !strings.HasSuffix(p.Value, "Z") {
		t.Errorf("DTSTART = %q; want UTC", p.Value)
	}
	if start, err := ev.DateTimeStart(nil); err != nil || !start.Equal(c.monday.AddDate(0, 0, 2).Add(17*time.Hour)) {
		t.Errorf("DTSTART = %v %v", start, err)
	}
}

func calKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// icsProp is a property's raw value ("" when absent), for the types
// go-ical has no getter of (INTEGER, UTC-OFFSET).
func icsProp(props goical.Props, name string) string {
	if p := props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

// calFirst is a feed's parsed calendar, without its text.
func calFirst(cal *goical.Calendar, _ string) *goical.Calendar { return cal }
