package server

import (
	"context"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/icalfeed"
	"steward.dev/services/booking/internal/store"
)

// The feed's range: what a calendar app shows of the past and plans ahead.
const (
	feedPast   = 30 * 24 * time.Hour
	feedFuture = 180 * 24 * time.Hour
)

// GetCalendarFeedContent answers a feed's iCalendar text to whoever holds
// its URL: the RPC is anonymous (its policy's anonymous_because), scoped to
// the tenant the name names with no roles, and the token is the
// credential. A wrong token and a revoked (or never made) feed are both
// NOT_FOUND, so the answer tells nothing of which it was.
func (s *CalendarServer) GetCalendarFeedContent(ctx context.Context, req *bookingv1.GetCalendarFeedContentRequest) (*httpbody.HttpBody, error) {
	n, err := feedPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	tenant := n.ID("tenant")
	q := queries(s.db.Scoped(ctx))
	feed, err := q.GetCalendarFeed(ctx, store.GetCalendarFeedParams{TenantID: tenant, FeedID: n.ID("calendar_feed")})
	if feedNoRows(err) {
		return nil, apierror.NotFound(req.GetName())
	}
	if err != nil {
		return nil, err
	}
	if !icalfeed.Matches(req.GetToken(), feed.SecretHash) {
		return nil, apierror.NotFound(req.GetName())
	}
	zone := "UTC"
	if set, err := q.GetSettings(ctx, tenant); err == nil {
		zone = set.TimeZone
	} else if !feedNoRows(err) {
		return nil, err
	}
	loc, err := aip.LoadTimeZone(zone) // checked when the settings were written
	if err != nil {
		return nil, err
	}
	now := s.now()
	from, to := now.Add(-feedPast), now.Add(feedFuture)
	sessions, err := q.ListFeedSessions(ctx, store.ListFeedSessionsParams{TenantID: tenant, FromTime: from, ToTime: to,
		TeacherID: feed.TeacherID, FamilyID: feed.FamilyID})
	if err != nil {
		return nil, err
	}
	// A session may end up to 8 hours after the range's last start.
	return icalfeed.Body(feedCalendar("Steward: "+feed.SubjectName, loc, from, to.Add(8*time.Hour), sessions)), nil
}
