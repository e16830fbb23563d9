package aip

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
)

// table is a store of one resource kind keyed by request_id, standing in
// for a service's SQL.
type table struct {
	rows    map[uuid.UUID]row
	inserts int
	// raceWith, when set, is inserted by "another request" just before our
	// insert, which then finds the request_id taken.
	raceWith *row
}

type row struct {
	id          string
	fingerprint []byte
}

func testResource() Resource[*table, row, *assetsv1.Home] {
	return Resource[*table, row, *assetsv1.Home]{
		ByRequestID: func(_ context.Context, q *table, _ resname.Name, rid uuid.NullUUID) (row, error) {
			r, ok := q.rows[rid.UUID]
			if !ok {
				return row{}, pgx.ErrNoRows
			}
			return r, nil
		},
		Fingerprint: func(r row) []byte { return r.fingerprint },
	}
}

func (q *table) insert(_ context.Context, _ *table, _ resname.Name, key Idempotency) (row, error) {
	q.inserts++
	if q.raceWith != nil {
		q.rows[key.RequestID.UUID] = *q.raceWith
		return row{}, pgx.ErrNoRows // ON CONFLICT DO NOTHING
	}
	r := row{id: uuid.NewString(), fingerprint: key.Fingerprint}
	if key.RequestID.Valid {
		q.rows[key.RequestID.UUID] = r
	}
	return r, nil
}

func create(t *testing.T, q *table, req *assetsv1.CreateHomeRequest) (row, error) {
	t.Helper()
	r := testResource()
	key := Idempotency{RequestID: requestID(req)}
	if key.RequestID.Valid {
		key.Fingerprint = Fingerprint(req)
	}
	return r.createOnce(context.Background(), q, resname.Name{}, key, q.insert)
}

func TestCreateIsIdempotent(t *testing.T) {
	t.Parallel()
	q := &table{rows: map[uuid.UUID]row{}}
	rid := uuid.NewString()
	req := &assetsv1.CreateHomeRequest{Parent: "tenants/t", RequestId: rid, Home: &assetsv1.Home{DisplayName: "A", TimeZone: "UTC"}}
	first, err := create(t, q, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := create(t, q, proto.Clone(req).(*assetsv1.CreateHomeRequest))
	if err != nil || again.id != first.id || q.inserts != 1 {
		t.Fatalf("retry = %v, %v after %d inserts; want the first row %s and no second insert", again, err, q.inserts, first.id)
	}
	// Without a request_id every create is a new one.
	noID := proto.Clone(req).(*assetsv1.CreateHomeRequest)
	noID.RequestId = ""
	a, _ := create(t, q, noID)
	b, _ := create(t, q, noID)
	if a.id == b.id {
		t.Fatal("two creates without a request_id made one row")
	}
}

func TestCreateRefusesAReusedRequestID(t *testing.T) {
	t.Parallel()
	q := &table{rows: map[uuid.UUID]row{}}
	rid := uuid.NewString()
	req := &assetsv1.CreateHomeRequest{Parent: "tenants/t", RequestId: rid, Home: &assetsv1.Home{DisplayName: "A", TimeZone: "UTC"}}
	if _, err := create(t, q, req); err != nil {
		t.Fatal(err)
	}
	for _, change := range []func(*assetsv1.CreateHomeRequest){
		func(r *assetsv1.CreateHomeRequest) { r.Home.DisplayName = "B" },
		func(r *assetsv1.CreateHomeRequest) { r.Parent = "tenants/u" },
		func(r *assetsv1.CreateHomeRequest) { r.Home.Address = &assetsv1.PostalAddress{Locality: "Bath"} },
	} {
		other := proto.Clone(req).(*assetsv1.CreateHomeRequest)
		change(other)
		_, err := create(t, q, other)
		requireReused(t, err)
	}
	// A concurrent create that wins the race is found, and compared too.
	raced := &table{rows: map[uuid.UUID]row{}, raceWith: &row{id: "winner", fingerprint: Fingerprint(req)}}
	if got, err := create(t, raced, req); err != nil || got.id != "winner" {
		t.Fatalf("lost race, same request: %v %v; want the winner's row", got, err)
	}
	raced = &table{rows: map[uuid.UUID]row{}, raceWith: &row{id: "winner", fingerprint: []byte("other")}}
	_, err := create(t, raced, req)
	requireReused(t, err)
}

func requireReused(t *testing.T, err error) {
	t.Helper()
	var e *apierror.Error
	if !errors.As(err, &e) || e.Code != codes.AlreadyExists || e.Reason != "REQUEST_ID_REUSED" {
		t.Fatalf("error %v, want ALREADY_EXISTS REQUEST_ID_REUSED", err)
	}
}

func TestFingerprintIgnoresOnlyTheRequestID(t *testing.T) {
	t.Parallel()
	a := &assetsv1.CreateAttachmentRequest{Parent: "p", RequestId: uuid.NewString(), Content: []byte("x"),
		Attachment: &assetsv1.Attachment{Filename: "a.txt"}}
	b := proto.Clone(a).(*assetsv1.CreateAttachmentRequest)
	b.RequestId = uuid.NewString()
	if string(Fingerprint(a)) != string(Fingerprint(b)) {
		t.Fatal("the request_id changed the fingerprint")
	}
	b.Content = []byte("y")
	if string(Fingerprint(a)) == string(Fingerprint(b)) {
		t.Fatal("other content, same fingerprint")
	}
	if a.GetRequestId() == "" {
		t.Fatal("Fingerprint cleared the caller's request_id")
	}
}

func TestEnum(t *testing.T) {
	t.Parallel()
	kinds := NewEnum(assetsv1.Location_KIND_ROOM)
	if kinds.ToDB(assetsv1.Location_KIND_UNSPECIFIED) != "room" || kinds.ToDB(assetsv1.Location_KIND_OUTDOOR) != "outdoor" {
		t.Errorf("ToDB: %q %q", kinds.ToDB(0), kinds.ToDB(assetsv1.Location_KIND_OUTDOOR))
	}
	if kinds.FromDB("area") != assetsv1.Location_KIND_AREA || kinds.FromDB("attic") != assetsv1.Location_KIND_UNSPECIFIED {
		t.Errorf("FromDB: %v %v", kinds.FromDB("area"), kinds.FromDB("attic"))
	}
	statuses := NewEnum(assetsv1.Asset_STATUS_IN_SERVICE)
	for in, want := range map[string]assetsv1.Asset_Status{
		"RETIRED": assetsv1.Asset_STATUS_RETIRED, "STATUS_RETIRED": assetsv1.Asset_STATUS_RETIRED,
		"UNSPECIFIED": 0, "STATUS_UNSPECIFIED": 0, "retired": 0, "": 0,
	} {
		if got, ok := statuses.Parse(in); got != want || ok != (want != 0) {
			t.Errorf("Parse(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	if got := statuses.Names(); got != "IN_SERVICE, OUT_OF_SERVICE, RETIRED" {
		t.Errorf("Names = %q", got)
	}
	if units := NewEnum(assetsv1.MeterReading_UNIT_UNSPECIFIED); units.ToDB(0) != "" || units.ToDB(assetsv1.MeterReading_UNIT_KILOWATT_HOURS) != "kilowatt_hours" {
		t.Errorf("no default: %q, %q", units.ToDB(0), units.ToDB(assetsv1.MeterReading_UNIT_KILOWATT_HOURS))
	}
}

func TestEtag(t *testing.T) {
	t.Parallel()
	if err := CheckEtag("", 3, "n"); err != nil {
		t.Errorf("no etag: %v", err)
	}
	if err := CheckEtag(Etag(3), 3, "n"); err != nil {
		t.Errorf("current etag: %v", err)
	}
	var e *apierror.Error
	if err := CheckEtag(Etag(2), 3, "n"); !errors.As(err, &e) || e.Reason != apierror.ReasonEtagMismatch {
		t.Errorf("stale etag: %v", err)
	}
}
