// Package server implements the DirectoryService RPCs on the platform's
// standard methods (platform/aip). What is here is the directory's own: its
// rows and messages, and who may see which family and student (viewer).
package server

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

// Server implements bookingv1.DirectoryServiceServer.
type Server struct {
	bookingv1.UnimplementedDirectoryServiceServer
	db *tenantdb.DB
}

// New returns a Server storing rows through db.
func New(db *tenantdb.DB) *Server { return &Server{db: db} }

// The resource names of the contract: the tenant (accounts'), the school's
// own resources under it, and the families' students.
var tenantPattern = resname.Of(&accountsv1.Tenant{})

var (
	settingsPattern, roomPattern      = resname.Of(&bookingv1.SchoolSettings{}), resname.Of(&bookingv1.Room{})
	instrumentPattern, teacherPattern = resname.Of(&bookingv1.Instrument{}), resname.Of(&bookingv1.Teacher{})
	familyPattern, studentPattern     = resname.Of(&bookingv1.Family{}), resname.Of(&bookingv1.Student{})
)

// Constraints is what a violation of each of steward-booking's constraints
// answers: the directory's below, the schedule's beside the code that
// writes those tables.
var Constraints = apierror.MergeConstraints(directoryConstraints, termConstraints, sessionConstraints, calendarConstraints)

var directoryConstraints = apierror.Constraints{
	"rooms_tenant_id_display_name_key": {Code: codes.AlreadyExists, Field: "room.display_name",
		Description: "is the name of another room of the school"},
	"instruments_tenant_id_display_name_key": {Code: codes.AlreadyExists, Field: "instrument.display_name",
		Description: "is already an instrument of the school"},
	"teachers_tenant_id_user_id_key": {Code: codes.AlreadyExists, Field: "teacher.member",
		Description: "is already a teacher of the school"},
	"students_tenant_id_family_id_fkey": {Code: codes.NotFound, Field: "parent", OnDelete: &apierror.Constraint{
		Code: codes.FailedPrecondition, Reason: bookingv1.ErrorReason_ERROR_REASON_FAMILY_NOT_EMPTY,
		Field: "name", Description: "still has students; delete them first"}},
}

// queries opens the store on a connection or transaction.
func queries(tx tenantdb.DBTX) *store.Queries { return store.New(tx) }

// viewer is how much of the families and students a caller may reach: all
// of them (ADMIN; TEACHER when reading), or only the family on their
// membership (PARENT) and the student on it (STUDENT, reading). Every family
// and student query takes it, so the rule holds in SQL: another family is
// no row, and NOT_FOUND like another tenant's.
type viewer struct {
	all             bool
	family, student uuid.NullUUID
}

// viewerOf reads the caller's standing from the request's tenant scope. A
// PARENT whose membership names no family sees no family (uuid.Nil matches
// no row), and so for a STUDENT with no student. A service principal reads
// every family: it holds no roles, serves no family, and reaches a read at
// all only through the permissions granted to services (families.read and
// schedule.read, for steward-invoicing's billing run), for the one tenant
// it names.
func viewerOf(ctx context.Context, writing bool) viewer {
	t, ok := scope.TenantFrom(ctx)
	if !ok {
		return viewer{} // fail closed: no scope sees nothing
	}
	if c, ok := scope.CallerFrom(ctx); ok && c.IsService() {
		return viewer{all: !writing}
	}
	if t.HasRole(typev1.Role_ROLE_ADMIN) || (!writing && t.HasRole(typev1.Role_ROLE_TEACHER)) {
		return viewer{all: true}
	}
	var v viewer
	if t.HasRole(typev1.Role_ROLE_PARENT) {
		v.family = uuid.NullUUID{UUID: t.FamilyID, Valid: true}
	}
	if !writing && t.HasRole(typev1.Role_ROLE_STUDENT) {
		v.student = uuid.NullUUID{UUID: t.StudentID, Valid: true}
	}
	return v
}

// take sets *dst to v when the update's mask changes field.
func take[T any](mask aip.Mask, field string, dst *T, v T) {
	if mask.Has(field) {
		*dst = v
	}
}
