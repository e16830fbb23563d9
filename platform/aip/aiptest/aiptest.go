// Package aiptest helps a service's tests check what it builds on
// platform/aip: its enum mappings against the migrated database, and the
// INVALID_ARGUMENT answers of its rules.
package aiptest

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"

	"steward.dev/platform/apierror"
)

// RequireInvalidField fails t unless err is INVALID_ARGUMENT naming field
// (or a field inside it).
func RequireInvalidField(t *testing.T, err error, field string) {
	t.Helper()
	var e *apierror.Error
	if !errors.As(err, &e) || e.Code != codes.InvalidArgument {
		t.Fatalf("error %v, want INVALID_ARGUMENT on %s", err, field)
	}
	for _, v := range e.Violations {
		if v.Field == field || strings.HasPrefix(v.Field, field+".") {
			return
		}
	}
	t.Fatalf("error %v does not name %s: %+v", err, field, e.Violations)
}

// Stored is what an aip.Enum stores.
type Stored interface{ Stored() []string }

// EnumColumn names an enum mapping and the CHECK constraint of the column
// it is stored in.
type EnumColumn struct {
	Enum       Stored
	Table      string // "assets.locations"
	Constraint string // "locations_kind_check"
}

// literal is one quoted value in a constraint's definition: 'room'::text.
var literal = regexp.MustCompile(`'((?:[^']|'')*)'`)

// CheckEnums fails t unless each enum's stored values are exactly the values
// its column's CHECK constraint allows, read from pg_constraint of the
// database at ownerURL (so the test follows the migrations, not a copy).
func CheckEnums(t *testing.T, ownerURL string, columns ...EnumColumn) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, c := range columns {
		var def string
		err := conn.QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid = $1::regclass AND conname = $2 AND contype = 'c'`, c.Table, c.Constraint).Scan(&def)
		if err != nil {
			t.Errorf("%s.%s: %v", c.Table, c.Constraint, err)
			continue
		}
		var allowed []string
		for _, m := range literal.FindAllStringSubmatch(def, -1) {
			allowed = append(allowed, m[1])
		}
		stored := slices.Clone(c.Enum.Stored())
		slices.Sort(allowed)
		slices.Sort(stored)
		if !slices.Equal(allowed, stored) {
			t.Errorf("%s.%s allows %v (%s); the enum stores %v", c.Table, c.Constraint, allowed, def, stored)
		}
	}
}
