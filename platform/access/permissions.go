package access

import (
	"slices"

	typev1 "steward.dev/gen/go/steward/type/v1"
)

// Permission names something a caller may do in a tenant. An RPC declares the
// one it needs in its (steward.type.v1.access) option; the tables below say
// who holds it. Names are "<resource family>.<verb>".
type Permission string

// The permissions RPCs may declare. A name not listed here keeps a server
// from starting (LoadPolicies) and fails TestEveryStewardRPCDeclaresAPolicy
// (services/catalog, where every service's contract is linked in).
const (
	TenantsRead  Permission = "tenants.read"
	AssetsRead   Permission = "assets.read"
	AssetsWrite  Permission = "assets.write"
	AssetsRecord Permission = "assets.record" // meter readings and attachment uploads
	MembersRead  Permission = "members.read"  // a tenant's members and invitations
	MembersWrite Permission = "members.write" // invite, revoke, change roles, remove members

	// The school directory (steward-booking). families.read and
	// families.write are held by PARENT and STUDENT too: the directory
	// narrows them to the caller's own family or student (scope.Tenant
	// FamilyID, StudentID) and answers NOT_FOUND for anyone else's.
	DirectoryRead   Permission = "directory.read"   // rooms, instruments, teachers
	DirectoryManage Permission = "directory.manage" // settings, rooms, instruments, teachers, families, deleting students (not "directory.write": TestKnown keeps that name as an example of an unknown one)
	FamiliesRead    Permission = "families.read"    // school settings, families and students
	FamiliesWrite   Permission = "families.write"   // editing a family and adding or editing its students

	// The schedule (steward-booking). schedule.read is held by every school
	// role; the service narrows a PARENT to their family's sessions, bookings
	// and enrolments and a STUDENT to their own. bookings.write lets a PARENT
	// book, move and cancel their family's sessions under the notice rule,
	// and a TEACHER their own sessions (overriding it with a reason).
	ScheduleRead      Permission = "schedule.read"      // terms, classes, sessions, windows, availability, the calendar
	ScheduleManage    Permission = "schedule.manage"    // terms, week patterns, classes, enrolments, booking windows
	AvailabilityWrite Permission = "availability.write" // a TEACHER their own, ADMIN anyone's
	BookingsWrite     Permission = "bookings.write"     // book, reschedule, cancel
	AttendanceWrite   Permission = "attendance.write"   // a TEACHER at their own sessions, ADMIN at any
	AuditRead         Permission = "audit.read"         // the sessions' audit trail
	FeedsManage       Permission = "feeds.manage"       // calendar feeds: a TEACHER their own, a PARENT their family's

	// Maintenance (steward-maintenance). A school's premises follow Assets:
	// ADMIN as a household's OWNER, TEACHER as its MEMBER. tasks.complete is
	// apart from maintenance.manage because whoever does the work records it
	// (who, cost, parts, the meter reading) without being able to change or
	// drop the plans.
	MaintenanceRead   Permission = "maintenance.read"   // plans, templates, tasks, insights, the dashboard, one's own reminder preferences
	MaintenanceManage Permission = "maintenance.manage" // plans, applying templates, ad-hoc tasks, skipping and cancelling, feeds
	TasksComplete     Permission = "tasks.complete"     // starting and completing a task

	// Invoicing (steward-invoicing). billing.read and billing.pay are held
	// by PARENT too: the service narrows them to the family's own issued
	// invoices and answers NOT_FOUND for anyone else's and for drafts.
	BillingRead   Permission = "billing.read"   // billing settings, price lists, invoices, credit notes, payments, PDFs
	BillingManage Permission = "billing.manage" // settings, price lists, drafting, issuing, voiding, crediting, manual payments, billing runs
	BillingPay    Permission = "billing.pay"    // paying an invoice by card (a Stripe Checkout Session)
)

// Tenant kinds, as stored in accounts.tenants.kind.
const (
	KindHousehold = "household"
	KindSchool    = "school"
)

// rolePermissions is the one table of what each role may do, per kind of
// tenant. A role not listed for a kind holds nothing there (a stored "owner"
// membership of a school grants nothing), and so does a kind not listed.
//
// Relationship rules finer than a role (a PARENT acts only for their own
// family, a STUDENT only for themselves) are not expressible here: the
// service that owns the relationship enforces them with the caller's
// identity from the scope (scope.CallerFrom, scope.TenantFrom) and answers
// NOT_FOUND for the wrong family, exactly as for another tenant.
var rolePermissions = map[string]map[typev1.Role][]Permission{
	KindHousehold: {
		typev1.Role_ROLE_OWNER: {TenantsRead, AssetsRead, AssetsWrite, AssetsRecord, MembersRead, MembersWrite,
			MaintenanceRead, MaintenanceManage, TasksComplete},
		typev1.Role_ROLE_MEMBER: {TenantsRead, AssetsRead, AssetsRecord,
			MaintenanceRead, TasksComplete},
	},
	KindSchool: {
		typev1.Role_ROLE_ADMIN: {TenantsRead, AssetsRead, AssetsWrite, AssetsRecord, MembersRead, MembersWrite,
			DirectoryRead, DirectoryManage, FamiliesRead, FamiliesWrite,
			ScheduleRead, ScheduleManage, AvailabilityWrite, BookingsWrite, AttendanceWrite, AuditRead, FeedsManage,
			MaintenanceRead, MaintenanceManage, TasksComplete,
			BillingRead, BillingManage, BillingPay},
		typev1.Role_ROLE_TEACHER: {TenantsRead, AssetsRead, AssetsRecord,
			DirectoryRead, FamiliesRead,
			ScheduleRead, AvailabilityWrite, BookingsWrite, AttendanceWrite, AuditRead, FeedsManage,
			MaintenanceRead, TasksComplete},
		typev1.Role_ROLE_PARENT: {TenantsRead,
			FamiliesRead, FamiliesWrite,
			ScheduleRead, BookingsWrite, FeedsManage,
			BillingRead, BillingPay},
		typev1.Role_ROLE_STUDENT: {TenantsRead,
			FamiliesRead,
			ScheduleRead},
	},
}

// servicePermissions are what a service principal (a background job acting
// with its own client-credentials identity, for the one tenant it names) may
// do. Anything else it must do while serving a user, with that user's
// credentials relayed (platform/rpcclient).
//
// members.read is there for steward-maintenance's reminder job: it addresses
// each reminder to the members' emails, read from accounts' ListMembers, in
// a job that serves no one and so has no user's credentials to relay.
// schedule.read and families.read are there for steward-invoicing's billing
// run, which reads every family's enrolments, weeks and billing contact
// from Booking in a job.
var servicePermissions = []Permission{TenantsRead, AssetsRead, MembersRead, ScheduleRead, FamiliesRead}

// Known reports whether p is a permission of the tables above.
func Known(p Permission) bool {
	if slices.Contains(servicePermissions, p) {
		return true
	}
	for _, roles := range rolePermissions {
		for _, ps := range roles {
			if slices.Contains(ps, p) {
				return true
			}
		}
	}
	return false
}

// RolesAllow reports whether any of roles holds p in a tenant of kind.
func RolesAllow(kind string, roles []typev1.Role, p Permission) bool {
	for _, r := range roles {
		if slices.Contains(rolePermissions[kind][r], p) {
			return true
		}
	}
	return false
}

// GrantedToServices reports whether service principals hold p.
func GrantedToServices(p Permission) bool { return slices.Contains(servicePermissions, p) }

// TenantHeader is the gRPC metadata key in which a service principal names
// the one tenant it acts for ("tenants/{uuid}"). A service call without it is
// refused (PERMISSION_DENIED, apierror.ReasonServiceTenantRequired); a request naming
// another tenant than the header is NOT_FOUND. Users' values are ignored: a
// user's tenant is the one the request names, checked against their
// memberships. The gateway never forwards it from a client.
const TenantHeader = "x-steward-tenant"
