package e2e_test

// The insight's part of the sweeps. An asset's insight is a singleton of
// the asset, so its fixture is the tree's asset's (its facts are written by
// newMaintenanceSet). A household MEMBER reads it and may ask for a
// recompute (maintenance.read: a recompute changes nothing a reader could
// not see).
func init() {
	memberWrites["InsightService_RecomputeAssetInsight"] = true
}

// insightOf is the insight of tree's asset.
func insightOf(tree assetTree) string { return tree.asset + "/insight" }
