package server

import (
	"testing"

	"steward.dev/db/dbtest"
	"steward.dev/platform/aip/aiptest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestEnumsMatchCheckConstraints: tenant kinds and roles map to exactly the
// values their columns' CHECK constraints allow.
func TestEnumsMatchCheckConstraints(t *testing.T) {
	t.Parallel()
	aiptest.CheckEnums(t, dbtest.New(t).OwnerURL,
		aiptest.EnumColumn{Enum: tenantKinds, Table: "accounts.tenants", Constraint: "tenants_kind_check"},
		aiptest.EnumColumn{Enum: roles, Table: "accounts.memberships", Constraint: "memberships_roles_check"},
	)
}
