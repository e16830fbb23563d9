package access_test

import (
	"testing"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/access"
)

// TestRolePermissions pins the table against the outcomes users saw when
// each RPC listed its roles: household OWNER and school ADMIN read, write and
// record assets; MEMBER and TEACHER read and record; PARENT and STUDENT have
// no asset access; every role reads its tenant. Written out by hand, so a
// widened role fails here as well as in the outcome matrix.
func TestRolePermissions(t *testing.T) {
	t.Parallel()
	const (
		household = access.KindHousehold
		school    = access.KindSchool
	)
	type grant struct{ tenants, read, write, record bool }
	all := grant{true, true, true, true}
	for _, tc := range []struct {
		kind string
		role typev1.Role
		want grant
	}{
		{household, typev1.Role_ROLE_OWNER, all},
		{household, typev1.Role_ROLE_MEMBER, grant{true, true, false, true}},
		{school, typev1.Role_ROLE_ADMIN, all},
		{school, typev1.Role_ROLE_TEACHER, grant{true, true, false, true}},
		{school, typev1.Role_ROLE_PARENT, grant{tenants: true}},
		{school, typev1.Role_ROLE_STUDENT, grant{tenants: true}},
		// A role of the other kind of tenant grants nothing.
		{household, typev1.Role_ROLE_ADMIN, grant{}},
		{household, typev1.Role_ROLE_TEACHER, grant{}},
		{school, typev1.Role_ROLE_OWNER, grant{}},
		{school, typev1.Role_ROLE_MEMBER, grant{}},
		{household, typev1.Role_ROLE_UNSPECIFIED, grant{}},
		{"guild", typev1.Role_ROLE_OWNER, grant{}},
	} {
		roles := []typev1.Role{tc.role}
		got := grant{
			access.RolesAllow(tc.kind, roles, access.TenantsRead),
			access.RolesAllow(tc.kind, roles, access.AssetsRead),
			access.RolesAllow(tc.kind, roles, access.AssetsWrite),
			access.RolesAllow(tc.kind, roles, access.AssetsRecord),
		}
		if got != tc.want {
			t.Errorf("%s %v: tenants.read, assets.read, write, record = %+v; want %+v", tc.kind, tc.role, got, tc.want)
		}
	}
	if access.RolesAllow(household, nil, access.TenantsRead) {
		t.Error("no roles hold tenants.read")
	}
	if !access.RolesAllow(school, []typev1.Role{typev1.Role_ROLE_PARENT, typev1.Role_ROLE_TEACHER}, access.AssetsRecord) {
		t.Error("a PARENT who also teaches does not hold the TEACHER's assets.record")
	}
}

func TestServicePermissions(t *testing.T) {
	t.Parallel()
	for p, want := range map[access.Permission]bool{
		access.TenantsRead:  true,
		access.AssetsRead:   true,
		access.AssetsWrite:  false,
		access.AssetsRecord: false,
		"":                  false,
	} {
		if got := access.GrantedToServices(p); got != want {
			t.Errorf("GrantedToServices(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestKnown(t *testing.T) {
	t.Parallel()
	for _, p := range []access.Permission{access.TenantsRead, access.AssetsRead, access.AssetsWrite, access.AssetsRecord} {
		if !access.Known(p) {
			t.Errorf("Known(%q) = false", p)
		}
	}
	for _, p := range []access.Permission{"", "assets", "assets.READ", "directory.write"} {
		if access.Known(p) {
			t.Errorf("Known(%q) = true", p)
		}
	}
}

// TestMembersPermissions: only a household's OWNER and a school's ADMIN read
// and manage members and invitations; services are granted neither.
func TestMembersPermissions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind string
		role typev1.Role
		want bool
	}{
		{access.KindHousehold, typev1.Role_ROLE_OWNER, true},
		{access.KindHousehold, typev1.Role_ROLE_MEMBER, false},
		{access.KindSchool, typev1.Role_ROLE_ADMIN, true},
		{access.KindSchool, typev1.Role_ROLE_TEACHER, false},
		{access.KindSchool, typev1.Role_ROLE_PARENT, false},
		{access.KindSchool, typev1.Role_ROLE_STUDENT, false},
		{access.KindSchool, typev1.Role_ROLE_OWNER, false},
	} {
		for _, p := range []access.Permission{access.MembersRead, access.MembersWrite} {
			if got := access.RolesAllow(tc.kind, []typev1.Role{tc.role}, p); got != tc.want {
				t.Errorf("%s %v %s = %v; want %v", tc.kind, tc.role, p, got, tc.want)
			}
		}
	}
	// Services read members (the reminder job addresses members' emails);
	// they never change them.
	if !access.GrantedToServices(access.MembersRead) || access.GrantedToServices(access.MembersWrite) {
		t.Error("services must be granted members.read and not members.write")
	}
}
