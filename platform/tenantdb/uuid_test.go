package tenantdb_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"steward.dev/db/dbtest"
	"steward.dev/platform/tenantdb"
)

// TestUUIDRoundTrips: with RegisterUUID, UUID and NullUUID (valid and
// NULL), alone and in arrays, go to PostgreSQL and come back unchanged, in
// both the binary form and the text form pgx uses for a parameter typed as
// text.
func TestUUIDRoundTrips(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	conn, err := pgx.Connect(ctx, d.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tenantdb.RegisterUUID(conn.TypeMap())

	a, b := uuid.New(), uuid.New()
	var (
		gotA       uuid.UUID
		gotValid   uuid.NullUUID
		gotNull    = uuid.NullUUID{UUID: b, Valid: true} // must be cleared
		gotArray   []uuid.UUID
		gotText    string
		gotNullArr []uuid.NullUUID
	)
	err = conn.QueryRow(ctx, "SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid[], $5::text, $6::uuid[]",
		a, uuid.NullUUID{UUID: b, Valid: true}, uuid.NullUUID{}, []uuid.UUID{a, b}, a, []uuid.NullUUID{{UUID: a, Valid: true}, {}}).
		Scan(&gotA, &gotValid, &gotNull, &gotArray, &gotText, &gotNullArr)
	if err != nil {
		t.Fatal(err)
	}
	if gotA != a || gotValid != (uuid.NullUUID{UUID: b, Valid: true}) || gotNull.Valid || gotText != a.String() {
		t.Errorf("got %v, %v, %v, %q; want %v, %v, NULL, %q", gotA, gotValid, gotNull, gotText, a, b, a.String())
	}
	if len(gotArray) != 2 || gotArray[0] != a || gotArray[1] != b {
		t.Errorf("array = %v, want [%v %v]", gotArray, a, b)
	}
	if len(gotNullArr) != 2 || gotNullArr[0] != (uuid.NullUUID{UUID: a, Valid: true}) || gotNullArr[1].Valid {
		t.Errorf("nullable array = %v, want [%v NULL]", gotNullArr, a)
	}
	// A uuid column read as text, and text read into a UUID, still work.
	var asText string
	var fromText uuid.UUID
	if err := conn.QueryRow(ctx, "SELECT $1::uuid::text, $2::text::uuid", a, b.String()).Scan(&asText, &fromText); err != nil {
		t.Fatal(err)
	}
	if asText != a.String() || fromText != b {
		t.Errorf("text conversions: %q, %v; want %q, %v", asText, fromText, a.String(), b)
	}
}

// TestUUIDEncodesWithoutText: a registered map encodes a UUID as its 16
// bytes with no allocation at all; pgx's own path formats it as a string,
// fails to encode that as binary (building an error) and parses it back.
func TestUUIDEncodesWithoutText(t *testing.T) {
	m := pgtype.NewMap()
	tenantdb.RegisterUUID(m)
	u := uuid.New()
	buf := make([]byte, 0, 64)
	out, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, u, buf)
	if err != nil || string(out) != string(u[:]) {
		t.Fatalf("Encode = %x, %v; want %x", out, err, u[:])
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, u, buf[:0]) }); n > 1 {
		t.Errorf("encoding a UUID allocates %.0f times, want at most 1 (the interface conversion)", n)
	}
	var back uuid.UUID
	if err := m.Scan(pgtype.UUIDOID, pgtype.BinaryFormatCode, u[:], &back); err != nil || back != u {
		t.Errorf("Scan = %v, %v; want %v", back, err, u)
	}
	if n := testing.AllocsPerRun(100, func() { _ = m.Scan(pgtype.UUIDOID, pgtype.BinaryFormatCode, u[:], &back) }); n > 0 {
		t.Errorf("scanning a UUID allocates %.0f times, want none", n)
	}
}
