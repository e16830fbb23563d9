package aip

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
)

// Resource is what the standard methods (AIP-131..135) need to know of one
// resource, so that a service writes only its proto, its SQL and its domain
// rules. Q is the service's sqlc Queries, Row the resource's row type and M
// its message. A field left nil is a method the resource does not have.
type Resource[Q, Row any, M proto.Message] struct {
	Pattern resname.Pattern
	// Parent is the pattern of the parent a Create or List names.
	Parent resname.Pattern
	// Queries opens the store on a connection or transaction.
	Queries func(tenantdb.DBTX) Q
	// Read returns the row a name names; pgx.ErrNoRows when there is none.
	Read func(ctx context.Context, q Q, name resname.Name) (Row, error)
	// Lock is Read with the row locked for the rest of the transaction.
	Lock func(ctx context.Context, q Q, name resname.Name) (Row, error)
	// Revision is the row's revision, of which the etag is made.
	Revision func(Row) int64
	// Mutable lists the fields an Update may change (AIP-134).
	Mutable []string
	// Required lists the mutable fields an Update may not empty.
	Required []string
	// ByRequestID returns the row a create under parent with requestID made
	// (AIP-155); pgx.ErrNoRows when none did.
	ByRequestID func(ctx context.Context, q Q, parent resname.Name, requestID uuid.NullUUID) (Row, error)
	// Fingerprint is the request fingerprint stored with a row.
	Fingerprint func(Row) []byte
	// ListParent, when set, is the pattern of the parent a List names where
	// it differs from Parent, such as one with a wildcard (AIP-159).
	ListParent *resname.Pattern
	// ParentExists reports whether the parent exists: a List of a missing
	// parent is NOT_FOUND (AIP-132), not an empty page. Lists ask only when a
	// page comes back empty, so the common case stays one round trip.
	ParentExists func(ctx context.Context, q Q, parent resname.Name) (bool, error)
	// CheckParent, when set, runs first in a Create, also for a retry: the
	// parent must exist (NOT_FOUND otherwise) where no foreign key says so,
	// and may be locked to serialise the creates under it.
	CheckParent func(ctx context.Context, q Q, parent resname.Name) error
	// Proto converts a row. asked is the name (or parent) the request named,
	// for parts of the name that the row does not hold.
	Proto func(row Row, asked resname.Name) M
}

// NotFoundAs turns a missing row into NOT_FOUND for name.
func NotFoundAs(err error, name string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return apierror.NotFound(name)
	}
	return err
}

// Get reads the resource the request field names (AIP-131).
func (r Resource[Q, Row, M]) Get(ctx context.Context, db *tenantdb.DB, field, name string) (M, error) {
	var zero M
	n, err := r.Pattern.Parse(field, name)
	if err != nil {
		return zero, err
	}
	row, err := r.Read(ctx, r.Queries(db.Scoped(ctx)), n)
	if err != nil {
		return zero, NotFoundAs(err, name)
	}
	return r.Proto(row, n), nil
}

// Update answers an Update request (AIP-134): req carries the resource M,
// whose name and etag say which row and which revision, and its
// update_mask, resolved against Mutable. In one transaction the row is
// locked, NOT_FOUND when missing, ABORTED when the etag is stale; then apply
// computes and stores the new row from the mask.
func (r Resource[Q, Row, M]) Update(ctx context.Context, db *tenantdb.DB, req proto.Message, apply func(q Q, cur Row, mask Mask) (Row, error)) (M, error) {
	var out M
	field, in := r.resourceOf(req)
	mask, err := ResolveMask(fieldMaskOf(req), in.Interface(), r.Mutable...)
	if err != nil {
		return out, err
	}
	for _, f := range r.Required {
		if fd := in.Descriptor().Fields().ByName(protoreflect.Name(f)); mask.Has(f) && !in.Has(fd) {
			return out, apierror.InvalidField(field+"."+f, "cannot be empty")
		}
	}
	name, etag := stringField(in, "name"), stringField(in, "etag")
	err = r.locked(ctx, db, field+".name", name, etag, func(q Q, cur Row, n resname.Name) error {
		row, err := apply(q, cur, mask)
		if err == nil {
			out = r.Proto(row, n)
		}
		return err
	})
	return out, err
}

// resourceOf finds the field of req that holds an M.
func (r Resource[Q, Row, M]) resourceOf(req proto.Message) (string, protoreflect.Message) {
	var m M
	want := m.ProtoReflect().Descriptor().FullName()
	msg := req.ProtoReflect()
	fields := msg.Descriptor().Fields()
	for i := range fields.Len() {
		if fd := fields.Get(i); fd.Message() != nil && fd.Message().FullName() == want {
			return string(fd.Name()), msg.Get(fd).Message()
		}
	}
	panic(fmt.Sprintf("aip: %s carries no %s", msg.Descriptor().FullName(), want))
}

func fieldMaskOf(req proto.Message) *fieldmaskpb.FieldMask {
	msg := req.ProtoReflect()
	if fd := msg.Descriptor().Fields().ByName("update_mask"); fd != nil && msg.Has(fd) {
		mask, _ := msg.Get(fd).Message().Interface().(*fieldmaskpb.FieldMask)
		return mask
	}
	return nil
}

func stringField(msg protoreflect.Message, name protoreflect.Name) string {
	if fd := msg.Descriptor().Fields().ByName(name); fd != nil {
		return msg.Get(fd).String()
	}
	return ""
}

// Delete removes the resource the request field names (AIP-135) as Update
// changes one; remove deletes the locked row. The answer is Delete's
// (google.protobuf.Empty).
func (r Resource[Q, Row, M]) Delete(ctx context.Context, db *tenantdb.DB, field, name, etag string, remove func(q Q, cur Row) error) (*emptypb.Empty, error) {
	if err := r.locked(ctx, db, field, name, etag, func(q Q, cur Row, _ resname.Name) error { return remove(q, cur) }); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (r Resource[Q, Row, M]) locked(ctx context.Context, db *tenantdb.DB, field, name, etag string, fn func(q Q, cur Row, n resname.Name) error) error {
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
		return fn(q, cur, n)
	})
}

// ListRequest is what every List request (AIP-132) carries.
type ListRequest interface {
	GetParent() string
	GetPageToken() string
	GetPageSize() int32
}

// Page is the page a List by id asks the store for.
type Page struct {
	Parent resname.Name
	// After is the id the page starts after; uuid.Nil on the first page.
	After uuid.UUID
	// Limit is the number of rows to fetch: one more than the page size, to
	// know whether another page follows.
	Limit int32
}

// List answers a List whose rows are in id order: it reads the parent and
// page token (bound to the parent and to bound, e.g. the filter), fetches
// the page and converts it within pagetoken's limits.
func (r Resource[Q, Row, M]) List(ctx context.Context, db *tenantdb.DB, req ListRequest, id func(Row) uuid.UUID,
	fetch func(q Q, page Page) ([]Row, error), bound ...string) ([]M, string, error) {
	parentPattern := r.Parent
	if r.ListParent != nil {
		parentPattern = *r.ListParent
	}
	parent, err := parentPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, "", err
	}
	request := append([]string{req.GetParent()}, bound...)
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), request...)
	if err != nil {
		return nil, "", err
	}
	size := pagetoken.Size(req.GetPageSize())
	q := r.Queries(db.Scoped(ctx))
	rows, err := fetch(q, Page{Parent: parent, After: after, Limit: size + 1})
	if err != nil {
		return nil, "", err
	}
	if len(rows) == 0 && r.ParentExists != nil {
		ok, err := r.ParentExists(ctx, q, parent)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return nil, "", apierror.NotFound(req.GetParent())
		}
	}
	page, next := pagetoken.Page(rows, size, func(row Row) []string { return []string{id(row).String()} },
		func(row Row) M { return r.Proto(row, parent) }, request...)
	return page, next, nil
}

// Idempotency is what a create stores with its row so that a retry finds it
// (AIP-155): the request_id, and the fingerprint of the request.
type Idempotency struct {
	RequestID   uuid.NullUUID
	Fingerprint []byte
}

// Create makes the resource req asks for under its parent field (AIP-133),
// in one transaction. req's request_id (already validated as a UUID, or
// empty) makes it idempotent: a retry of the same request returns what the
// first one created, and the same request_id with a different request is
// ALREADY_EXISTS with reason REQUEST_ID_REUSED. insert checks the domain
// rules and stores the row with key; when a concurrent create with the same
// request_id got there first (ON CONFLICT DO NOTHING) it returns
// pgx.ErrNoRows.
func (r Resource[Q, Row, M]) Create(ctx context.Context, db *tenantdb.DB, req proto.Message, parentField, parent string,
	insert func(ctx context.Context, q Q, parent resname.Name, key Idempotency) (Row, error)) (M, error) {
	var out M
	p, err := r.Parent.Parse(parentField, parent)
	if err != nil {
		return out, err
	}
	key := Idempotency{RequestID: requestID(req)}
	if key.RequestID.Valid {
		key.Fingerprint = Fingerprint(req)
	}
	err = db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := r.Queries(tx)
		row, err := r.createOnce(ctx, q, p, key, insert)
		if err == nil {
			out = r.Proto(row, p)
		}
		return err
	})
	return out, err
}

func (r Resource[Q, Row, M]) createOnce(ctx context.Context, q Q, parent resname.Name, key Idempotency,
	insert func(ctx context.Context, q Q, parent resname.Name, key Idempotency) (Row, error)) (Row, error) {
	if r.CheckParent != nil {
		if err := r.CheckParent(ctx, q, parent); err != nil {
			var zero Row
			return zero, err
		}
	}
	if !key.RequestID.Valid {
		return insert(ctx, q, parent, key)
	}
	prior, err := r.ByRequestID(ctx, q, parent, key.RequestID)
	if errors.Is(err, pgx.ErrNoRows) {
		prior, err = insert(ctx, q, parent, key)
		if err == nil {
			return prior, nil
		}
		if errors.Is(err, pgx.ErrNoRows) { // a concurrent retry won; READ COMMITTED sees it now
			prior, err = r.ByRequestID(ctx, q, parent, key.RequestID)
		}
	}
	if err != nil {
		return prior, err
	}
	if !bytes.Equal(r.Fingerprint(prior), key.Fingerprint) {
		return prior, apierror.RequestIDReused()
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
