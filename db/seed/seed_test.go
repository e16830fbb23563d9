package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const issuer = "http://127.0.0.1:8081"

func TestSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	now := time.Date(2026, time.March, 15, 9, 30, 0, 0, time.UTC)

	first, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: issuer, Now: now})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	t.Logf("summary:\n%s", first)
	if first.HouseholdMembers != 2 || first.Homes != 2 || first.Assets < 40 || first.MeterReadings < 2000 {
		t.Errorf("household = %d members, %d homes, %d assets, %d readings; want 2, 2, >= 40, >= 2000",
			first.HouseholdMembers, first.Homes, first.Assets, first.MeterReadings)
	}
	if first.SchoolAdmins != 1 || first.Teachers != 8 || first.Parents < 200 {
		t.Errorf("school = %d admins, %d teachers, %d parents; want 1, 8, >= 200", first.SchoolAdmins, first.Teachers, first.Parents)
	}
	if want := 2 + 1 + 8 + first.Parents; first.Logins != want {
		t.Errorf("logins = %d, want %d", first.Logins, want)
	}

	owner := dbtest.Connect(t, d.OwnerURL)
	checkHousehold(t, owner, now)
	checkUsers(t, owner)
	before := snapshot(t, owner)

	// A later "today" must not add rows either: every series has a fixed length.
	second, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: issuer, Now: now.AddDate(0, 1, 17)})
	if err != nil {
		t.Fatalf("Seed again: %v", err)
	}
	if second != first {
		t.Errorf("second summary differs:\n%s\nfirst:\n%s", second, first)
	}
	after := snapshot(t, owner)
	for table, b := range before {
		if after[table] != b {
			t.Errorf("re-seeding changed %s: %s -> %s", table, b, after[table])
		}
	}

	// The runtime role sees the household's assets only in the household.
	app := dbtest.Connect(t, d.AppURL)
	var assets, homes, readings, parents int
	inTenant(t, app, seed.SchoolTenantID, seed.UserID("admin@school.example"), func(tx pgx.Tx) {
		scan(t, tx, `SELECT (SELECT count(*) FROM assets.assets), (SELECT count(*) FROM assets.homes),
			(SELECT count(*) FROM assets.meter_readings),
			(SELECT count(*) FROM accounts.memberships WHERE 'parent' = ANY (roles))`, nil, &assets, &homes, &readings, &parents)
	})
	if assets != 0 || homes != 0 || readings != 0 {
		t.Errorf("school tenant sees %d assets, %d homes, %d readings; want none", assets, homes, readings)
	}
	if parents != first.Parents {
		t.Errorf("school tenant sees %d parents, want %d", parents, first.Parents)
	}
	inTenant(t, app, seed.HouseholdTenantID, seed.UserID("jamie@example.com"), func(tx pgx.Tx) {
		scan(t, tx, `SELECT count(*) FROM assets.assets`, nil, &assets)
	})
	if assets != first.Assets {
		t.Errorf("household member sees %d assets, want %d", assets, first.Assets)
	}
}

func checkHousehold(t *testing.T, conn *pgx.Conn, now time.Time) {
	t.Helper()
	inTenant(t, conn, seed.HouseholdTenantID, seed.UserID("admin@example.com"), func(tx pgx.Tx) {
		var mainAssets, unplaced, notInService int
		scan(t, tx, `SELECT count(*) FILTER (WHERE h.display_name = 'Birchwood Lane'),
				count(*) FILTER (WHERE a.location_id IS NULL),
				count(*) FILTER (WHERE a.status <> 'in_service')
			FROM assets.assets a JOIN assets.homes h USING (tenant_id, home_id)`, nil, &mainAssets, &unplaced, &notInService)
		if mainAssets < 35 || unplaced < 1 || notInService < 2 {
			t.Errorf("main house assets = %d, unplaced = %d, not in service = %d; want >= 35, >= 1, >= 2", mainAssets, unplaced, notInService)
		}

		var expired, expiring, later int
		scan(t, tx, `SELECT count(*) FILTER (WHERE warranty_expiry_date < $1::date),
				count(*) FILTER (WHERE warranty_expiry_date >= $1::date AND warranty_expiry_date < $1::date + 365),
				count(*) FILTER (WHERE warranty_expiry_date >= $1::date + 365)
			FROM assets.assets`, []any{now}, &expired, &expiring, &later)
		if expired < 3 || expiring < 3 || later < 3 {
			t.Errorf("warranties: %d expired, %d expiring within a year, %d later; want a few of each", expired, expiring, later)
		}

		// Each meter reads in one unit and never goes down except at a reset.
		var meters, units, decreases, resets int
		scan(t, tx, `WITH r AS (
				SELECT asset_id, meter, unit, value, reset, read_time,
					lag(value) OVER (PARTITION BY asset_id, meter ORDER BY read_time, reading_id) AS prev
				FROM assets.meter_readings)
			SELECT count(DISTINCT (asset_id, meter)), count(DISTINCT (asset_id, meter, unit)),
				count(*) FILTER (WHERE value < prev AND NOT reset),
				count(*) FILTER (WHERE value < prev AND reset)
			FROM r`, nil, &meters, &units, &decreases, &resets)
		if meters < 8 || units != meters || decreases != 0 || resets != 1 {
			t.Errorf("meters = %d (%d with units), decreases = %d, resets = %d; want >= 8, same, 0, 1", meters, units, decreases, resets)
		}
		var future, early int
		scan(t, tx, `SELECT count(*) FILTER (WHERE r.read_time > $1),
				count(*) FILTER (WHERE r.read_time::date < a.install_date)
			FROM assets.meter_readings r JOIN assets.assets a USING (tenant_id, asset_id)`, []any{now}, &future, &early)
		if future != 0 || early != 0 {
			t.Errorf("%d readings after now, %d before their asset was installed", future, early)
		}
	})
}

func checkUsers(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	var users, matched, hashes int
	var hash string
	scan(t, conn, `SELECT count(*), count(d.subject), count(DISTINCT d.password_hash), min(d.password_hash)
		FROM accounts.users u
		LEFT JOIN devidp.users d ON d.subject = u.subject AND d.email = u.email AND d.display_name = u.display_name
		WHERE u.issuer = $1 AND u.subject = u.user_id::text`, []any{issuer}, &users, &matched, &hashes, &hash)
	if users < 211 || matched != users || hashes != 1 {
		t.Errorf("users = %d, matching devidp = %d, distinct hashes = %d; want >= 211, all, 1", users, matched, hashes)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(seed.Password)); err != nil {
		t.Errorf("password hash does not match %q: %v", seed.Password, err)
	}
	if cost, _ := bcrypt.Cost([]byte(hash)); cost != 12 {
		t.Errorf("bcrypt cost = %d, want 12", cost)
	}
	var parentEmails int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM devidp.users WHERE email LIKE '%@family.example'`).Scan(&parentEmails); err != nil {
		t.Fatal(err)
	}
	if parentEmails < 200 {
		t.Errorf("parent logins = %d, want >= 200", parentEmails)
	}
}

// snapshot fingerprints every table the seeder writes, as seen from each
// seeded tenant.
func snapshot(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	tables := []string{"accounts.tenants", "accounts.memberships", "assets.homes", "assets.locations",
		"assets.assets", "assets.meter_readings"}
	out := map[string]string{}
	fingerprint := func(q pgx.Tx, prefix, table string) {
		var s string
		scan(t, q, `SELECT count(*) || ' ' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM `+table+` x`, nil, &s)
		out[prefix+table] = s
	}
	for _, tenant := range []uuid.UUID{seed.HouseholdTenantID, seed.SchoolTenantID} {
		inTenant(t, conn, tenant, uuid.Nil, func(tx pgx.Tx) {
			for _, table := range tables {
				fingerprint(tx, tenant.String()+" ", table)
			}
			for _, table := range []string{"accounts.users", "devidp.users"} {
				fingerprint(tx, "", table)
			}
		})
	}
	return out
}

func inTenant(t *testing.T, conn *pgx.Conn, tenant, user uuid.UUID, fn func(pgx.Tx)) {
	t.Helper()
	dbtest.InScopeT(t, conn, dbtest.Scope{TenantID: tenant, UserID: user}, func(tx pgx.Tx) error {
		fn(tx)
		return nil
	})
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// scan runs a one-row query with args and scans it into dest.
func scan(t *testing.T, q querier, sql string, args []any, dest ...any) {
	t.Helper()
	if err := q.QueryRow(context.Background(), sql, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestSeedDirectory: the Riverside Music School is a real directory: 8
// teachers, 6 rooms, the instruments they teach, 220+ families with about
// 300 students; every parent's membership carries their family, and the
// students with a login have a membership carrying the student.
func TestSeedDirectory(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	sum, err := seed.Seed(context.Background(), d.OwnerURL, seed.Options{Issuer: issuer})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rooms != 6 || sum.Instruments < 8 || sum.Families < 220 || sum.Students < 280 || sum.Students > 330 || sum.StudentLogins < 10 {
		t.Errorf("directory = %d rooms, %d instruments, %d families, %d students, %d student logins", sum.Rooms, sum.Instruments, sum.Families, sum.Students, sum.StudentLogins)
	}
	owner := dbtest.Connect(t, d.OwnerURL)
	inTenant(t, owner, seed.SchoolTenantID, uuid.Nil, func(tx pgx.Tx) {
		var teachers, untaught, parents, parentsWithFamily, studentsLinked int
		scan(t, tx, `SELECT (SELECT count(*) FROM booking.teachers t JOIN accounts.memberships m
				ON m.tenant_id = t.tenant_id AND m.user_id = t.user_id AND 'teacher' = ANY (m.roles)),
			(SELECT count(*) FROM booking.instruments i WHERE NOT EXISTS (
				SELECT 1 FROM booking.teachers t WHERE i.instrument_id = ANY (t.instrument_ids))),
			(SELECT count(*) FROM accounts.memberships WHERE 'parent' = ANY (roles)),
			(SELECT count(*) FROM accounts.memberships m JOIN booking.families f USING (tenant_id, family_id) WHERE 'parent' = ANY (m.roles)),
			(SELECT count(*) FROM accounts.memberships m JOIN booking.students s USING (tenant_id, student_id) WHERE 'student' = ANY (m.roles))`,
			nil, &teachers, &untaught, &parents, &parentsWithFamily, &studentsLinked)
		if teachers != 8 || untaught != 0 || parentsWithFamily != parents || studentsLinked != sum.StudentLogins {
			t.Errorf("%d teacher members, %d instruments nobody teaches, %d of %d parents with their family, %d of %d student logins linked",
				teachers, untaught, parentsWithFamily, parents, studentsLinked, sum.StudentLogins)
		}
	})
}
