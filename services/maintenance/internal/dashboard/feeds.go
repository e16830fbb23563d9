package dashboard

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/icalfeed"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/services/maintenance/internal/store"
)

var (
	feedPattern  = resname.Of(&maintenancev1.MaintenanceFeed{})
	homesPattern = homePattern.WithWildcards("home")
)

// The feed's range, in days from the home's today: overdue work stays
// until it is done (or 90 days late), and a year ahead is planned.
const (
	feedPastDays   = 90
	feedFutureDays = 366
	feedLimit      = 1000
)

// CreateMaintenanceFeed makes a feed of one home and answers its URL with
// the secret, once: only the secret's sha256 is stored. A home Maintenance
// does not know (or another tenant's, or a deleted one) is NOT_FOUND.
func (s *Server) CreateMaintenanceFeed(ctx context.Context, req *maintenancev1.CreateMaintenanceFeedRequest) (*maintenancev1.MaintenanceFeed, error) {
	parent, err := homePattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	token, hash, err := icalfeed.NewSecret()
	if err != nil {
		return nil, err
	}
	caller, _ := scope.CallerFrom(ctx)
	row, err := store.New(s.db.Scoped(ctx)).CreateCalendarFeed(ctx, store.CreateCalendarFeedParams{TenantID: parent.ID("tenant"),
		HomeID: parent.ID("home"), FeedID: uuid.Must(uuid.NewV7()), SecretHash: hash, CreatedBy: caller.UserID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apierror.NotFound(req.GetParent())
	}
	if err != nil {
		return nil, err
	}
	out := feedToProto(row)
	out.Url = icalfeed.URL(out.GetName(), token)
	return out, nil
}

func feedToProto(r store.MaintenanceCalendarFeed) *maintenancev1.MaintenanceFeed {
	return &maintenancev1.MaintenanceFeed{Name: feedPattern.Format(r.TenantID, r.HomeID, r.FeedID), CreateTime: timestamppb.New(r.CreateTime)}
}

// ListMaintenanceFeeds lists a home's feeds, or every home's, without URLs
// (the secret is not kept).
func (s *Server) ListMaintenanceFeeds(ctx context.Context, req *maintenancev1.ListMaintenanceFeedsRequest) (*maintenancev1.ListMaintenanceFeedsResponse, error) {
	parent, err := homesPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	var home uuid.NullUUID
	if !parent.IsWildcard("home") {
		home = uuid.NullUUID{UUID: parent.ID("home"), Valid: true}
	}
	q := store.New(s.db.Scoped(ctx))
	rows, err := q.ListCalendarFeeds(ctx, store.ListCalendarFeedsParams{TenantID: parent.ID("tenant"),
		HomeID: home, AfterID: after, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 && home.Valid {
		// Nothing listed: a home with no feeds, or no such home.
		exists, err := q.HomeFactExists(ctx, store.HomeFactExistsParams{TenantID: parent.ID("tenant"), HomeID: home.UUID})
		if err != nil {
			return nil, err
		}
		if !exists {
			return nil, apierror.NotFound(req.GetParent())
		}
	}
	feeds, next := pagetoken.Page(rows, size, func(r store.MaintenanceCalendarFeed) []string { return []string{r.FeedID.String()} },
		feedToProto, req.GetParent())
	return &maintenancev1.ListMaintenanceFeedsResponse{MaintenanceFeeds: feeds, NextPageToken: next}, nil
}

// DeleteMaintenanceFeed revokes a feed: the row goes, and its URL answers
// NOT_FOUND from then on.
func (s *Server) DeleteMaintenanceFeed(ctx context.Context, req *maintenancev1.DeleteMaintenanceFeedRequest) (*emptypb.Empty, error) {
	n, err := feedPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	deleted, err := store.New(s.db.Scoped(ctx)).DeleteCalendarFeed(ctx, store.DeleteCalendarFeedParams{TenantID: n.ID("tenant"),
		HomeID: n.ID("home"), FeedID: n.ID("maintenance_feed")})
	if err != nil {
		return nil, err
	}
	if deleted == 0 {
		return nil, apierror.NotFound(req.GetName())
	}
	return &emptypb.Empty{}, nil
}

// GetMaintenanceFeedContent answers a feed's iCalendar text to whoever
// holds its URL: the RPC is anonymous (its policy's anonymous_because),
// scoped to the tenant the name names with no roles, and the token is the
// credential. A wrong token and a revoked (or never made) feed are both
// NOT_FOUND, so the answer tells nothing of which it was.
func (s *Server) GetMaintenanceFeedContent(ctx context.Context, req *maintenancev1.GetMaintenanceFeedContentRequest) (*httpbody.HttpBody, error) {
	n, err := feedPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	tenant, home := n.ID("tenant"), n.ID("home")
	q := store.New(s.db.Scoped(ctx))
	feed, err := q.GetCalendarFeed(ctx, store.GetCalendarFeedParams{TenantID: tenant, HomeID: home, FeedID: n.ID("maintenance_feed")})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apierror.NotFound(req.GetName())
	}
	if err != nil {
		return nil, err
	}
	if !icalfeed.Matches(req.GetToken(), feed.SecretHash) {
		return nil, apierror.NotFound(req.GetName())
	}
	d, err := dayOf(home, feed.TimeZone, s.now())
	if err != nil {
		return nil, err
	}
	today := d.today.Time
	tasks, err := q.ListFeedTasks(ctx, store.ListFeedTasksParams{TenantID: tenant, HomeID: home,
		FromDate: pgtype.Date{Time: today.AddDate(0, 0, -feedPastDays), Valid: true},
		ToDate:   pgtype.Date{Time: today.AddDate(0, 0, feedFutureDays), Valid: true}, FeedLimit: feedLimit})
	if err != nil {
		return nil, err
	}
	return icalfeed.Body(feedCalendar("Steward: "+feed.DisplayName+" maintenance", tasks)), nil
}
