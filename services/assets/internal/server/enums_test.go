package server

import (
	"testing"

	"steward.dev/db/dbtest"
	"steward.dev/platform/aip/aiptest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestEnumsMatchCheckConstraints: every enum Assets stores as text maps to
// exactly the values its column's CHECK constraint allows.
func TestEnumsMatchCheckConstraints(t *testing.T) {
	t.Parallel()
	aiptest.CheckEnums(t, dbtest.New(t).OwnerURL,
		aiptest.EnumColumn{Enum: locationKinds, Table: "assets.locations", Constraint: "locations_kind_check"},
		aiptest.EnumColumn{Enum: assetStatuses, Table: "assets.assets", Constraint: "assets_status_check"},
		aiptest.EnumColumn{Enum: units, Table: "assets.meter_readings", Constraint: "meter_readings_unit_check"},
		aiptest.EnumColumn{Enum: attachmentKinds, Table: "assets.attachments", Constraint: "attachments_kind_check"},
	)
}
