// Package seed fills a migrated Steward database with development and demo
// data: a household with two homes, their equipment and years of meter
// history, and a music school with its staff and families.
//
// Every id is a UUIDv5 of a stable key and every insert is ON CONFLICT DO
// NOTHING, so seeding twice changes nothing and rows edited in the app keep
// their edits.
package seed

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

// Password is the password of every seeded login.
const Password = "homeportal"

// UnverifiedEmail is the seeded login whose email the development issuer
// does not vouch for (email_verified false); it belongs to no tenant.
const UnverifiedEmail = "unverified@example.com"

// bcryptCost is deliberately production-strength so that the development
// identity provider exercises the same hashing cost as a real one.
const bcryptCost = 12

// namespace scopes the seeder's UUIDv5 ids; changing it changes every id.
var namespace = uuid.MustParse("6f1c2a0e-4b7d-5e39-9a51-3c8e2d7f4b10")

// id returns the deterministic id for a stable key such as "home:main".
func id(key string) uuid.UUID { return uuid.NewSHA1(namespace, []byte(key)) }

// Tenant and user ids, exported so that tests and demos can refer to them.
var (
	HouseholdTenantID = id("tenant:household:morgan")
	SchoolTenantID    = id("tenant:school:riverside")
)

// UserID returns the id (and identity-provider subject) of the seeded user
// with the given email.
func UserID(email string) uuid.UUID { return id("user:" + strings.ToLower(email)) }

// Options configure Seed.
type Options struct {
	// Issuer is the OIDC issuer URL stored in accounts.users.issuer, e.g.
	// http://127.0.0.1:8081. Required.
	Issuer string
	// Now is the reference "today" that dates and readings are relative to;
	// zero means time.Now.
	Now time.Time
}

// Summary reports what the seeded tenants hold after seeding.
type Summary struct {
	Issuer string

	HouseholdTenantID uuid.UUID
	HouseholdName     string
	HouseholdMembers  int
	Homes             int
	Locations         int
	Assets            int
	MeterReadings     int
	// The household's maintenance history (schema maintenance).
	Maintenance MaintenanceSummary

	SchoolTenantID uuid.UUID
	SchoolName     string
	SchoolAdmins   int
	Teachers       int
	Parents        int

	// The school's directory (schema booking).
	Rooms         int
	Instruments   int
	Families      int
	Students      int
	StudentLogins int // students with a login of their own

	// The school's current term (schema booking): breaks, teaching weeks,
	// classes, enrolments, sessions, availability and the open window.
	Schedule ScheduleSummary
	// The school's billing of that term (schema invoicing).
	Invoicing InvoicingSummary

	// Logins counts the development identity provider's seeded users.
	Logins int
}

// String renders the summary for a terminal, with the logins to try.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Seeded Steward demo data (issuer %s; every password is %q)\n", s.Issuer, Password)
	fmt.Fprintf(&b, "  %s  tenant %s\n", s.HouseholdName, s.HouseholdTenantID)
	fmt.Fprintf(&b, "    members: %d, homes: %d, locations: %d, assets: %d, meter readings: %d\n",
		s.HouseholdMembers, s.Homes, s.Locations, s.Assets, s.MeterReadings)
	m := s.Maintenance
	fmt.Fprintf(&b, "    maintenance: %d plans, %d tasks (%d done, %d skipped, %d open), %d repairs, $%d.%02d spent\n",
		m.Plans, m.Tasks, m.Done, m.Skipped, m.Open, m.Repairs, m.SpendMinor/100, m.SpendMinor%100)
	for _, p := range householdPeople {
		fmt.Fprintf(&b, "    login %-28s %s\n", p.email, strings.Join(p.roles, ","))
	}
	fmt.Fprintf(&b, "  %s  tenant %s\n", s.SchoolName, s.SchoolTenantID)
	fmt.Fprintf(&b, "    admins: %d, teachers: %d, parents: %d\n", s.SchoolAdmins, s.Teachers, s.Parents)
	fmt.Fprintf(&b, "    directory: %d rooms, %d instruments, %d families, %d students (%d with their own login)\n",
		s.Rooms, s.Instruments, s.Families, s.Students, s.StudentLogins)
	if sc := s.Schedule; sc.Term != "" {
		fmt.Fprintf(&b, "    term: %s, %s to %s (%s), %d teaching weeks; individual weeks %s\n",
			sc.Term, sc.TermStart, sc.TermEnd, sc.TimeZone, sc.TeachingWeeks, sc.IndividualWeeks)
		fmt.Fprintf(&b, "    breaks: %s\n", sc.Breaks)
		fmt.Fprintf(&b, "    %d classes, %d enrolled, %d waitlisted; %d group sessions, %d placeholders; %d availability blocks\n",
			sc.Classes, sc.Enrolled, sc.Waitlisted, sc.GroupSessions, sc.Placeholders, sc.AvailabilityBlocks)
		fmt.Fprintf(&b, "    booking window for weeks %s: opens %s, closes %s; %d individual sessions booked\n",
			sc.WindowWeeks, sc.WindowOpens, sc.WindowCloses, sc.Bookings)
	}
	if in := s.Invoicing; in.Invoices > 0 {
		fmt.Fprintf(&b, "    billing (%s, tax id %s): %d invoices %s–%s (%d issued, %d partly paid, %d paid), %s invoiced, %s received in %d payments\n",
			in.Term, in.TaxID, in.Invoices, in.FirstNumber, in.LastNumber, in.Issued, in.PartlyPaid, in.Paid,
			dollars(in.Currency, in.InvoicedMinor), dollars(in.Currency, in.ReceivedMinor), in.Payments)
	}
	for _, l := range s.SchoolLogins() {
		fmt.Fprintf(&b, "    login %-28s %s\n", l.Email, l.What)
	}
	fmt.Fprintf(&b, "  %d logins in devidp.users\n", s.Logins)
	return b.String()
}

// Login is a seeded login worth trying and who it is.
type Login struct{ Email, What string }

// SchoolLogins are one login of each school role: the admin, a teacher, a
// family's parent and a student with a login of their own.
func (s Summary) SchoolLogins() []Login {
	people := schoolPeople()
	parents := people[len(schoolStaff):]
	logins := []Login{
		{people[0].email, "admin"},
		{people[1].email, "teacher (" + schoolInstruments[0].name + ")"},
		{parents[0].email, fmt.Sprintf("parent of the %s family (and %d more parents, one a family)",
			parents[0].name[strings.LastIndex(parents[0].name, " ")+1:], s.Parents-1)},
	}
	for _, st := range directoryStudents(parents) {
		if st.login != "" {
			logins = append(logins, Login{st.login, fmt.Sprintf("student %s %s (and %d more students with a login)", st.given, st.last, s.StudentLogins-1)})
			break
		}
	}
	return logins
}

// person is a seeded user and their roles in one tenant.
type person struct {
	email, name string
	roles       []string
}

// Seed writes the demo data into the database at ownerURL, which must be
// migrated and must be a URL for the owner role. It is idempotent.
func Seed(ctx context.Context, ownerURL string, opts Options) (Summary, error) {
	if opts.Issuer == "" {
		return Summary{}, errors.New("seed: Options.Issuer is required")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return Summary{}, fmt.Errorf("seed: connect: %w", err)
	}
	defer conn.Close(ctx)

	// Hashing once matters: cost 12 takes a quarter of a second per hash.
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcryptCost)
	if err != nil {
		return Summary{}, fmt.Errorf("seed: hash password: %w", err)
	}
	s := Summary{
		Issuer:            opts.Issuer,
		HouseholdTenantID: HouseholdTenantID,
		HouseholdName:     householdName,
		SchoolTenantID:    SchoolTenantID,
		SchoolName:        schoolName,
	}

	owner := UserID(householdPeople[0].email)
	err = inTenant(ctx, conn, HouseholdTenantID, owner, func(tx pgx.Tx) error {
		if err := writeTenant(ctx, tx, HouseholdTenantID, "household", householdName, householdPeople, opts.Issuer, string(hash)); err != nil {
			return err
		}
		if err := writeHomes(ctx, tx, homes, now); err != nil {
			return err
		}
		if err := writeReadings(ctx, tx, readings(now)); err != nil {
			return err
		}
		if err := writeMaintenance(ctx, tx, now); err != nil {
			return err
		}
		m, err := readMaintenance(ctx, tx)
		if err != nil {
			return err
		}
		s.Maintenance = m
		return tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM accounts.memberships WHERE tenant_id = $1),
			(SELECT count(*) FROM assets.homes),
			(SELECT count(*) FROM assets.locations),
			(SELECT count(*) FROM assets.assets),
			(SELECT count(*) FROM assets.meter_readings)`, HouseholdTenantID).
			Scan(&s.HouseholdMembers, &s.Homes, &s.Locations, &s.Assets, &s.MeterReadings)
	})
	if err != nil {
		return Summary{}, fmt.Errorf("seed: household: %w", err)
	}

	people := schoolPeople()
	admin := UserID(people[0].email)
	err = inTenant(ctx, conn, SchoolTenantID, admin, func(tx pgx.Tx) error {
		if err := writeTenant(ctx, tx, SchoolTenantID, "school", schoolName, people, opts.Issuer, string(hash)); err != nil {
			return err
		}
		if err := writeDirectory(ctx, tx, people, opts.Issuer, string(hash)); err != nil {
			return err
		}
		if err := writeSchedule(ctx, tx, people, now); err != nil {
			return err
		}
		sc, err := readSchedule(ctx, tx)
		if err != nil {
			return err
		}
		s.Schedule = sc
		if err := writeInvoicing(ctx, tx, people, now); err != nil {
			return err
		}
		if s.Invoicing, err = readInvoicing(ctx, tx); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT
			count(*) FILTER (WHERE 'admin' = ANY (roles)),
			count(*) FILTER (WHERE 'teacher' = ANY (roles)),
			count(*) FILTER (WHERE 'parent' = ANY (roles)),
			count(*) FILTER (WHERE 'student' = ANY (roles) AND student_id IS NOT NULL),
			(SELECT count(*) FROM booking.rooms), (SELECT count(*) FROM booking.instruments),
			(SELECT count(*) FROM booking.families), (SELECT count(*) FROM booking.students)
			FROM accounts.memberships WHERE tenant_id = $1`, SchoolTenantID).
			Scan(&s.SchoolAdmins, &s.Teachers, &s.Parents, &s.StudentLogins, &s.Rooms, &s.Instruments, &s.Families, &s.Students)
	})
	if err != nil {
		return Summary{}, fmt.Errorf("seed: school: %w", err)
	}

	// A login whose email the issuer has not verified, and which belongs to
	// no tenant: its tokens say email_verified false, so it can sign up but
	// never accept an invitation.
	if _, err := conn.Exec(ctx, `INSERT INTO devidp.users (subject, email, display_name, password_hash, email_verified)
		VALUES ($1, $2, 'Unverified Newcomer', $3, false) ON CONFLICT DO NOTHING`,
		UserID(UnverifiedEmail).String(), UnverifiedEmail, string(hash)); err != nil {
		return Summary{}, fmt.Errorf("seed: unverified login: %w", err)
	}

	var subjects []string
	for _, p := range append(householdPeople[:len(householdPeople):len(householdPeople)], people...) {
		subjects = append(subjects, UserID(p.email).String())
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM devidp.users WHERE subject = ANY ($1)`, subjects).Scan(&s.Logins); err != nil {
		return Summary{}, fmt.Errorf("seed: count logins: %w", err)
	}
	return s, nil
}

// inTenant runs fn in a transaction scoped to tenant and user, as the
// forced row-level security policies require even of the owner role.
func inTenant(ctx context.Context, conn *pgx.Conn, tenant, user uuid.UUID, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)`,
			tenant.String(), user.String()); err != nil {
			return fmt.Errorf("set tenant: %w", err)
		}
		return fn(tx)
	})
}

// writeTenant writes the tenant, its people's logins and accounts, and their
// memberships.
func writeTenant(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, kind, name string, people []person, issuer, hash string) error {
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, tenant, kind, name)
	for _, p := range people {
		uid := UserID(p.email)
		// The subject is the user id, so devidp and accounts agree without a lookup.
		b.Queue(`INSERT INTO devidp.users (subject, email, display_name, password_hash) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, uid.String(), p.email, p.name, hash)
		b.Queue(`INSERT INTO accounts.users (user_id, issuer, subject, email, display_name) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, uid, issuer, uid.String(), p.email, p.name)
		b.Queue(`INSERT INTO accounts.memberships (tenant_id, user_id, roles) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, tenant, uid, p.roles)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write tenant %s: %w", name, err)
	}
	return nil
}

// jitter returns a stable pseudo-random number in [0, n) for key, so that
// dates do not all fall on the same day of the month.
func jitter(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}
