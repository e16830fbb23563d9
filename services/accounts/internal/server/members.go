package server

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/access"
	"steward.dev/platform/accountsstore"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

var (
	memberPattern     = resname.Of(&accountsv1.Member{})
	invitationPattern = resname.Of(&accountsv1.Invitation{})
)

// member is a membership with its account's email and name; every query of
// members returns these columns.
type member = accountsstore.GetMemberRow

var members = aip.Resource[*accountsstore.Queries, member, *accountsv1.Member]{
	Pattern: memberPattern,
	Parent:  tenantPattern,
	Queries: queries,
	Read: func(ctx context.Context, q *accountsstore.Queries, n resname.Name) (member, error) {
		return q.GetMember(ctx, accountsstore.GetMemberParams{TenantID: n.ID("tenant"), UserID: n.ID("member")})
	},
	Lock: func(ctx context.Context, q *accountsstore.Queries, n resname.Name) (member, error) {
		row, err := q.GetMemberForUpdate(ctx, accountsstore.GetMemberForUpdateParams{TenantID: n.ID("tenant"), UserID: n.ID("member")})
		return member(row), err
	},
	Revision: func(m member) int64 { return m.Revision },
	Mutable:  []string{"roles", "family", "student"},
	Required: []string{"roles"},
	Proto:    memberToProto,
}

func queries(tx tenantdb.DBTX) *accountsstore.Queries { return accountsstore.New(tx) }

func memberToProto(m member, _ resname.Name) *accountsv1.Member {
	out := &accountsv1.Member{
		Name:        memberPattern.Format(m.TenantID, m.UserID),
		Email:       m.Email,
		DisplayName: m.DisplayName,
		Family:      familyName(m.TenantID, m.FamilyID),
		Student:     studentName(m.TenantID, m.FamilyID, m.StudentID),
		CreateTime:  timestamppb.New(m.CreateTime),
		UpdateTime:  timestamppb.New(m.UpdateTime),
		Etag:        aip.Etag(m.Revision),
	}
	for _, r := range m.Roles {
		out.Roles = append(out.Roles, roles.FromDB(r))
	}
	return out
}

// The directory's resource names (steward-booking's patterns, DESIGN7
// decision 2); accounts keeps only their ids.
func familyName(tenant uuid.UUID, family uuid.NullUUID) string {
	if !family.Valid {
		return ""
	}
	return "tenants/" + tenant.String() + "/families/" + family.UUID.String()
}

func studentName(tenant uuid.UUID, family, student uuid.NullUUID) string {
	if !family.Valid || !student.Valid {
		return ""
	}
	return familyName(tenant, family) + "/students/" + student.UUID.String()
}

// relation reads a family or student name of the directory: it must be of
// tenant. Empty is none.
func relation(field, name string, tenant uuid.UUID, segments int) (family, student uuid.NullUUID, err error) {
	if name == "" {
		return uuid.NullUUID{}, uuid.NullUUID{}, nil
	}
	// A filter's value reaches here unchecked by the contract, so every
	// segment is checked: a malformed name is the client's mistake.
	refused := apierror.InvalidField(field, "must name a "+map[int]string{4: "family", 6: "student"}[segments]+" of this tenant")
	parts := strings.Split(name, "/")
	if len(parts) != segments || parts[0] != "tenants" || parts[1] != tenant.String() || parts[2] != "families" ||
		(segments == 6 && parts[4] != "students") {
		return family, student, refused
	}
	ids := make([]uuid.UUID, 0, 2)
	for i := 3; i < segments; i += 2 {
		id, err := uuid.Parse(parts[i])
		if err != nil || id.String() != parts[i] || id == uuid.Nil {
			return uuid.NullUUID{}, uuid.NullUUID{}, refused
		}
		ids = append(ids, id)
	}
	family = uuid.NullUUID{UUID: ids[0], Valid: true}
	if segments == 6 {
		student = uuid.NullUUID{UUID: ids[1], Valid: true}
	}
	return family, student, nil
}

// kindRoles are the roles a tenant of each kind gives.
var kindRoles = map[string][]typev1.Role{
	access.KindHousehold: {typev1.Role_ROLE_OWNER, typev1.Role_ROLE_MEMBER},
	access.KindSchool:    {typev1.Role_ROLE_ADMIN, typev1.Role_ROLE_TEACHER, typev1.Role_ROLE_PARENT, typev1.Role_ROLE_STUDENT},
}

// storedRoles checks roles against the tenant's kind and returns them as
// stored ("teacher").
func storedRoles(field, kind string, in []typev1.Role) ([]string, error) {
	if len(in) == 0 {
		return nil, apierror.InvalidField(field, "needs at least one role")
	}
	out := make([]string, 0, len(in))
	for _, r := range in {
		if !slices.Contains(kindRoles[kind], r) {
			return nil, apierror.InvalidField(field, r.String()+" is not a role of a "+kind+" (one of "+rolesText(kindRoles[kind])+")")
		}
		out = append(out, roles.ToDB(r))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func rolesText(rs []typev1.Role) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = strings.TrimPrefix(r.String(), "ROLE_")
	}
	return strings.Join(names, ", ")
}

// managerRoles manage members: a tenant keeps at least one of them.
func isManager(stored []string) bool {
	return slices.Contains(stored, "owner") || slices.Contains(stored, "admin")
}

func lastManager() error {
	return apierror.FailedPrecondition(accountsv1.ErrorReason_ERROR_REASON_LAST_MANAGER,
		"the tenant would have no OWNER or ADMIN left; give another member that role first")
}

// keepAManager fails when the change just made left the tenant without an
// OWNER/ADMIN. The tenant row, locked before the change, serialises every
// change of the tenant's members, so two managers demoting each other at
// once cannot both succeed.
func keepAManager(ctx context.Context, q *accountsstore.Queries, tenant uuid.UUID) error {
	n, err := q.CountManagers(ctx, tenant)
	if err != nil {
		return err
	}
	if n == 0 {
		return lastManager()
	}
	return nil
}

func (s Members) ListMembers(ctx context.Context, req *accountsv1.ListMembersRequest) (*accountsv1.ListMembersResponse, error) {
	t, _ := scope.TenantFrom(ctx)
	var p accountsstore.ListMembersParams
	if err := applyMemberFilter(req.GetFilter(), t.TenantID, &p); err != nil {
		return nil, err
	}
	page, next, err := members.List(ctx, s.db, req, func(m member) uuid.UUID { return m.UserID }, func(q *accountsstore.Queries, pg aip.Page) ([]member, error) {
		p.TenantID, p.AfterID, p.PageLimit = pg.Parent.ID("tenant"), pg.After, pg.Limit
		rows, err := q.ListMembers(ctx, p)
		out := make([]member, len(rows))
		for i, r := range rows {
			out[i] = member(r)
		}
		return out, err
	}, req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &accountsv1.ListMembersResponse{Members: page, NextPageToken: next}, nil
}

// applyMemberFilter binds ListMembers' filter: role and family, = or !=.
func applyMemberFilter(filter string, tenant uuid.UUID, p *accountsstore.ListMembersParams) error {
	return aip.ApplyFilter(filter,
		aip.FilterField{Name: "role", Bind: func(f *aip.Filter, t aip.Term) error {
			r, ok := roles.Parse(t.Value)
			if !ok {
				return aip.FilterError("role must be one of " + roles.Names())
			}
			return aip.EqOrNe(f, t, &p.Role, &p.RoleNot, pgtype.Text{String: roles.ToDB(r), Valid: true})
		}},
		aip.FilterField{Name: "family", Bind: func(f *aip.Filter, t aip.Term) error {
			family, _, err := relation("filter", t.Value, tenant, 4)
			if err != nil || !family.Valid {
				return aip.FilterError("family must be a family resource name of this tenant")
			}
			return aip.EqOrNe(f, t, &p.FamilyID, &p.FamilyIDNot, family)
		}},
	)
}

func (s Members) GetMember(ctx context.Context, req *accountsv1.GetMemberRequest) (*accountsv1.Member, error) {
	return members.Get(ctx, s.db, "name", req.GetName())
}

// UpdateMember changes roles, family and student (AIP-134). Demoting the
// tenant's last OWNER/ADMIN is refused.
func (s Members) UpdateMember(ctx context.Context, req *accountsv1.UpdateMemberRequest) (*accountsv1.Member, error) {
	t, _ := scope.TenantFrom(ctx)
	in := req.GetMember()
	return members.Update(ctx, s.db, req, func(q *accountsstore.Queries, cur member, mask aip.Mask) (member, error) {
		p := accountsstore.UpdateMemberParams{TenantID: cur.TenantID, UserID: cur.UserID, Roles: cur.Roles, FamilyID: cur.FamilyID, StudentID: cur.StudentID}
		if mask.Has("roles") {
			stored, err := storedRoles("member.roles", t.Kind, in.GetRoles())
			if err != nil {
				return cur, err
			}
			p.Roles = stored
		}
		if mask.Has("family") {
			family, _, err := relation("member.family", in.GetFamily(), cur.TenantID, 4)
			if err != nil {
				return cur, err
			}
			p.FamilyID = family
		}
		if mask.Has("student") {
			family, student, err := relation("member.student", in.GetStudent(), cur.TenantID, 6)
			if err != nil {
				return cur, err
			}
			if student.Valid {
				if mask.Has("family") && p.FamilyID != family {
					return cur, apierror.InvalidField("member.family", "must be the student's family")
				}
				p.FamilyID = family
			}
			p.StudentID = student
		}
		if err := q.LockTenant(ctx, cur.TenantID); err != nil {
			return cur, err
		}
		if err := q.UpdateMember(ctx, p); err != nil {
			return cur, err
		}
		if isManager(cur.Roles) && !isManager(p.Roles) {
			if err := keepAManager(ctx, q, cur.TenantID); err != nil {
				return cur, err
			}
		}
		return q.GetMember(ctx, accountsstore.GetMemberParams{TenantID: cur.TenantID, UserID: cur.UserID})
	})
}

// DeleteMember removes a membership; not the tenant's last OWNER/ADMIN.
func (s Members) DeleteMember(ctx context.Context, req *accountsv1.DeleteMemberRequest) (*emptypb.Empty, error) {
	return members.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *accountsstore.Queries, cur member) error {
		if err := q.LockTenant(ctx, cur.TenantID); err != nil {
			return err
		}
		if err := q.DeleteMember(ctx, accountsstore.DeleteMemberParams{TenantID: cur.TenantID, UserID: cur.UserID}); err != nil {
			return err
		}
		if isManager(cur.Roles) {
			return keepAManager(ctx, q, cur.TenantID)
		}
		return nil
	})
}
