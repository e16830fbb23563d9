package aip

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
)

// Resource is what the standard methods need to know of one resource: its
// name pattern and how its store reads it. Q is the service's sqlc Queries,
// Row the row type of the resource.
type Resource[Q, Row any] struct {
	Pattern resname.Pattern
	// Queries opens the store on a connection or transaction.
	Queries func(tenantdb.DBTX) Q
	// Read returns the row the name names; pgx.ErrNoRows when there is none.
	Read func(ctx context.Context, q Q, name resname.Name) (Row, error)
	// Lock is Read with the row locked for the rest of the transaction.
	Lock func(ctx context.Context, q Q, name resname.Name) (Row, error)
	// Revision is the row's revision, of which the etag is made.
	Revision func(Row) int64
}

// NotFoundAs turns a missing row into NOT_FOUND for name.
func NotFoundAs(err error, name string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return apierror.NotFound(name)
	}
	return err
}

// Get reads the resource field names (AIP-131).
func (r Resource[Q, Row]) Get(ctx context.Context, db *tenantdb.DB, field, name string) (Row, error) {
	var zero Row
	n, err := r.Pattern.Parse(field, name)
	if err != nil {
		return zero, err
	}
	row, err := r.Read(ctx, r.Queries(db.Scoped(ctx)), n)
	if err != nil {
		return zero, NotFoundAs(err, name)
	}
	return row, nil
}

// Update changes the resource field names (AIP-134) in one transaction:
// the row is locked, NOT_FOUND when missing, ABORTED when etag is stale,
// then apply computes and stores the new row.
func (r Resource[Q, Row]) Update(ctx context.Context, db *tenantdb.DB, field, name, etag string, apply func(q Q, cur Row) (Row, error)) (Row, error) {
	var out Row
	err := r.locked(ctx, db, field, name, etag, func(q Q, cur Row) (err error) {
		out, err = apply(q, cur)
		return err
	})
	return out, err
}

// Delete removes the resource field names (AIP-135) as Update changes one;
// remove deletes the locked row.
func (r Resource[Q, Row]) Delete(ctx context.Context, db *tenantdb.DB, field, name, etag string, remove func(q Q, cur Row) error) error {
	return r.locked(ctx, db, field, name, etag, remove)
}

func (r Resource[Q, Row]) locked(ctx context.Context, db *tenantdb.DB, field, name, etag string, fn func(q Q, cur Row) error) error {
	n, err := r.Pattern.Parse(field, name)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := r.Queries(tx)
		cur, err := r.Lock(ctx, q, n)
		if err != nil {
			return NotFoundAs(err, name)
		}
		if err := CheckEtag(etag, r.Revision(cur), name); err != nil {
			return err
		}
		return fn(q, cur)
	})
}

// Idempotency is what a create stores with its row so that a retry finds it
// (AIP-155): the request_id, and the fingerprint of the request.
type Idempotency struct {
	RequestID   uuid.NullUUID
	Fingerprint []byte
}

// Create is an idempotent create of a Row (AIP-155).
type Create[Row any] struct {
	// Find returns the row created with requestID; pgx.ErrNoRows when none.
	Find func(ctx context.Context, requestID uuid.UUID) (Row, error)
	// Fingerprint returns the fingerprint stored with row.
	Fingerprint func(row Row) []byte
	// Insert checks the domain rules and stores the new row with key. When a
	// concurrent create with the same request_id got there first (ON
	// CONFLICT DO NOTHING) it returns pgx.ErrNoRows.
	Insert func(ctx context.Context, key Idempotency) (Row, error)
}

// Run creates the row for req, whose request_id field (already validated
// as a UUID, or empty) makes the create idempotent: a retry of the same
// request returns the row the first one created, and the same request_id
// with a different request is ALREADY_EXISTS with reason REQUEST_ID_REUSED.
func (c Create[Row]) Run(ctx context.Context, req proto.Message) (Row, error) {
	var zero Row
	key := Idempotency{RequestID: requestID(req)}
	if !key.RequestID.Valid {
		return c.Insert(ctx, key)
	}
	key.Fingerprint = Fingerprint(req)
	prior, err := c.Find(ctx, key.RequestID.UUID)
	switch {
	case err == nil:
		return c.replay(prior, key)
	case !errors.Is(err, pgx.ErrNoRows):
		return zero, err
	}
	row, err := c.Insert(ctx, key)
	if errors.Is(err, pgx.ErrNoRows) { // a concurrent retry won
		if prior, err = c.Find(ctx, key.RequestID.UUID); err != nil {
			return zero, err
		}
		return c.replay(prior, key)
	}
	return row, err
}

func (c Create[Row]) replay(prior Row, key Idempotency) (Row, error) {
	if !bytes.Equal(c.Fingerprint(prior), key.Fingerprint) {
		var zero Row
		return zero, apierror.RequestIDReused()
	}
	return prior, nil
}

// requestIDField is the AIP-155 field of a create request.
const requestIDField protoreflect.Name = "request_id"

func requestID(req proto.Message) uuid.NullUUID {
	msg := req.ProtoReflect()
	fd := msg.Descriptor().Fields().ByName(requestIDField)
	if fd == nil {
		return uuid.NullUUID{}
	}
	id, err := uuid.Parse(msg.Get(fd).String())
	return uuid.NullUUID{UUID: id, Valid: err == nil}
}

// Fingerprint is sha256 of the deterministic encoding of req with its
// request_id cleared: equal for a retry, different for any other request.
func Fingerprint(req proto.Message) []byte {
	msg := proto.Clone(req).ProtoReflect()
	if fd := msg.Descriptor().Fields().ByName(requestIDField); fd != nil {
		msg.Clear(fd)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg.Interface())
	if err != nil {
		panic(err) // a request that was just unmarshalled marshals again
	}
	sum := sha256.Sum256(b)
	return sum[:]
}
