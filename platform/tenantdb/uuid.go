package tenantdb

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// RegisterUUID teaches a connection's type map google/uuid's UUID and
// NullUUID, the types every store's ids are, as PostgreSQL's uuid in its
// 16-byte binary form, alone and in arrays. Without it pgx knows them only
// as a driver.Valuer and sql.Scanner: each parameter became a string, failed
// to encode as binary (building an error), was parsed back and encoded, and
// each column came back as text to be parsed again — about 6 % of a
// booking's CPU in Steward. Call it from pgxpool.Config.AfterConnect.
func RegisterUUID(m *pgtype.Map) {
	t := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
}

// uuidCodec is pgtype.UUIDCodec with plans of its own for uuid.UUID and
// uuid.NullUUID; every other Go type goes to pgtype.UUIDCodec as before.
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	switch value.(type) {
	case uuid.UUID:
		if format == pgtype.BinaryFormatCode {
			return encodeUUID{}
		}
		return encodeUUIDText{}
	case uuid.NullUUID:
		if format == pgtype.BinaryFormatCode {
			return encodeNullUUID{}
		}
		return encodeNullUUIDText{}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if format == pgtype.BinaryFormatCode {
		switch target.(type) {
		case *uuid.UUID:
			return scanUUID{}
		case *uuid.NullUUID:
			return scanNullUUID{}
		}
	}
	// Text (pgx asks for binary whenever it can) still goes through
	// their sql.Scanner.
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

type encodeUUID struct{}

func (encodeUUID) Encode(value any, buf []byte) ([]byte, error) {
	u := value.(uuid.UUID)
	return append(buf, u[:]...), nil
}

type encodeNullUUID struct{}

func (encodeNullUUID) Encode(value any, buf []byte) ([]byte, error) {
	u := value.(uuid.NullUUID)
	if !u.Valid {
		return nil, nil // NULL
	}
	return append(buf, u.UUID[:]...), nil
}

type encodeUUIDText struct{}

func (encodeUUIDText) Encode(value any, buf []byte) ([]byte, error) {
	return append(buf, value.(uuid.UUID).String()...), nil
}

type encodeNullUUIDText struct{}

func (encodeNullUUIDText) Encode(value any, buf []byte) ([]byte, error) {
	u := value.(uuid.NullUUID)
	if !u.Valid {
		return nil, nil
	}
	return append(buf, u.UUID.String()...), nil
}

type scanUUID struct{}

// Scan leaves the UUID as it is on NULL, as uuid.UUID's own Scan (which
// pgx called before) does.
func (scanUUID) Scan(src []byte, dst any) error {
	if src == nil {
		return nil
	}
	if len(src) != len(uuid.UUID{}) {
		return fmt.Errorf("invalid length for a binary uuid: %d", len(src))
	}
	copy(dst.(*uuid.UUID)[:], src)
	return nil
}

type scanNullUUID struct{}

func (scanNullUUID) Scan(src []byte, dst any) error {
	d := dst.(*uuid.NullUUID)
	if src == nil {
		*d = uuid.NullUUID{}
		return nil
	}
	if len(src) != len(uuid.UUID{}) {
		return fmt.Errorf("invalid length for a binary uuid: %d", len(src))
	}
	d.Valid = true
	copy(d.UUID[:], src)
	return nil
}
