package server

import (
	"testing"

	"steward.dev/services/maintenance/internal/insight"
)

// TestMeterOf: a usage plan counts the meter it names, or the asset's one
// meter of its unit, never a guess between two.
func TestMeterOf(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plan  insight.Plan
		units map[string]string
		want  string
	}{
		{"the named meter", insight.Plan{Meter: "runtime", Unit: "hours"}, map[string]string{"runtime": "hours", "engine": "hours"}, "runtime"},
		{"the one meter of the unit", insight.Plan{Meter: "runtime", Unit: "hours"}, map[string]string{"compressor": "hours", "energy": "kilowatt_hours"}, "compressor"},
		{"two of the unit", insight.Plan{Meter: "runtime", Unit: "hours"}, map[string]string{"compressor": "hours", "fan": "hours"}, "runtime"},
		{"none of the unit", insight.Plan{Meter: "runtime", Unit: "hours"}, map[string]string{"odometer": "kilometers"}, "runtime"},
		{"a time plan", insight.Plan{}, map[string]string{"odometer": "kilometers"}, ""},
	} {
		if got := meterOf(tc.plan, tc.units); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
