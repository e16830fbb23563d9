package e2e_test

import (
	"context"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// reminderFixtures are the reminders' resources of a fresh household: its
// member's own reminder preferences (a singleton per member that exists,
// with every reminder on, before it is first changed).
func reminderFixtures(f freshTenant) resourceNames {
	return resourceNames{
		"steward.dev/ReminderPreferences": f.Name + "/members/" + f.UserID.String() + "/reminderPreferences",
	}
}

// flipFirstBool changes a resource that has no display_name (reminder
// preferences: three switches) for the update sweeps: its first optional
// bool field, flipped, and the mask path naming it. It returns "" when the
// resource has none.
func flipFirstBool(rm protoreflect.Message) string {
	fields := rm.Descriptor().Fields()
	for i := range fields.Len() {
		if fd := fields.Get(i); fd.Kind() == protoreflect.BoolKind && fd.HasPresence() {
			rm.Set(fd, protoreflect.ValueOfBool(!rm.Get(fd).Bool()))
			return string(fd.Name())
		}
	}
	return ""
}

func init() {
	ownOnlyOperations["ReminderService_GetReminderPreferences"] = true
	ownOnlyOperations["ReminderService_UpdateReminderPreferences"] = true
}

// reminderSweepFixtures are the reminders' names for the sweeps: who's own
// member name (who is a login's email), which the reminder preferences'
// paths take ("{member}/reminderPreferences") and only who reaches. The id
// is their account's, found by the issuer and subject of their token.
func (s *stack) reminderSweepFixtures(t *testing.T, tenant, who string) map[string]string {
	t.Helper()
	tok, err := jwt.ParseSigned(s.token(t, who), []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		t.Fatalf("sweep fixture: %s's token: %v", who, err)
	}
	var claims jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		t.Fatal(err)
	}
	var user uuid.UUID
	if err := s.bypassPool(t).QueryRow(context.Background(), "SELECT user_id FROM accounts.users WHERE issuer = $1 AND subject = $2",
		claims.Issuer, claims.Subject).Scan(&user); err != nil {
		t.Fatalf("sweep fixture: %s's account: %v", who, err)
	}
	return map[string]string{ownKey("tenants/members"): tenant + "/members/" + user.String()}
}
