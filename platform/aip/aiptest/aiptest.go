// Package aiptest checks a service's aip mappings against its migrated
// database, for the service's tests.
package aiptest

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
)

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
