package reminders_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance"
)

// TestReminderPreferences: a member's own preferences are every reminder
// until changed; an update changes the fields its mask names (false is a
// value: the fields are optional), a stale etag is ABORTED, and another
// member's preferences, also the OWNER reading a MEMBER's, are NOT_FOUND.
func TestReminderPreferences(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	conn := env.Serve(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return maintenance.Services(catalog.Env{DB: db, Logger: env.Logger, DataDir: t.TempDir()})
	})
	client := maintenancev1.NewReminderServiceClient(conn)
	tenant := env.Tenant(t, "household")
	owner, member := env.User(t, tenant, "owner"), env.User(t, tenant, "member")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	asOwner, asMember := env.As(ctx, t, owner), env.As(ctx, t, member)
	name := "tenants/" + tenant.String() + "/members/" + member.ID.String() + "/reminderPreferences"

	got, err := client.GetReminderPreferences(asMember, &maintenancev1.GetReminderPreferencesRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetName() != name || !got.GetDueTasks() || !got.GetOverdueTasks() || !got.GetExpiringWarranties() || got.GetEtag() == "" {
		t.Fatalf("defaults: %v", got)
	}
	// Without a mask the fields set change, false included.
	updated, err := client.UpdateReminderPreferences(asMember, &maintenancev1.UpdateReminderPreferencesRequest{
		Preferences: &maintenancev1.ReminderPreferences{Name: name, OverdueTasks: new(false), Etag: got.GetEtag()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !updated.GetDueTasks() || updated.GetOverdueTasks() || !updated.GetExpiringWarranties() || updated.GetEtag() == got.GetEtag() {
		t.Fatalf("after turning overdue off: %v", updated)
	}
	// A mask names what changes; what it leaves out stays.
	updated, err = client.UpdateReminderPreferences(asMember, &maintenancev1.UpdateReminderPreferencesRequest{
		Preferences: &maintenancev1.ReminderPreferences{Name: name, DueTasks: new(false), OverdueTasks: new(true)},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"due_tasks"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if updated.GetDueTasks() || updated.GetOverdueTasks() || !updated.GetExpiringWarranties() {
		t.Fatalf("after the masked update: %v", updated)
	}
	if again, err := client.GetReminderPreferences(asMember, &maintenancev1.GetReminderPreferencesRequest{Name: name}); err != nil ||
		again.GetEtag() != updated.GetEtag() || again.GetDueTasks() {
		t.Fatalf("read back: %v, %v", again, err)
	}
	_, err = client.UpdateReminderPreferences(asMember, &maintenancev1.UpdateReminderPreferencesRequest{
		Preferences: &maintenancev1.ReminderPreferences{Name: name, DueTasks: new(true), Etag: got.GetEtag()},
	})
	if status.Code(err) != codes.Aborted || apierror.ReasonOf(err) != "ETAG_MISMATCH" {
		t.Fatalf("stale etag: %v", err)
	}
	// The OWNER may read maintenance, but not another member's inbox choices.
	if _, err := client.GetReminderPreferences(asOwner, &maintenancev1.GetReminderPreferencesRequest{Name: name}); status.Code(err) != codes.NotFound {
		t.Fatalf("the OWNER reading the MEMBER's: %v", err)
	}
	_, err = client.UpdateReminderPreferences(asOwner, &maintenancev1.UpdateReminderPreferencesRequest{
		Preferences: &maintenancev1.ReminderPreferences{Name: name, DueTasks: new(true)},
	})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("the OWNER changing the MEMBER's: %v", err)
	}
	// Bad names and masks are the caller's mistakes.
	_, err = client.UpdateReminderPreferences(asMember, &maintenancev1.UpdateReminderPreferencesRequest{
		Preferences: &maintenancev1.ReminderPreferences{Name: name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"due_task"}},
	})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("a mask naming no field: %v", err)
	}
	if _, err := client.GetReminderPreferences(asMember, &maintenancev1.GetReminderPreferencesRequest{Name: "tenants/" + tenant.String() + "/members/x/reminderPreferences"}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("a malformed name: %v", err)
	}
}
