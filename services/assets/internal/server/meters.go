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
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets/internal/store"
)

// maxClockSkew is how far in the future a reading may be dated.
const maxClockSkew = 5 * time.Minute

func unitToDB(u assetsv1.MeterReading_Unit) string {
	return strings.ToLower(strings.TrimPrefix(u.String(), "UNIT_"))
}

func unitFromDB(s string) assetsv1.MeterReading_Unit {
	return assetsv1.MeterReading_Unit(assetsv1.MeterReading_Unit_value["UNIT_"+strings.ToUpper(s)])
}

func readingToProto(r store.AssetsMeterReading, homeID uuid.UUID) *assetsv1.MeterReading {
	return &assetsv1.MeterReading{
		Name:       assetName(r.TenantID, homeID, r.AssetID) + "/meterReadings/" + r.ReadingID.String(),
		Meter:      r.Meter,
		Unit:       unitFromDB(r.Unit),
		Value:      r.Value,
		ReadTime:   timestamppb.New(r.ReadTime),
		MeterReset: r.Reset,
		Note:       r.Note,
		CreateTime: timestamppb.New(r.CreateTime),
	}
}

// CreateMeterReading keeps each meter monotonic. Readings of one asset are
// serialised by locking the asset row, so two concurrent readings cannot both
// pass the check against the same predecessor.
func (s *Server) CreateMeterReading(ctx context.Context, req *assetsv1.CreateMeterReadingRequest) (*assetsv1.MeterReading, error) {
	ids, err := resname.Parse("parent", req.GetParent(), false, "tenants", "homes", "assets")
	if err != nil {
		return nil, err
	}
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
	rid := requestID(req.GetRequestId())
	var out store.AssetsMeterReading
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		if _, err := q.GetAssetForUpdate(ctx, store.GetAssetForUpdateParams{TenantID: ids[0], HomeID: ids[1], AssetID: ids[2]}); err != nil {
			return notFoundAs(err, req.GetParent())
		}
		if rid.Valid {
			prior, err := q.GetMeterReadingByRequestID(ctx, store.GetMeterReadingByRequestIDParams{TenantID: ids[0], RequestID: rid})
			if err == nil {
				if prior.AssetID != ids[2] {
					return apierror.FailedPrecondition("REQUEST_ID_REUSED", "request_id was already used for a reading of another asset")
				}
				out = prior
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		if err := checkMonotonic(ctx, q, ids[0], ids[2], in, readTime); err != nil {
			return err
		}
		out, err = q.CreateMeterReading(ctx, store.CreateMeterReadingParams{
			TenantID: ids[0], AssetID: ids[2], ReadingID: uuid.Must(uuid.NewV7()), Meter: in.GetMeter(),
			Unit: unitToDB(in.GetUnit()), Value: in.GetValue(), ReadTime: readTime, Reset: in.GetMeterReset(),
			Note: in.GetNote(), RequestID: rid,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return readingToProto(out, ids[1]), nil
}

func checkMonotonic(ctx context.Context, q *store.Queries, tenantID, assetID uuid.UUID, in *assetsv1.MeterReading, at time.Time) error {
	prev, err := q.PreviousMeterReading(ctx, store.PreviousMeterReadingParams{TenantID: tenantID, AssetID: assetID, Meter: in.GetMeter(), ReadTime: at})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return err
	default:
		if prev.Unit != unitToDB(in.GetUnit()) {
			return apierror.InvalidField("meter_reading.unit", fmt.Sprintf("meter %q is measured in %s", in.GetMeter(), strings.ToUpper(prev.Unit)))
		}
		if !in.GetMeterReset() && in.GetValue() < prev.Value {
			return apierror.FailedPrecondition("METER_WENT_BACKWARDS", fmt.Sprintf(
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
			return apierror.FailedPrecondition("METER_WENT_BACKWARDS", fmt.Sprintf(
				"meter %q read only %g later, at %s", in.GetMeter(), next.Value, next.ReadTime.Format(time.RFC3339)))
		}
	}
	return nil
}

func (s *Server) ListMeterReadings(ctx context.Context, req *assetsv1.ListMeterReadingsRequest) (*assetsv1.ListMeterReadingsResponse, error) {
	ids, err := resname.Parse("parent", req.GetParent(), false, "tenants", "homes", "assets")
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
	p := store.ListMeterReadingsParams{TenantID: ids[0], HomeID: ids[1], AssetID: ids[2], BeforeTime: before, BeforeID: beforeID, PageLimit: size + 1}
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
		if err := checkAssetExists(ctx, q, ids[0], ids[1], ids[2], req.GetParent()); err != nil {
			return nil, err
		}
	}
	rows, next := pagetoken.Page(rows, size, func(r store.AssetsMeterReading) []string {
		return []string{r.ReadTime.Format(time.RFC3339Nano), r.ReadingID.String()}
	}, req.GetParent(), req.GetMeter())
	resp := &assetsv1.ListMeterReadingsResponse{NextPageToken: next}
	for _, r := range rows {
		resp.MeterReadings = append(resp.MeterReadings, readingToProto(r, ids[1]))
	}
	return resp, nil
}
