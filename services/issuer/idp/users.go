package idp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrUnknownUser is returned by a UserStore when no user has the email.
var ErrUnknownUser = errors.New("idp: unknown user")

// User is an account that can sign in with the password grant.
type User struct {
	// Subject is the stable "sub" claim; never reuse one.
	Subject      string
	Email        string
	DisplayName  string
	PasswordHash string // bcrypt, see HashPassword
	// EmailVerified is the email_verified claim of the user's tokens.
	EmailVerified bool
}

// UserStore finds users by email, ignoring case. It returns ErrUnknownUser
// (possibly wrapped) when there is no such user.
type UserStore interface {
	UserByEmail(ctx context.Context, email string) (User, error)
}

// MemoryStore is a fixed, in-memory UserStore for tests and demos. It is
// safe for concurrent use because it never changes after construction.
type MemoryStore struct {
	byEmail map[string]User
}

// NewMemoryStore returns a store holding users. Emails must be unique
// ignoring case.
func NewMemoryStore(users ...User) (*MemoryStore, error) {
	m := &MemoryStore{byEmail: make(map[string]User, len(users))}
	for _, u := range users {
		key := strings.ToLower(u.Email)
		if _, dup := m.byEmail[key]; dup {
			return nil, fmt.Errorf("idp: duplicate user email %q", u.Email)
		}
		m.byEmail[key] = u
	}
	return m, nil
}

// UserByEmail implements UserStore.
func (m *MemoryStore) UserByEmail(_ context.Context, email string) (User, error) {
	u, ok := m.byEmail[strings.ToLower(email)]
	if !ok {
		return User{}, ErrUnknownUser
	}
	return u, nil
}

// PostgresStore reads users from the devidp.users table.
type PostgresStore struct {
	pool *pgxpool.Pool
}

// NewPostgresStore returns a store that queries through pool. The runtime
// role only needs SELECT on devidp.users.
func NewPostgresStore(pool *pgxpool.Pool) *PostgresStore {
	return &PostgresStore{pool: pool}
}

// The UNIQUE constraint on email is case-sensitive, so two rows may differ
// only in case; LIMIT 2 lets us refuse that instead of picking one at random.
const userByEmailSQL = `
SELECT subject, email, display_name, password_hash, email_verified
FROM devidp.users
WHERE lower(email) = lower($1)
LIMIT 2`

// UserByEmail implements UserStore.
func (s *PostgresStore) UserByEmail(ctx context.Context, email string) (User, error) {
	rows, err := s.pool.Query(ctx, userByEmailSQL, email)
	if err != nil {
		return User{}, fmt.Errorf("idp: query user: %w", err)
	}
	u, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (User, error) {
		var u User
		err := row.Scan(&u.Subject, &u.Email, &u.DisplayName, &u.PasswordHash, &u.EmailVerified)
		return u, err
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return User{}, ErrUnknownUser
	case errors.Is(err, pgx.ErrTooManyRows):
		return User{}, fmt.Errorf("idp: several users share email %q ignoring case", email)
	case err != nil:
		return User{}, fmt.Errorf("idp: read user: %w", err)
	}
	return u, nil
}
