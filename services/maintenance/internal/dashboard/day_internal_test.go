package dashboard

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestDayOf: a home's today, its next midnight (when the cache must end)
// and its twelve spend months, in its own zone across DST changes, a leap
// February and a midnight that does not exist.
func TestDayOf(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, zone string
		now        time.Time
		today      string
		midnight   time.Time
		// The first and last months and where the last one starts and ends.
		first, last           string
		lastStart, lastEnd    time.Time
		firstStart, firstEnds time.Time
	}{
		{name: "London, the night the clocks go forward (01:00 GMT → 02:00 BST)", zone: "Europe/London",
			now: utc("2027-03-28T00:30:00Z"), today: "2027-03-28", midnight: utc("2027-03-28T23:00:00Z"),
			first: "2026-04", last: "2027-03", lastStart: utc("2027-03-01T00:00:00Z"), lastEnd: utc("2027-03-31T23:00:00Z"),
			firstStart: utc("2026-03-31T23:00:00Z"), firstEnds: utc("2026-04-30T23:00:00Z")},
		{name: "Sydney, the night the clocks go back (03:00 AEDT → 02:00 AEST)", zone: "Australia/Sydney",
			now: utc("2027-04-03T16:30:00Z"), today: "2027-04-04", midnight: utc("2027-04-04T14:00:00Z"),
			first: "2026-05", last: "2027-04", lastStart: utc("2027-03-31T13:00:00Z"), lastEnd: utc("2027-04-30T14:00:00Z"),
			firstStart: utc("2026-04-30T14:00:00Z"), firstEnds: utc("2026-05-31T14:00:00Z")},
		{name: "a leap February in New York", zone: "America/New_York",
			now: utc("2028-02-29T23:30:00Z"), today: "2028-02-29", midnight: utc("2028-03-01T05:00:00Z"),
			first: "2027-03", last: "2028-02", lastStart: utc("2028-02-01T05:00:00Z"), lastEnd: utc("2028-03-01T05:00:00Z"),
			firstStart: utc("2027-03-01T05:00:00Z"), firstEnds: utc("2027-04-01T04:00:00Z")},
		{name: "Havana, whose clocks jump from midnight to 01:00", zone: "America/Havana",
			now: utc("2027-03-13T12:00:00Z"), today: "2027-03-13", midnight: utc("2027-03-14T05:00:00Z"), // 00:00 CST is 01:00 CDT
			first: "2026-04", last: "2027-03", lastStart: utc("2027-03-01T05:00:00Z"), lastEnd: utc("2027-04-01T04:00:00Z"),
			firstStart: utc("2026-04-01T04:00:00Z"), firstEnds: utc("2026-05-01T04:00:00Z")},
		{name: "the last evening of the year in Los Angeles, already next year in UTC", zone: "America/Los_Angeles",
			now: utc("2027-01-01T05:00:00Z"), today: "2026-12-31", midnight: utc("2027-01-01T08:00:00Z"),
			first: "2026-01", last: "2026-12", lastStart: utc("2026-12-01T08:00:00Z"), lastEnd: utc("2027-01-01T08:00:00Z"),
			firstStart: utc("2026-01-01T08:00:00Z"), firstEnds: utc("2026-02-01T08:00:00Z")},
	} {
		d, err := dayOf(uuid.Nil, tc.zone, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.today.Time.Format(time.DateOnly); got != tc.today {
			t.Errorf("%s: today %s, want %s", tc.name, got, tc.today)
		}
		if !d.midnight.Equal(tc.midnight) {
			t.Errorf("%s: next midnight %v, want %v", tc.name, d.midnight.UTC(), tc.midnight)
		}
		if len(d.months) != spendMonths {
			t.Fatalf("%s: %d months", tc.name, len(d.months))
		}
		f, l := d.months[0], d.months[len(d.months)-1]
		if f.label != tc.first || l.label != tc.last || !l.start.Equal(tc.lastStart) || !l.end.Equal(tc.lastEnd) ||
			!f.start.Equal(tc.firstStart) || !f.end.Equal(tc.firstEnds) {
			t.Errorf("%s: months %s [%v, %v) … %s [%v, %v)", tc.name, f.label, f.start.UTC(), f.end.UTC(), l.label, l.start.UTC(), l.end.UTC())
		}
		for i := 1; i < len(d.months); i++ {
			if !d.months[i].start.Equal(d.months[i-1].end) {
				t.Errorf("%s: a gap or overlap between %s and %s", tc.name, d.months[i-1].label, d.months[i].label)
			}
		}
	}
}
