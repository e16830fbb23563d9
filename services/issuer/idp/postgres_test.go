package idp_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/db/dbtest"
	"steward.dev/services/issuer/idp"
)

func TestPostgresStore(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := t.Context()

	// Seed as the owner: the runtime role may only read devidp.users.
	owner, err := pgx.Connect(ctx, d.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	a := alice()
	seed := `INSERT INTO devidp.users (subject, email, display_name, password_hash) VALUES ($1, $2, $3, $4)`
	if _, err := owner.Exec(ctx, seed, a.Subject, "Alice@Example.com", a.DisplayName, a.PasswordHash); err != nil {
		t.Fatal(err)
	}
	// Two rows that differ only in case: allowed by the UNIQUE constraint,
	// but ambiguous for a case-insensitive lookup.
	for _, email := range []string{"twin@example.com", "TWIN@example.com"} {
		if _, err := owner.Exec(ctx, seed, "sub-"+email, email, "Twin", a.PasswordHash); err != nil {
			t.Fatal(err)
		}
	}

	pool, err := pgxpool.New(ctx, d.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := idp.NewPostgresStore(pool)

	got, err := store.UserByEmail(ctx, "alice@EXAMPLE.com")
	if err != nil {
		t.Fatal(err)
	}
	want := a
	want.Email = "Alice@Example.com"
	if got != want {
		t.Errorf("UserByEmail = %+v, want %+v", got, want)
	}
	if _, err := store.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, idp.ErrUnknownUser) {
		t.Errorf("unknown email: err = %v, want ErrUnknownUser", err)
	}
	if _, err := store.UserByEmail(ctx, "twin@example.com"); err == nil || errors.Is(err, idp.ErrUnknownUser) {
		t.Errorf("ambiguous email: err = %v, want a non-ErrUnknownUser error", err)
	}

	// End to end: the password grant signs in a database user.
	ts := startIssuer(t, func(c *idp.Config) { c.Users = store })
	resp, reply := postToken(t, ts, passwordForm("alice@example.com", alicePassword), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d (%s: %s), want 200", resp.StatusCode, reply.Error, reply.ErrorDescription)
	}
	var c accessClaims
	if err := parsePayload(reply.AccessToken, &c); err != nil {
		t.Fatal(err)
	}
	if c.Email != "Alice@Example.com" || c.Name != a.DisplayName || c.EmailVerified == nil || !*c.EmailVerified {
		t.Errorf("claims = %+v", c)
	}

	// A user whose email the issuer does not vouch for says so in the token.
	if _, err := owner.Exec(ctx, `INSERT INTO devidp.users (subject, email, display_name, password_hash, email_verified) VALUES ('sub-unverified', 'unverified@example.com', 'U', $1, false)`, a.PasswordHash); err != nil {
		t.Fatal(err)
	}
	resp, reply = postToken(t, ts, passwordForm("unverified@example.com", alicePassword), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("unverified: status = %d, want 200", resp.StatusCode)
	}
	c = accessClaims{}
	if err := parsePayload(reply.AccessToken, &c); err != nil {
		t.Fatal(err)
	}
	if c.EmailVerified == nil || *c.EmailVerified {
		t.Errorf("unverified user's claims = %+v; want email_verified false", c)
	}
}
