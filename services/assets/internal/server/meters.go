package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/services/assets/internal/store"
)

// maxClockSkew is how far in the future a reading may be dated.
const maxClockSkew = 5 * time.Minute

// units has no default: the contract refuses an unspecified unit.
var units = aip.NewEnum(assetsv1.MeterReading_UNIT_UNSPECIFIED)

var readings = aip.Resource[*store.Queries, store.AssetsMeterReading, *assetsv1.MeterReading]{
	Pattern: readingPattern,
	Parent:  assetPattern,
	Queries: queries,
	ByRequestID: func(ctx context.Context, q *store.Queries, parent resname.Name, rid uuid.NullUUID) (store.AssetsMeterReading, error) {
		return q.GetMeterReadingByRequestID(ctx, store.GetMeterReadingByRequestIDParams{TenantID: parent.ID("tenant"), RequestID: rid})
	},
	Fingerprint: func(r store.AssetsMeterReading) []byte { return r.RequestFingerprint },
	// Readings of one asset are serialised by locking the asset row, so two
	// concurrent readings cannot both pass the check against the same
	// predecessor.
	CheckParent: func(ctx context.Context, q *store.Queries, parent resname.Name) error {
		_, err := lockAsset(ctx, q, parent)
		return aip.NotFoundAs(err, parent.String())
	},
	Proto: readingToProto,
}

// readingToProto converts r, whose row has no home: asked, the asset or
// reading the request named, has it.
func readingToProto(r store.AssetsMeterReading, asked resname.Name) *assetsv1.MeterReading {
	return readingProto(r, asked.ID("home"))
}

// readingProto converts r, a reading of an asset in home homeID.
func readingProto(r store.AssetsMeterReading, homeID uuid.UUID) *assetsv1.MeterReading {
	return &assetsv1.MeterReading{
		Name:       readingPattern.Format(r.TenantID, homeID, r.AssetID, r.ReadingID),
		Meter:      r.Meter,
		Unit:       units.FromDB(r.Unit),
		Value:      r.Value,
		ReadTime:   timestamppb.New(r.ReadTime),
		MeterReset: r.Reset,
		Note:       r.Note,
		CreateTime: timestamppb.New(r.CreateTime),
	}
}

// CreateMeterReading keeps each meter monotonic.
func (s *Server) CreateMeterReading(ctx context.Context, req *assetsv1.CreateMeterReadingRequest) (*assetsv1.MeterReading, error) {
	in := req.GetMeterReading()
	readTime := s.now()
	if in.GetReadTime() != nil {
		// The contract's rule should have refused this already; AsTime would
		// quietly normalise out-of-range nanos into some other time.
		if err := in.GetReadTime().CheckValid(); err != nil {
			return nil, apierror.InvalidField("meter_reading.read_time", "is not a valid timestamp")
		}
		readTime = in.GetReadTime().AsTime()
		if readTime.After(s.now().Add(maxClockSkew)) {
			return nil, apierror.InvalidField("meter_reading.read_time", "cannot be in the future")
		}
	}
	return readings.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, parent resname.Name, key aip.Idempotency) (store.AssetsMeterReading, error) {
		if err := checkMonotonic(ctx, q, parent.ID("tenant"), parent.ID("asset"), in, readTime); err != nil {
			return store.AssetsMeterReading{}, err
		}
		return q.CreateMeterReading(ctx, store.CreateMeterReadingParams{
			TenantID: parent.ID("tenant"), AssetID: parent.ID("asset"), ReadingID: uuid.Must(uuid.NewV7()), Meter: in.GetMeter(),
			Unit: units.ToDB(in.GetUnit()), Value: in.GetValue(), ReadTime: readTime, Reset: in.GetMeterReset(),
			Note: in.GetNote(), RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		})
	})
}

func checkMonotonic(ctx context.Context, q *store.Queries, tenantID, assetID uuid.UUID, in *assetsv1.MeterReading, at time.Time) error {
	prev, err := q.PreviousMeterReading(ctx, store.PreviousMeterReadingParams{TenantID: tenantID, AssetID: assetID, Meter: in.GetMeter(), ReadTime: at})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return err
	default:
		if prev.Unit != units.ToDB(in.GetUnit()) {
			return apierror.InvalidField("meter_reading.unit", fmt.Sprintf("meter %q is measured in %s", in.GetMeter(), strings.ToUpper(prev.Unit)))
		}
		if !in.GetMeterReset() && in.GetValue() < prev.Value {
			return apierror.FailedPrecondition(assetsv1.ErrorReason_ERROR_REASON_METER_WENT_BACKWARDS, fmt.Sprintf(
				"meter %q read %g at %s; a lower value needs reset=true", in.GetMeter(), prev.Value, prev.ReadTime.Format(time.RFC3339)))
		}
	}
	next, err := q.NextMeterReading(ctx, store.NextMeterReadingParams{TenantID: tenantID, AssetID: assetID, Meter: in.GetMeter(), ReadTime: at})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return err
	default:
		if !next.Reset && next.Value < in.GetValue() {
			return apierror.FailedPrecondition(assetsv1.ErrorReason_ERROR_REASON_METER_WENT_BACKWARDS, fmt.Sprintf(
				"meter %q read only %g later, at %s", in.GetMeter(), next.Value, next.ReadTime.Format(time.RFC3339)))
		}
	}
	return nil
}

func (s *Server) ListMeterReadings(ctx context.Context, req *assetsv1.ListMeterReadingsRequest) (*assetsv1.ListMeterReadingsResponse, error) {
	parent, err := assetPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	key, err := pagetoken.Decode(req.GetPageToken(), 2, req.GetParent(), req.GetMeter())
	if err != nil {
		return nil, err
	}
	// Start above every real key: newest first.
	before, beforeID := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), uuid.Max
	if key != nil {
		t, err1 := time.Parse(time.RFC3339Nano, key[0])
		id, err2 := uuid.Parse(key[1])
		if err1 != nil || err2 != nil {
			return nil, apierror.InvalidField("page_token", "malformed page token")
		}
		before, beforeID = t, id
	}
	q := store.New(s.db.Scoped(ctx))
	size := pagetoken.Size(req.GetPageSize())
	p := store.ListMeterReadingsParams{TenantID: parent.ID("tenant"), HomeID: parent.ID("home"), AssetID: parent.ID("asset"), BeforeTime: before, BeforeID: beforeID, PageLimit: size + 1}
	if req.GetMeter() != "" {
		p.Meter = pgtype.Text{String: req.GetMeter(), Valid: true}
	}
	// Empty unless the asset is in that home; only then distinguish "no such
	// asset" from "no readings yet".
	rows, err := q.ListMeterReadings(ctx, p)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if err := requireAsset(ctx, q, parent); err != nil {
			return nil, err
		}
	}
	resp := &assetsv1.ListMeterReadingsResponse{}
	resp.MeterReadings, resp.NextPageToken = pagetoken.Page(rows, size, func(r store.AssetsMeterReading) []string {
		return []string{r.ReadTime.Format(time.RFC3339Nano), r.ReadingID.String()}
	}, func(r store.AssetsMeterReading) *assetsv1.MeterReading { return readingToProto(r, parent) }, req.GetParent(), req.GetMeter())
	return resp, nil
}
