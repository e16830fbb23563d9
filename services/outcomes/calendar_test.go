package outcomes_test

import (
	"context"
	"maps"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// calendarOutcomes are the calendar's rows (README, Permissions):
// schedule.read is every school role's, narrowed in SQL, so a calendar of
// the STUDENT's student is NOT_FOUND to another family's PARENT only;
// feeds.manage is ADMIN's, TEACHER's (their own teacher's feed) and
// PARENT's (their family's): a TEACHER may not make a family's feed
// (PERMISSION_DENIED: they see the family) nor reach another's feed to
// revoke it (NOT_FOUND), another family's PARENT sees neither family nor
// feed (NOT_FOUND). Households hold neither permission; services hold
// schedule.read (the billing run), so the service naming the household
// finds no student's calendar there (NOT_FOUND), and no feeds.manage.
//
// The feed's content is anonymous: the URL's token is the credential, so
// every principal holding it gets the feed, tokens or roles or none; the
// household has no feed, so everyone calling into it, with a token or
// without, a service with or without a tenant header, gets NOT_FOUND (no
// UNAUTHENTICATED, no PERMISSION_DENIED: neither is checked).
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var calendarOutcomes = map[string][principals]codes.Code{
	"/steward.booking.v1.CalendarService/ListCalendarEntries":    {pd, pd, ok, ok, ok, nf, ok, nf, una, nf, pd},
	"/steward.booking.v1.CalendarService/CreateCalendarFeed":     {pd, pd, ok, pd, ok, nf, pd, nf, una, pd, pd},
	"/steward.booking.v1.CalendarService/ListCalendarFeeds":      {pd, pd, ok, ok, ok, ok, pd, nf, una, pd, pd},
	"/steward.booking.v1.CalendarService/DeleteCalendarFeed":     {pd, pd, ok, nf, ok, nf, pd, nf, una, pd, pd},
	"/steward.booking.v1.CalendarService/GetCalendarFeedContent": {nf, nf, ok, ok, ok, ok, ok, nf, nf, nf, nf},
}

func init() {
	services = append(services, &bookingv1.CalendarService_ServiceDesc)
	maps.Copy(outcomes, calendarOutcomes)
	maps.Copy(calls, calendarCalls)
}

// standingFeeds are each world's feed whose content every principal asks
// for, made on first use by its ADMIN: the school's of the PARENT's
// family, the household's a name of nothing.
var standingFeeds = struct {
	sync.Mutex
	m map[*world]*bookingv1.GetCalendarFeedContentRequest
}{m: map[*world]*bookingv1.GetCalendarFeedContentRequest{}}

func (w *world) standingFeed(t *testing.T) *bookingv1.GetCalendarFeedContentRequest {
	t.Helper()
	standingFeeds.Lock()
	defer standingFeeds.Unlock()
	if req, ok := standingFeeds.m[w]; ok {
		return req
	}
	req := &bookingv1.GetCalendarFeedContentRequest{Name: w.tenant + "/calendarFeeds/" + uuid.NewString(), Token: "not-a-feed"}
	if w.dir.real {
		feed := w.newFeed(t)
		u := must(url.Parse(feed.GetUrl()))(t)
		req = &bookingv1.GetCalendarFeedContentRequest{Name: feed.GetName(), Token: u.Query().Get("token")}
	}
	standingFeeds.m[w] = req
	return req
}

// newFeed is a fresh feed of the standing family, made by the ADMIN; in a
// household a name of nothing.
func (w *world) newFeed(t *testing.T) *bookingv1.CalendarFeed {
	t.Helper()
	if !w.dir.real {
		return &bookingv1.CalendarFeed{Name: w.tenant + "/calendarFeeds/" + uuid.NewString()}
	}
	return must(w.c.calendar.CreateCalendarFeed(w.admin, &bookingv1.CreateCalendarFeedRequest{Parent: w.tenant,
		CalendarFeed: &bookingv1.CalendarFeed{Family: w.dir.family}}))(t)
}

var calendarCalls = map[string]callFunc{
	"/steward.booking.v1.CalendarService/ListCalendarEntries": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		now := time.Now()
		_, err := c.calendar.ListCalendarEntries(ctx, &bookingv1.ListCalendarEntriesRequest{Parent: w.tenant, Student: w.dir.student,
			StartTime: timestamppb.New(now), EndTime: timestamppb.New(now.AddDate(0, 0, 7))})
		return err
	},
	"/steward.booking.v1.CalendarService/CreateCalendarFeed": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.calendar.CreateCalendarFeed(ctx, &bookingv1.CreateCalendarFeedRequest{Parent: w.tenant,
			CalendarFeed: &bookingv1.CalendarFeed{Family: w.dir.family}})
		return err
	},
	"/steward.booking.v1.CalendarService/ListCalendarFeeds": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.calendar.ListCalendarFeeds(ctx, &bookingv1.ListCalendarFeedsRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.CalendarService/DeleteCalendarFeed": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.calendar.DeleteCalendarFeed(ctx, &bookingv1.DeleteCalendarFeedRequest{Name: w.newFeed(t).GetName()})
		return err
	},
	"/steward.booking.v1.CalendarService/GetCalendarFeedContent": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.calendar.GetCalendarFeedContent(ctx, w.standingFeed(t))
		return err
	},
}
