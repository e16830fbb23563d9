package seed

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The Riverside Music School's directory (schema booking): its settings,
// rooms, the instruments taught, a teacher record for each teaching member,
// and a family for each parent with the family's children. A parent's
// membership carries their family and a student login's membership its
// student (accounts.memberships.family_id, student_id), so the directory
// shows each only their own.

// schoolInstruments are taught by the teacher at the same index of
// schoolStaff[1:].
var schoolInstruments = []struct{ name, kind string }{
	{"Piano", "keyboard"}, {"Guitar", "strings"}, {"Violin", "strings"}, {"Drums", "percussion"},
	{"Voice", "voice"}, {"Cello", "strings"}, {"Flute", "woodwind"}, {"Trumpet", "brass"},
}

// teacherColors are the teachers' calendar colours, in schoolStaff order.
var teacherColors = []string{"#2563eb", "#16a34a", "#db2777", "#ea580c", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"}

var schoolRooms = []struct {
	name     string
	capacity int
}{
	// Sized for the group classes that meet in them (schedule.go).
	{"Studio A", 14}, {"Studio B", 14}, {"Studio C", 16}, {"Piano Room", 12}, {"Drum Room", 10}, {"Recital Hall", 60},
}

var (
	childNames = []string{
		"Maya", "Leo", "Ava", "Noah", "Zara", "Ethan", "Lina", "Oscar", "Ruby", "Kai", "Isla", "Felix",
		"Nora", "Theo", "Amelia", "Omar", "Chloe", "Mateo", "Hazel", "Arjun", "Elena", "Finn", "Sana", "Jonah",
		"Priya", "Lucas", "Mila", "Ezra", "Yara", "Hugo",
	}
	streets    = []string{"Magnolia Ave", "Brockton Ave", "Arlington Ave", "Victoria Ave", "Jurupa Ave", "Central Ave", "Canyon Crest Dr", "Palm Ave"}
	localities = []struct{ city, zip string }{
		{"Riverside", "92501"}, {"Riverside", "92506"}, {"Riverside", "92507"}, {"Corona", "92879"},
		{"Moreno Valley", "92553"}, {"Jurupa Valley", "92509"}, {"Norco", "92860"},
	}
	levels = []string{"beginner", "beginner", "beginner", "intermediate", "intermediate", "advanced"}
)

// seededStudent is one child of a seeded family.
type seededStudent struct {
	id, family       uuid.UUID
	given, last      string
	birthYear, index int
	instruments      []uuid.UUID
	level            string
	login            string // the student's own login email; "" for none
}

// FamilyID returns the id of the family whose parent logs in as email.
func FamilyID(parentEmail string) uuid.UUID { return id("family:" + strings.ToLower(parentEmail)) }

func instrumentID(name string) uuid.UUID { return id("instrument:" + name) }

// directoryStudents derives each family's children from its parent's index:
// one child, a second in every fourth family, a third in every twentieth.
// Every eighth child, among the older ones, has a login of their own.
func directoryStudents(parents []person) []seededStudent {
	var out []seededStudent
	emails := map[string]bool{}
	for i, p := range parents {
		last := p.name[strings.LastIndex(p.name, " ")+1:]
		n := 1
		if i%4 == 1 {
			n++
		}
		if i%20 == 7 {
			n++
		}
		for c := range n {
			key := fmt.Sprintf("%s:%d", p.email, c)
			s := seededStudent{
				id: id("student:" + key), family: FamilyID(p.email), index: len(out),
				given: childNames[(i*7+c*11)%len(childNames)], last: last,
				birthYear: 2008 + jitter(key+":born", 12), level: levels[jitter(key+":level", len(levels))],
			}
			s.instruments = []uuid.UUID{instrumentID(schoolInstruments[jitter(key+":plays", len(schoolInstruments))].name)}
			if second := schoolInstruments[jitter(key+":also", len(schoolInstruments))].name; jitter(key+":two", 5) == 0 && instrumentID(second) != s.instruments[0] {
				s.instruments = append(s.instruments, instrumentID(second))
			}
			if s.index%8 == 0 && s.birthYear <= 2014 {
				email := strings.ToLower(s.given + "." + last + "@student.example")
				for k := 2; emails[email]; k++ {
					email = strings.ToLower(fmt.Sprintf("%s.%s%d@student.example", s.given, last, k))
				}
				emails[email] = true
				s.login = email
			}
			out = append(out, s)
		}
	}
	return out
}

// writeDirectory writes the school's directory in tx (scoped to the school),
// after writeTenant has written its people.
func writeDirectory(ctx context.Context, tx pgx.Tx, people []person, issuer, hash string) error {
	tenant := SchoolTenantID
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO booking.settings (tenant_id, time_zone, currency_code, reschedule_notice_hours)
		VALUES ($1, 'America/Los_Angeles', 'USD', 24) ON CONFLICT DO NOTHING`, tenant)
	for _, r := range schoolRooms {
		b.Queue(`INSERT INTO booking.rooms (tenant_id, room_id, display_name, capacity) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, tenant, id("room:"+r.name), r.name, r.capacity)
	}
	for _, in := range schoolInstruments {
		b.Queue(`INSERT INTO booking.instruments (tenant_id, instrument_id, display_name, kind) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, tenant, instrumentID(in.name), in.name, in.kind)
	}
	staff := people[:len(schoolStaff)]
	for i, t := range staff[1:] {
		taught := []uuid.UUID{instrumentID(schoolInstruments[i].name)}
		if i == 0 { // the piano teacher also takes voice
			taught = append(taught, instrumentID("Voice"))
		}
		b.Queue(`INSERT INTO booking.teachers (tenant_id, teacher_id, user_id, display_name, instrument_ids, calendar_color)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			tenant, id("teacher:"+t.email), UserID(t.email), t.name, taught, teacherColors[i])
	}
	parents := people[len(schoolStaff):]
	for i, p := range parents {
		last := p.name[strings.LastIndex(p.name, " ")+1:]
		place := localities[jitter(p.email+":city", len(localities))]
		b.Queue(`INSERT INTO booking.families (tenant_id, family_id, display_name, billing_name, billing_email, billing_phone,
				address_lines, locality, administrative_area, postal_code, region_code)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'CA', $9, 'US') ON CONFLICT DO NOTHING`,
			tenant, FamilyID(p.email), "The "+last+" family", p.name, p.email, fmt.Sprintf("+1951555%04d", 1000+i),
			[]string{fmt.Sprintf("%d %s", 100+jitter(p.email+":no", 9800), streets[jitter(p.email+":street", len(streets))])},
			place.city, place.zip)
		// The parent acts for the family; an edit made since is kept.
		b.Queue(`UPDATE accounts.memberships SET family_id = $3 WHERE tenant_id = $1 AND user_id = $2 AND family_id IS NULL`,
			tenant, UserID(p.email), FamilyID(p.email))
	}
	for _, s := range directoryStudents(parents) {
		b.Queue(`INSERT INTO booking.students (tenant_id, family_id, student_id, given_name, family_name, birth_year, instrument_ids, level)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			tenant, s.family, s.id, s.given, s.last, s.birthYear, s.instruments, s.level)
		if s.login == "" {
			continue
		}
		uid, name := UserID(s.login), s.given+" "+s.last
		b.Queue(`INSERT INTO devidp.users (subject, email, display_name, password_hash) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, uid.String(), s.login, name, hash)
		b.Queue(`INSERT INTO accounts.users (user_id, issuer, subject, email, display_name) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, uid, issuer, uid.String(), s.login, name)
		b.Queue(`INSERT INTO accounts.memberships (tenant_id, user_id, roles, student_id) VALUES ($1, $2, '{student}', $3)
			ON CONFLICT DO NOTHING`, tenant, uid, s.id)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write directory: %w", err)
	}
	return nil
}
