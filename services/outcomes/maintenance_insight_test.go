package outcomes_test

import (
	"context"
	"maps"
	"testing"

	"google.golang.org/grpc/codes"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
)

// maintenanceInsightOutcomes are the insight's rows: both RPCs need
// maintenance.read (OWNER, MEMBER, ADMIN, TEACHER). A recompute changes
// nothing a reader could not already see, so readers may ask for one (the
// contract says why); PARENT, STUDENT and services hold no maintenance
// permission.
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var maintenanceInsightOutcomes = map[string][principals]codes.Code{
	"/steward.maintenance.v1.InsightService/GetAssetInsight":       {ok, ok, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.InsightService/RecomputeAssetInsight": {ok, ok, ok, ok, pd, pd, pd, nf, una, pd, pd},
}

func init() {
	services = append(services, &maintenancev1.InsightService_ServiceDesc)
	maps.Copy(outcomes, maintenanceInsightOutcomes)
	maps.Copy(calls, maintenanceInsightCalls)
}

// insightName is the insight of a world's standing asset.
func insightName(w *world) string { return w.asset.GetName() + "/insight" }

var maintenanceInsightCalls = map[string]func(t *testing.T, ctx context.Context, c clients, w *world) error{
	"/steward.maintenance.v1.InsightService/GetAssetInsight": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.insight.GetAssetInsight(ctx, &maintenancev1.GetAssetInsightRequest{Name: insightName(w)})
		return err
	},
	"/steward.maintenance.v1.InsightService/RecomputeAssetInsight": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.insight.RecomputeAssetInsight(ctx, &maintenancev1.RecomputeAssetInsightRequest{Name: insightName(w)})
		return err
	},
}
