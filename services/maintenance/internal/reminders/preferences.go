// Package reminders is Maintenance's reminder emails: each member's
// preferences (ReminderService) and the job that, per tenant, writes one
// outbox email per due task, overdue task and expiring warranty to each
// member who wants it (platform/outbox), then delivers them.
package reminders

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/store"
)

// Constraints are the reminders' tables': none a caller can violate (the
// preferences row is keyed by the caller's own name).
var Constraints = apierror.Constraints{}

var (
	tenantPattern      = resname.Of(&accountsv1.Tenant{})
	preferencesPattern = resname.Of(&maintenancev1.ReminderPreferences{})
)

// Server implements maintenancev1.ReminderServiceServer.
type Server struct {
	maintenancev1.UnimplementedReminderServiceServer
	db *tenantdb.DB
}

// NewServer returns the ReminderService over db.
func NewServer(db *tenantdb.DB) *Server { return &Server{db: db} }

// preferences is a singleton per member (AIP-156) that only its member
// reaches: another member's name is no row, so NOT_FOUND as for another
// tenant, whatever the caller's roles (an OWNER does not choose for others
// what lands in their inbox).
var preferences = aip.Resource[*store.Queries, store.MaintenanceReminderPreference, *maintenancev1.ReminderPreferences]{
	Pattern: preferencesPattern, Parent: tenantPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.MaintenanceReminderPreference, error) {
		if !own(ctx, n) {
			return store.MaintenanceReminderPreference{}, pgx.ErrNoRows
		}
		row, err := q.GetReminderPreferences(ctx, store.GetReminderPreferencesParams{TenantID: n.ID("tenant"), UserID: n.ID("member")})
		if errors.Is(err, pgx.ErrNoRows) {
			return defaultPreferences(n.ID("tenant"), n.ID("member")), nil
		}
		return row, err
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.MaintenanceReminderPreference, error) {
		if !own(ctx, n) {
			return store.MaintenanceReminderPreference{}, pgx.ErrNoRows
		}
		return q.LockReminderPreferences(ctx, store.LockReminderPreferencesParams{TenantID: n.ID("tenant"), UserID: n.ID("member")})
	},
	Revision: func(p store.MaintenanceReminderPreference) int64 { return p.Revision },
	Mutable:  []string{"due_tasks", "overdue_tasks", "expiring_warranties"},
	Proto:    preferencesToProto,
}

// own reports whether n is the caller's own: a service principal has none.
func own(ctx context.Context, n resname.Name) bool {
	c, ok := scope.CallerFrom(ctx)
	return ok && !c.IsService() && c.UserID != uuid.Nil && c.UserID == n.ID("member")
}

// defaultPreferences are the column defaults of
// maintenance.reminder_preferences, at the revision the first update's lock
// writes them with, so an etag read before the first update still matches.
func defaultPreferences(tenant, user uuid.UUID) store.MaintenanceReminderPreference {
	return store.MaintenanceReminderPreference{TenantID: tenant, UserID: user, DueTasks: true, OverdueTasks: true, ExpiringWarranties: true, Revision: 1}
}

func preferencesToProto(p store.MaintenanceReminderPreference, _ resname.Name) *maintenancev1.ReminderPreferences {
	out := &maintenancev1.ReminderPreferences{
		Name:     preferencesPattern.Format(p.TenantID, p.UserID),
		DueTasks: proto.Bool(p.DueTasks), OverdueTasks: proto.Bool(p.OverdueTasks), ExpiringWarranties: proto.Bool(p.ExpiringWarranties),
		Etag: aip.Etag(p.Revision),
	}
	if !p.UpdateTime.IsZero() {
		out.UpdateTime = timestamppb.New(p.UpdateTime)
	}
	return out
}

// GetReminderPreferences answers the caller's own preferences.
func (s *Server) GetReminderPreferences(ctx context.Context, req *maintenancev1.GetReminderPreferencesRequest) (*maintenancev1.ReminderPreferences, error) {
	return preferences.Get(ctx, s.db, "name", req.GetName())
}

// UpdateReminderPreferences changes the caller's own preferences.
func (s *Server) UpdateReminderPreferences(ctx context.Context, req *maintenancev1.UpdateReminderPreferencesRequest) (*maintenancev1.ReminderPreferences, error) {
	in := req.GetPreferences()
	return preferences.Update(ctx, s.db, req, func(q *store.Queries, cur store.MaintenanceReminderPreference, mask aip.Mask) (store.MaintenanceReminderPreference, error) {
		next := store.UpdateReminderPreferencesParams{TenantID: cur.TenantID, UserID: cur.UserID,
			DueTasks: cur.DueTasks, OverdueTasks: cur.OverdueTasks, ExpiringWarranties: cur.ExpiringWarranties}
		if mask.Has("due_tasks") {
			next.DueTasks = in.GetDueTasks()
		}
		if mask.Has("overdue_tasks") {
			next.OverdueTasks = in.GetOverdueTasks()
		}
		if mask.Has("expiring_warranties") {
			next.ExpiringWarranties = in.GetExpiringWarranties()
		}
		return q.UpdateReminderPreferences(ctx, next)
	})
}

func queries(tx tenantdb.DBTX) *store.Queries { return store.New(tx) }
