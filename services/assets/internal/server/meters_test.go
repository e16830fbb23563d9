package server

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/aip/aiptest"
)

// TestCreateMeterReadingRefusesInvalidReadTime checks the handler's own
// check, behind the contract's rule: it answers before touching the store.
func TestCreateMeterReadingRefusesInvalidReadTime(t *testing.T) {
	t.Parallel()
	s := &Server{now: time.Now}
	parent := "tenants/" + uuid.NewString() + "/homes/" + uuid.NewString() + "/assets/" + uuid.NewString()
	for _, ts := range []*timestamppb.Timestamp{
		{Seconds: -1 << 62},
		{Seconds: time.Now().Unix(), Nanos: -1},
		{Seconds: time.Now().Unix(), Nanos: 1e9},
		{Seconds: 1 << 62},
	} {
		_, err := s.CreateMeterReading(context.Background(), &assetsv1.CreateMeterReadingRequest{Parent: parent,
			MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: 1, ReadTime: ts}})
		aiptest.RequireInvalidField(t, err, "meter_reading.read_time")
	}
}
