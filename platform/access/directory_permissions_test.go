package access_test

import (
	"testing"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/access"
)

// TestDirectoryPermissions pins the school directory's part of the table, by
// hand: ADMIN does everything; TEACHER reads the whole directory; PARENT
// reads and edits families (the directory narrows it to their own); STUDENT
// reads families (narrowed to themselves); no household role and no service
// holds any of it.
func TestDirectoryPermissions(t *testing.T) {
	t.Parallel()
	type grant struct{ read, write, familiesRead, familiesWrite bool }
	for _, tc := range []struct {
		kind string
		role typev1.Role
		want grant
	}{
		{access.KindSchool, typev1.Role_ROLE_ADMIN, grant{true, true, true, true}},
		{access.KindSchool, typev1.Role_ROLE_TEACHER, grant{read: true, familiesRead: true}},
		{access.KindSchool, typev1.Role_ROLE_PARENT, grant{familiesRead: true, familiesWrite: true}},
		{access.KindSchool, typev1.Role_ROLE_STUDENT, grant{familiesRead: true}},
		{access.KindHousehold, typev1.Role_ROLE_OWNER, grant{}},
		{access.KindHousehold, typev1.Role_ROLE_MEMBER, grant{}},
		{access.KindHousehold, typev1.Role_ROLE_ADMIN, grant{}},
	} {
		roles := []typev1.Role{tc.role}
		got := grant{
			access.RolesAllow(tc.kind, roles, access.DirectoryRead),
			access.RolesAllow(tc.kind, roles, access.DirectoryManage),
			access.RolesAllow(tc.kind, roles, access.FamiliesRead),
			access.RolesAllow(tc.kind, roles, access.FamiliesWrite),
		}
		if got != tc.want {
			t.Errorf("%s %v: directory.read, directory.manage, families.read, families.write = %+v; want %+v", tc.kind, tc.role, got, tc.want)
		}
	}
	for _, p := range []access.Permission{access.DirectoryRead, access.DirectoryManage, access.FamiliesRead, access.FamiliesWrite} {
		// families.read only: steward-invoicing's billing run reads the
		// families' billing contacts.
		if access.GrantedToServices(p) != (p == access.FamiliesRead) {
			t.Errorf("services hold %s: %v", p, access.GrantedToServices(p))
		}
		if !access.Known(p) {
			t.Errorf("%s is not known", p)
		}
	}
}
