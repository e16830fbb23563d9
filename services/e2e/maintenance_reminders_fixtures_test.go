package e2e_test

import (
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

// reminderSweepFixtures are the reminders' names for the sweeps, by
// collection: the preferences of member (another member's than the
// sweeper's: a NOT_FOUND, which is a client's answer too).
func reminderSweepFixtures(member string) map[string]string {
	return map[string]string{"tenants/members/reminderPreferences": member + "/reminderPreferences"}
}
