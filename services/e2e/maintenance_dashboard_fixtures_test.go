package e2e_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/reflect/protoreflect"

	"steward.dev/db/dbtest"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
)

// dashboardTypes are the resource types of a dashboard set's collections.
var dashboardTypes = map[string]string{
	"tenants/dashboard": "steward.dev/Dashboard", "tenants/homes/maintenanceFeeds": "steward.dev/MaintenanceFeed",
}

// dashboardClients are the DashboardService's clients for stack.invoke.
func (s *stack) dashboardClients() map[protoreflect.FullName]any {
	return map[protoreflect.FullName]any{
		"steward.maintenance.v1.DashboardService": maintenancev1.NewDashboardServiceClient(s.maintenance),
	}
}

// maintenanceFeedTokens are the secrets of the fixtures' feeds, by feed
// name: only the create answers them.
var maintenanceFeedTokens sync.Map

func maintenanceFeedToken(feed string) string {
	tok, _ := maintenanceFeedTokens.Load(feed)
	s, _ := tok.(string)
	return s
}

// newDashboardFixtures gives steward-maintenance the home (as its sync of
// Assets' change feed would: its copy of the home is what a feed's home
// must be) and creates through ctx, the tenant's owner, a feed of it. It
// returns the tenant's dashboard and the feed by their collections.
func (s *stack) newDashboardFixtures(t *testing.T, ctx context.Context, tenant, home string, must func(what string, err error)) map[string]string {
	t.Helper()
	tenantID := uuid.MustParse(strings.TrimPrefix(tenant, "tenants/"))
	dbtest.ExecAsTenant(t, s.bypassPool(t), tenantID, `INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone)
		VALUES ($1, $2, 'Fixture home', 'Europe/London') ON CONFLICT (tenant_id, home_id) DO NOTHING`,
		tenantID, uuid.MustParse(home[strings.LastIndex(home, "/")+1:]))
	feed, err := maintenancev1.NewDashboardServiceClient(s.maintenance).CreateMaintenanceFeed(ctx,
		&maintenancev1.CreateMaintenanceFeedRequest{Parent: home})
	must("CreateMaintenanceFeed", err)
	u, err := url.Parse(feed.GetUrl())
	must("the feed's URL", err)
	maintenanceFeedTokens.Store(feed.GetName(), u.Query().Get("token"))
	return map[string]string{"tenants/dashboard": tenant + "/dashboard", "tenants/homes/maintenanceFeeds": feed.GetName()}
}
