package seed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// reading is one row of assets.meter_readings.
type reading struct {
	id, asset   uuid.UUID
	meter, unit string
	value       float64
	at          time.Time
	reset       bool
	note        string
}

// series describes one meter's history. Reading ids are keyed by position
// in the series, and every series has a fixed length, so re-seeding on a
// later day adds no rows.
type series struct {
	home, asset, meter, unit string
	times                    []time.Time
	start                    float64 // the meter's value before the first reading's usage
	decimals                 int     // recorded precision: 0 for counters, 1 for hours
	// usage returns what the meter advanced by up to t, and an optional note.
	usage func(r *rand.Rand, t time.Time, i int) (float64, string)
	// resetAt is the index of the reading at which the meter restarted from
	// zero (0: never), and resetNote says why.
	resetAt   int
	resetNote string
}

// Heating and cooling hours per month in Saint Paul, indexed by the month
// the usage happened in: furnaces work hard from November to March.
var (
	furnaceHours = [13]float64{0, 390, 330, 260, 140, 45, 6, 0, 0, 18, 120, 250, 360}
	coolingHours = [13]float64{0, 0, 0, 0, 0, 18, 95, 190, 165, 50, 4, 0, 0}
)

// readings generates the household's meter history, ending just before now.
func readings(now time.Time) []reading {
	// 18:00 UTC yesterday is always in the past, whatever time now is.
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	last := today.AddDate(0, 0, -1).Add(18 * time.Hour)

	all := []series{
		{home: "main", asset: "furnace", meter: "runtime", unit: "hours", times: monthly(last, 96), start: 1_870, decimals: 1,
			usage: func(r *rand.Rand, t time.Time, _ int) (float64, string) {
				return furnaceHours[t.AddDate(0, -1, 0).Month()] * (0.85 + 0.3*r.Float64()), ""
			}},
		{home: "main", asset: "air-conditioner", meter: "compressor", unit: "hours", times: monthly(last, 72), decimals: 1,
			usage: func(r *rand.Rand, t time.Time, _ int) (float64, string) {
				return coolingHours[t.AddDate(0, -1, 0).Month()] * (0.7 + 0.6*r.Float64()), ""
			}},
		{home: "main", asset: "generator", meter: "engine", unit: "hours", times: every(last, 7, 208), start: 3.1, decimals: 1,
			usage: func(r *rand.Rand, t time.Time, i int) (float64, string) {
				h := 0.2 // the weekly 12-minute exercise
				note := ""
				if r.Float64() < 0.04 {
					outage := 1.5 + 30*r.Float64()*r.Float64()
					h += outage
					note = "Power outage: ran " + strconv.FormatFloat(math.Round(outage*10)/10, 'f', 1, 64) + " h"
				}
				if i%52 == 30 {
					note = "Annual service: oil, oil filter, air filter, spark plugs"
				}
				return h, note
			}},
		{home: "main", asset: "ev-charger", meter: "energy", unit: "kilowatt_hours", times: every(last, 1, 3*365), decimals: 1,
			usage: func(r *rand.Rand, t time.Time, _ int) (float64, string) {
				chance := 0.85
				if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
					chance = 0.5
				}
				if r.Float64() > chance {
					return 0, ""
				}
				return 8 + 8.5*r.Float64(), "" // the RAV4 Prime's 18 kWh pack, rarely empty
			}},
		{home: "main", asset: "washer", meter: "cycles", unit: "cycles", times: every(last, 7, 260),
			usage: func(r *rand.Rand, _ time.Time, _ int) (float64, string) {
				return float64(4 + r.IntN(6)), ""
			},
			resetAt: 104, resetNote: "Main control board replaced (dE error); cycle counter restarted"},
		{home: "main", asset: "dryer", meter: "cycles", unit: "cycles", times: every(last, 7, 260),
			usage: func(r *rand.Rand, _ time.Time, _ int) (float64, string) {
				return float64(3 + r.IntN(6)), ""
			}},
		{home: "main", asset: "water-softener", meter: "regenerations", unit: "cycles", times: monthly(last, 60), start: 2,
			usage: func(r *rand.Rand, _ time.Time, _ int) (float64, string) {
				return float64(3 + r.IntN(3)), ""
			}},
		{home: "main", asset: "rav4", meter: "odometer", unit: "kilometers", times: monthly(last, 44), start: 12,
			usage: func(r *rand.Rand, t time.Time, _ int) (float64, string) {
				km := 900 + 600*r.Float64()
				if m := t.AddDate(0, -1, 0).Month(); m == time.July || m == time.August {
					return km + 1_800, "Includes the drive to the cabin and back"
				}
				return km, ""
			}},
		{home: "main", asset: "outback", meter: "odometer", unit: "kilometers", times: monthly(last, 96), start: 41_300,
			usage: func(r *rand.Rand, _ time.Time, _ int) (float64, string) {
				return 600 + 600*r.Float64(), ""
			}},
		{home: "main", asset: "mower", meter: "engine", unit: "hours", times: mowingSeasons(last, 5), start: 4, decimals: 1,
			usage: func(r *rand.Rand, _ time.Time, _ int) (float64, string) {
				return 2 + 3*r.Float64(), ""
			}},
	}

	var out []reading
	for _, s := range all {
		r := rand.New(rand.NewPCG(uint64(jitter(s.home+s.asset+s.meter, math.MaxInt32)), 1))
		asset := id("asset:" + s.home + ":" + s.asset)
		value, scale := s.start, math.Pow10(s.decimals)
		for i, t := range s.times {
			inc, note := s.usage(r, t, i)
			reset := i > 0 && i == s.resetAt
			if reset {
				value, note = 0, s.resetNote
			}
			value += inc
			out = append(out, reading{
				id:    id(fmt.Sprintf("reading:%s:%s:%s:%d", s.home, s.asset, s.meter, i)),
				asset: asset,
				meter: s.meter,
				unit:  s.unit,
				// Rounding down keeps the series non-decreasing.
				value: math.Floor(value*scale) / scale,
				at:    t,
				reset: reset,
				note:  note,
			})
		}
	}
	return out
}

// monthly returns n reading times on the first of each month, the last in
// the month of last.
func monthly(last time.Time, n int) []time.Time {
	first := time.Date(last.Year(), last.Month(), 1, 18, 0, 0, 0, time.UTC)
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = first.AddDate(0, -(n - 1 - i), 0)
	}
	return ts
}

// every returns n reading times days apart, the last at last.
func every(last time.Time, days, n int) []time.Time {
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = last.AddDate(0, 0, -days*(n-1-i))
	}
	return ts
}

// mowingSeasons returns month-end readings from May to October for the
// last n completed mowing seasons.
func mowingSeasons(last time.Time, n int) []time.Time {
	year := last.Year()
	if last.Before(time.Date(year, time.November, 1, 0, 0, 0, 0, time.UTC)) {
		year--
	}
	var ts []time.Time
	for y := year - n + 1; y <= year; y++ {
		for m := time.May; m <= time.October; m++ {
			ts = append(ts, time.Date(y, m+1, 1, 18, 0, 0, 0, time.UTC).AddDate(0, 0, -1))
		}
	}
	return ts
}

// writeReadings inserts all readings in one statement: a few thousand rows
// go through unnest in well under a second, and unlike COPY it can skip
// rows that already exist.
func writeReadings(ctx context.Context, tx pgx.Tx, rs []reading) error {
	n := len(rs)
	var (
		ids    = make([]uuid.UUID, n)
		assets = make([]uuid.UUID, n)
		meters = make([]string, n)
		units  = make([]string, n)
		values = make([]float64, n)
		times  = make([]time.Time, n)
		resets = make([]bool, n)
		notes  = make([]string, n)
	)
	for i, r := range rs {
		ids[i], assets[i], meters[i], units[i] = r.id, r.asset, r.meter, r.unit
		values[i], times[i], resets[i], notes[i] = r.value, r.at, r.reset, r.note
	}
	_, err := tx.Exec(ctx, `INSERT INTO assets.meter_readings
			(tenant_id, reading_id, asset_id, meter, unit, value, read_time, reset, note)
		SELECT $1, r.* FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::float8[],
			$7::timestamptz[], $8::bool[], $9::text[]) AS r
		ON CONFLICT DO NOTHING`,
		HouseholdTenantID, ids, assets, meters, units, values, times, resets, notes)
	if err != nil {
		return fmt.Errorf("write meter readings: %w", err)
	}
	return nil
}
