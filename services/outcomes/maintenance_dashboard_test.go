package outcomes_test

import (
	"context"
	"maps"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	"steward.dev/db/dbtest"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
)

// dashboardOutcomes are the dashboard's and the maintenance feeds' rows
// (DESIGN-9 permissions): maintenance.read (the dashboard) is the household
// OWNER's and MEMBER's and the school ADMIN's and TEACHER's;
// maintenance.manage (feeds) the OWNER's and the ADMIN's alone. PARENT and
// STUDENT hold neither, and services neither.
//
// A feed's content is anonymous: the URL's token is the credential, so
// every principal holding it gets the feed — any token, any role, none, a
// service with or without a tenant header — from the household's home and
// the school's premises alike.
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var dashboardOutcomes = map[string][principals]codes.Code{
	"/steward.maintenance.v1.DashboardService/GetDashboard":              {ok, ok, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.DashboardService/CreateMaintenanceFeed":     {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.DashboardService/ListMaintenanceFeeds":      {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.DashboardService/DeleteMaintenanceFeed":     {ok, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.DashboardService/GetMaintenanceFeedContent": {ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok},
}

func init() {
	services = append(services, &maintenancev1.DashboardService_ServiceDesc)
	maps.Copy(outcomes, dashboardOutcomes)
	maps.Copy(calls, dashboardCalls)
}

// newMaintenanceFacts gives steward-maintenance both worlds' homes, as its
// sync from Assets' change feed would.
func (m *matrix) newMaintenanceFacts(t *testing.T) {
	t.Helper()
	for _, w := range []*world{m.household, m.school} {
		tenant := uuid.MustParse(strings.TrimPrefix(w.tenant, "tenants/"))
		home := uuid.MustParse(w.home.GetName()[strings.LastIndex(w.home.GetName(), "/")+1:])
		dbtest.ExecAsTenant(t, m.env.Owner, tenant, `INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone)
			VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, home_id) DO NOTHING`, tenant, home, w.home.GetDisplayName(), w.home.GetTimeZone())
	}
}

func dashboardClient(c clients) maintenancev1.DashboardServiceClient {
	return maintenancev1.NewDashboardServiceClient(c.maintenance)
}

func (w *world) newMaintenanceFeed(t *testing.T) *maintenancev1.MaintenanceFeed {
	t.Helper()
	return must(dashboardClient(w.c).CreateMaintenanceFeed(w.admin, &maintenancev1.CreateMaintenanceFeedRequest{Parent: w.home.GetName()}))(t)
}

// standingMaintenanceFeeds are each world's feed whose content every
// principal asks for, made on first use by its OWNER or ADMIN.
var standingMaintenanceFeeds = struct {
	sync.Mutex
	m map[*world]*maintenancev1.GetMaintenanceFeedContentRequest
}{m: map[*world]*maintenancev1.GetMaintenanceFeedContentRequest{}}

func (w *world) standingMaintenanceFeed(t *testing.T) *maintenancev1.GetMaintenanceFeedContentRequest {
	t.Helper()
	standingMaintenanceFeeds.Lock()
	defer standingMaintenanceFeeds.Unlock()
	if req, ok := standingMaintenanceFeeds.m[w]; ok {
		return req
	}
	feed := w.newMaintenanceFeed(t)
	u := must(url.Parse(feed.GetUrl()))(t)
	req := &maintenancev1.GetMaintenanceFeedContentRequest{Name: feed.GetName(), Token: u.Query().Get("token")}
	standingMaintenanceFeeds.m[w] = req
	return req
}

var dashboardCalls = map[string]callFunc{
	"/steward.maintenance.v1.DashboardService/GetDashboard": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := dashboardClient(c).GetDashboard(ctx, &maintenancev1.GetDashboardRequest{Name: w.tenant + "/dashboard", Home: w.home.GetName()})
		return err
	},
	"/steward.maintenance.v1.DashboardService/CreateMaintenanceFeed": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := dashboardClient(c).CreateMaintenanceFeed(ctx, &maintenancev1.CreateMaintenanceFeedRequest{Parent: w.home.GetName()})
		return err
	},
	"/steward.maintenance.v1.DashboardService/ListMaintenanceFeeds": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := dashboardClient(c).ListMaintenanceFeeds(ctx, &maintenancev1.ListMaintenanceFeedsRequest{Parent: w.home.GetName()})
		return err
	},
	"/steward.maintenance.v1.DashboardService/DeleteMaintenanceFeed": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := dashboardClient(c).DeleteMaintenanceFeed(ctx, &maintenancev1.DeleteMaintenanceFeedRequest{Name: w.newMaintenanceFeed(t).GetName()})
		return err
	},
	"/steward.maintenance.v1.DashboardService/GetMaintenanceFeedContent": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := dashboardClient(c).GetMaintenanceFeedContent(ctx, w.standingMaintenanceFeed(t))
		return err
	},
}
