package access_test

import (
	"testing"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/access"
)

// TestMaintenancePermissions pins Maintenance's part of the table, by hand:
// a household's OWNER and a school's ADMIN read, manage and complete; MEMBER
// and TEACHER read and complete tasks; PARENT and STUDENT nothing; no service
// holds any of it (its jobs touch only its own schema).
func TestMaintenancePermissions(t *testing.T) {
	t.Parallel()
	type grant struct{ read, manage, complete bool }
	for _, tc := range []struct {
		kind string
		role typev1.Role
		want grant
	}{
		{access.KindHousehold, typev1.Role_ROLE_OWNER, grant{true, true, true}},
		{access.KindHousehold, typev1.Role_ROLE_MEMBER, grant{read: true, complete: true}},
		{access.KindSchool, typev1.Role_ROLE_ADMIN, grant{true, true, true}},
		{access.KindSchool, typev1.Role_ROLE_TEACHER, grant{read: true, complete: true}},
		{access.KindSchool, typev1.Role_ROLE_PARENT, grant{}},
		{access.KindSchool, typev1.Role_ROLE_STUDENT, grant{}},
		{access.KindSchool, typev1.Role_ROLE_OWNER, grant{}},
		{access.KindHousehold, typev1.Role_ROLE_ADMIN, grant{}},
	} {
		roles := []typev1.Role{tc.role}
		got := grant{
			access.RolesAllow(tc.kind, roles, access.MaintenanceRead),
			access.RolesAllow(tc.kind, roles, access.MaintenanceManage),
			access.RolesAllow(tc.kind, roles, access.TasksComplete),
		}
		if got != tc.want {
			t.Errorf("%s %v: maintenance.read, manage, tasks.complete = %+v; want %+v", tc.kind, tc.role, got, tc.want)
		}
	}
	for _, p := range []access.Permission{access.MaintenanceRead, access.MaintenanceManage, access.TasksComplete} {
		if !access.Known(p) {
			t.Errorf("Known(%q) = false", p)
		}
		if access.GrantedToServices(p) {
			t.Errorf("services are granted %s", p)
		}
	}
}
