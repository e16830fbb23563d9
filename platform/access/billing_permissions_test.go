package access_test

import (
	"testing"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/access"
)

// TestBillingPermissions pins Invoicing's part of the table, by hand: a
// school's ADMIN reads, manages and pays; a PARENT reads and pays (the
// service narrows both to their family's issued invoices); TEACHER and
// STUDENT, a household's roles and services hold none of it (the billing
// run's job writes through its own schema, reading Booking as a service).
func TestBillingPermissions(t *testing.T) {
	t.Parallel()
	type grant struct{ read, manage, pay bool }
	for _, tc := range []struct {
		kind string
		role typev1.Role
		want grant
	}{
		{access.KindSchool, typev1.Role_ROLE_ADMIN, grant{true, true, true}},
		{access.KindSchool, typev1.Role_ROLE_PARENT, grant{read: true, pay: true}},
		{access.KindSchool, typev1.Role_ROLE_TEACHER, grant{}},
		{access.KindSchool, typev1.Role_ROLE_STUDENT, grant{}},
		{access.KindSchool, typev1.Role_ROLE_OWNER, grant{}},
		{access.KindHousehold, typev1.Role_ROLE_OWNER, grant{}},
		{access.KindHousehold, typev1.Role_ROLE_MEMBER, grant{}},
		{access.KindHousehold, typev1.Role_ROLE_ADMIN, grant{}},
	} {
		roles := []typev1.Role{tc.role}
		got := grant{
			access.RolesAllow(tc.kind, roles, access.BillingRead),
			access.RolesAllow(tc.kind, roles, access.BillingManage),
			access.RolesAllow(tc.kind, roles, access.BillingPay),
		}
		if got != tc.want {
			t.Errorf("%s %v: billing.read, manage, pay = %+v; want %+v", tc.kind, tc.role, got, tc.want)
		}
	}
	for _, p := range []access.Permission{access.BillingRead, access.BillingManage, access.BillingPay} {
		if !access.Known(p) {
			t.Errorf("Known(%q) = false", p)
		}
		if access.GrantedToServices(p) {
			t.Errorf("services are granted %s", p)
		}
	}
}
