package maintenance_test

import (
	"testing"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
)

// TestCallsSeeWhatAssetsJustRecorded: an asset created in Asset Management
// a moment ago is known to the next Maintenance call, which refreshed the
// facts from Assets' change feed before its handler ran (sync.Refreshing),
// and the sync gave it its category's template plans on first sight.
func TestCallsSeeWhatAssetsJustRecorded(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 8, 20, 9, 0))
	h := f.household(newYork, "north")
	furnace := must(f.assets.CreateAsset(h.owner, &assetsv1.CreateAssetRequest{Parent: h.home,
		Asset: &assetsv1.Asset{DisplayName: "New furnace", Category: "assetCategories/hvac-furnace"}}))(t).GetName()

	resp := must(f.plans.ApplyPlanTemplates(h.owner, &maintenancev1.ApplyPlanTemplatesRequest{Name: furnace}))(t)
	if resp.GetCreatedCount() != 0 || len(resp.GetPlans()) != 2 {
		t.Fatalf("after the sync: %d created now, %d plans; want 0 and the category's 2, applied by the sync", resp.GetCreatedCount(), len(resp.GetPlans()))
	}
}
