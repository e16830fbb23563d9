package outcomes_test

import (
	"context"
	"maps"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
)

// remindersOutcomes are the reminder preferences' rows (README,
// Permissions): maintenance.read is OWNER's and MEMBER's, ADMIN's and
// TEACHER's, never a PARENT's, a STUDENT's or a service's; and each member
// reaches only their own preferences. Every call names the preferences of
// the tenant's OWNER (ADMIN), so the OWNER and ADMIN get theirs and the
// MEMBER and TEACHER, who may read maintenance, find another member's:
// NOT_FOUND, as for another tenant.
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var remindersOutcomes = map[string][principals]codes.Code{
	"/steward.maintenance.v1.ReminderService/GetReminderPreferences":    {ok, nf, ok, nf, pd, pd, pd, nf, una, pd, pd},
	"/steward.maintenance.v1.ReminderService/UpdateReminderPreferences": {ok, nf, ok, nf, pd, pd, pd, nf, una, pd, pd},
}

var remindersCalls = map[string]func(t *testing.T, ctx context.Context, c clients, w *world) error{
	"/steward.maintenance.v1.ReminderService/GetReminderPreferences": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.reminders.GetReminderPreferences(ctx, &maintenancev1.GetReminderPreferencesRequest{Name: w.adminName + "/reminderPreferences"})
		return err
	},
	"/steward.maintenance.v1.ReminderService/UpdateReminderPreferences": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.reminders.UpdateReminderPreferences(ctx, &maintenancev1.UpdateReminderPreferencesRequest{
			Preferences: &maintenancev1.ReminderPreferences{Name: w.adminName + "/reminderPreferences", DueTasks: new(true)},
			UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"due_tasks"}},
		})
		return err
	},
}

func init() {
	services = append(services, &maintenancev1.ReminderService_ServiceDesc)
	maps.Copy(outcomes, remindersOutcomes)
	maps.Copy(calls, remindersCalls)
}
