package access

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/db/dbtest"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/tenantdb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type accountsFixture struct {
	owner *pgx.Conn
	pool  *pgxpool.Pool
	db    *tenantdb.DB
}

func newAccountsFixture(t *testing.T) *accountsFixture {
	t.Helper()
	ctx := context.Background()
	d := dbtest.New(t)
	owner, err := pgx.Connect(ctx, d.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close(context.Background()) })
	pool, err := pgxpool.New(ctx, d.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &accountsFixture{owner: owner, pool: pool, db: tenantdb.New(pool)}
}

// exec runs sql as the owner in tenant's scope (FORCE RLS binds the owner too).
func (f *accountsFixture) exec(t *testing.T, tenant uuid.UUID, sql string, args ...any) {
	t.Helper()
	dbtest.ExecAsTenant(t, f.owner, tenant, sql, args...)
}

func (f *accountsFixture) tenant(t *testing.T, kind string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	f.exec(t, id, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, $2, 'T')", id, kind)
	return id
}

func (f *accountsFixture) user(t *testing.T, issuer, subject string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	f.exec(t, uuid.Nil, "INSERT INTO accounts.users (user_id, issuer, subject, email, display_name) VALUES ($1, $2, $3, 'u@example.com', 'U')", id, issuer, subject)
	return id
}

func (f *accountsFixture) join(t *testing.T, tenant, user uuid.UUID, roles ...string) {
	t.Helper()
	f.exec(t, tenant, "INSERT INTO accounts.memberships (tenant_id, user_id, roles) VALUES ($1, $2, $3)", tenant, user, roles)
}

func (f *accountsFixture) leave(t *testing.T, tenant, user uuid.UUID) {
	t.Helper()
	f.exec(t, tenant, "DELETE FROM accounts.memberships WHERE tenant_id = $1 AND user_id = $2", tenant, user)
}

// fakeClock is a settable Members.now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newMembers(f *accountsFixture, ttl time.Duration) (*Members, *fakeClock) {
	m := NewMembers(f.db, ttl)
	clock := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	m.now = clock.now
	return m, clock
}

func TestResolve(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	ctx := context.Background()
	home, school := f.tenant(t, "household"), f.tenant(t, "school")
	u := f.user(t, "https://issuer.test", "u")
	f.join(t, home, u, "owner")
	f.join(t, school, u, "teacher", "parent")
	m, _ := newMembers(f, time.Minute)

	for _, tc := range []struct {
		tenant uuid.UUID
		kind   string
		roles  []typev1.Role
	}{
		{home, "household", []typev1.Role{typev1.Role_ROLE_OWNER}},
		{school, "school", []typev1.Role{typev1.Role_ROLE_TEACHER, typev1.Role_ROLE_PARENT}},
	} {
		got, member, err := m.Resolve(ctx, u, tc.tenant)
		if err != nil {
			t.Fatal(err)
		}
		if !member || got.TenantID != tc.tenant || got.Kind != tc.kind || !slices.Equal(got.Roles, tc.roles) {
			t.Errorf("Resolve(%s) = %+v, %v; want member of %s kind %s roles %v", tc.kind, got, member, tc.tenant, tc.kind, tc.roles)
		}
	}

	// Another user of the same tenants, and an unknown tenant.
	stranger := f.user(t, "https://issuer.test", "stranger")
	for _, tc := range []struct {
		name         string
		user, tenant uuid.UUID
	}{
		{"non-member", stranger, home},
		{"unknown tenant", u, uuid.New()},
	} {
		got, member, err := m.Resolve(ctx, tc.user, tc.tenant)
		if err != nil || member || got.TenantID != uuid.Nil {
			t.Errorf("%s: %+v, %v, %v; want nothing", tc.name, got, member, err)
		}
	}
}

func TestResolveWithoutUserSkipsTheDatabase(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	m, _ := newMembers(f, time.Minute)
	_, member, err := m.Resolve(context.Background(), uuid.Nil, uuid.New())
	if err != nil || member {
		t.Fatalf("Resolve(nil user) = %v, %v; want not a member", member, err)
	}
	if n := f.pool.Stat().AcquireCount(); n != 0 {
		t.Errorf("a caller without an account cost %d database calls", n)
	}
}

// TestResolveCachesForTTL: both answers, yes and no, hold for the TTL and no
// longer, so a revoked membership stops working within it.
func TestResolveCachesForTTL(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	ctx := context.Background()
	tenant := f.tenant(t, "household")
	u := f.user(t, "https://issuer.test", "u")
	f.join(t, tenant, u, "member")
	const ttl = time.Minute
	m, clock := newMembers(f, ttl)

	check := func(step string, want bool, wantQueries int64) {
		t.Helper()
		_, member, err := m.Resolve(ctx, u, tenant)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if member != want {
			t.Errorf("%s: member = %v, want %v", step, member, want)
		}
		if n := f.pool.Stat().AcquireCount(); n != wantQueries {
			t.Errorf("%s: %d database calls so far, want %d", step, n, wantQueries)
		}
	}
	check("first", true, 1)
	f.leave(t, tenant, u)
	clock.advance(ttl - time.Nanosecond)
	check("revoked, within TTL", true, 1)
	clock.advance(time.Nanosecond)
	check("revoked, TTL over", false, 2)

	f.join(t, tenant, u, "member")
	clock.advance(ttl / 2)
	check("re-added, within TTL of the refusal", false, 2)
	clock.advance(ttl / 2)
	check("re-added, TTL over", true, 3)
}

func TestResolveDoesNotCacheErrors(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	tenant := f.tenant(t, "household")
	u := f.user(t, "https://issuer.test", "u")
	f.join(t, tenant, u, "member")
	m, _ := newMembers(f, time.Minute)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, member, err := m.Resolve(ctx, u, tenant); err == nil || member {
		t.Fatalf("Resolve with a dead context = %v, %v; want an error", member, err)
	}
	if _, member, err := m.Resolve(context.Background(), u, tenant); err != nil || !member {
		t.Fatalf("Resolve after a failure = %v, %v; want member (the failure must not be cached)", member, err)
	}
}

func TestResolveConcurrently(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	tenant := f.tenant(t, "household")
	members := make([]uuid.UUID, 4)
	for i := range members {
		members[i] = f.user(t, "https://issuer.test", uuid.NewString())
		f.join(t, tenant, members[i], "member")
	}
	stranger := f.user(t, "https://issuer.test", "stranger")
	m, clock := newMembers(f, time.Second)
	var wg sync.WaitGroup
	for g := range 20 {
		wg.Go(func() {
			for i := range 20 {
				if g == 0 && i%5 == 0 {
					clock.advance(time.Second) // expire entries under the readers
				}
				u, want := members[(g+i)%len(members)], true
				if (g+i)%5 == 0 {
					u, want = stranger, false
				}
				_, member, err := m.Resolve(context.Background(), u, tenant)
				if err != nil || member != want {
					t.Errorf("Resolve = %v, %v; want %v", member, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestUserLookup(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	ctx := context.Background()
	u := f.user(t, "https://issuer.test", "alice")
	lookup := UserLookup(f.db)
	for _, tc := range []struct {
		issuer, subject string
		want            uuid.UUID
	}{
		{"https://issuer.test", "alice", u},
		{"https://issuer.test", "bob", uuid.Nil},
		{"https://other.test", "alice", uuid.Nil}, // the subject is the issuer's
	} {
		got, err := lookup(ctx, tc.issuer, tc.subject)
		if err != nil || got != tc.want {
			t.Errorf("lookup(%s, %s) = %s, %v; want %s", tc.issuer, tc.subject, got, err, tc.want)
		}
	}
}

// TestResolveService: a service principal stands in any existing tenant with
// its kind and no roles, in none that does not exist, and its answers are
// cached like a member's but apart from them.
func TestResolveService(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	ctx := context.Background()
	school := f.tenant(t, "school")
	m, clock := newMembers(f, time.Minute)

	got, ok, err := m.ResolveService(ctx, school)
	if err != nil || !ok || got.TenantID != school || got.Kind != "school" || len(got.Roles) != 0 {
		t.Fatalf("ResolveService(school) = %+v, %v, %v; want the school, no roles", got, ok, err)
	}
	missing := uuid.New()
	if got, ok, err := m.ResolveService(ctx, missing); err != nil || ok || got.TenantID != uuid.Nil {
		t.Fatalf("ResolveService(missing) = %+v, %v, %v; want nothing", got, ok, err)
	}
	if n := f.pool.Stat().AcquireCount(); n != 2 {
		t.Fatalf("%d database calls, want 2", n)
	}
	for range 3 {
		_, _, _ = m.ResolveService(ctx, school)
		_, _, _ = m.ResolveService(ctx, missing)
	}
	if n := f.pool.Stat().AcquireCount(); n != 2 {
		t.Errorf("cached answers cost %d database calls, want none beyond the first 2", n)
	}
	// A tenant created after the refusal is seen once the TTL is over.
	f.exec(t, missing, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, 'household', 'Late')", missing)
	if _, ok, _ := m.ResolveService(ctx, missing); ok {
		t.Error("a refusal was not cached for the TTL")
	}
	clock.advance(time.Minute)
	if got, ok, err := m.ResolveService(ctx, missing); err != nil || !ok || got.Kind != "household" {
		t.Errorf("after the TTL: %+v, %v, %v; want the new household", got, ok, err)
	}
	// A user's membership answer is not a service's, nor the reverse.
	u := f.user(t, "https://issuer.test", "u")
	if _, member, err := m.Resolve(ctx, u, school); err != nil || member {
		t.Errorf("a user who is not a member resolved as one (%v, %v) after a service resolved the tenant", member, err)
	}
}

// TestResolveCarriesRelationships: the family and student on a membership
// reach scope.Tenant, uuid.Nil when unset.
func TestResolveCarriesRelationships(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	ctx := context.Background()
	school := f.tenant(t, "school")
	family, student := uuid.New(), uuid.New()
	parent := f.user(t, "https://issuer.test", "parent")
	f.exec(t, school, "INSERT INTO accounts.memberships (tenant_id, user_id, roles, family_id) VALUES ($1, $2, '{parent}', $3)", school, parent, family)
	pupil := f.user(t, "https://issuer.test", "pupil")
	f.exec(t, school, "INSERT INTO accounts.memberships (tenant_id, user_id, roles, family_id, student_id) VALUES ($1, $2, '{student}', $3, $4)", school, pupil, family, student)
	teacher := f.user(t, "https://issuer.test", "teacher")
	f.join(t, school, teacher, "teacher")
	m, _ := newMembers(f, time.Minute)
	for _, tc := range []struct {
		name            string
		user            uuid.UUID
		family, student uuid.UUID
	}{
		{"parent", parent, family, uuid.Nil},
		{"student", pupil, family, student},
		{"teacher", teacher, uuid.Nil, uuid.Nil},
	} {
		got, member, err := m.Resolve(ctx, tc.user, school)
		if err != nil || !member || got.FamilyID != tc.family || got.StudentID != tc.student {
			t.Errorf("%s: %+v, %v, %v; want family %s student %s", tc.name, got, member, err, tc.family, tc.student)
		}
	}
}
