package schedule

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"00:00", "09:05", "17:00", "23:59"} {
		c, err := ParseClock(s)
		if err != nil || c.String() != s {
			t.Errorf("ParseClock(%q) = %v, %v", s, c, err)
		}
	}
	for _, s := range []string{"", "24:00", "9:00", "12:60", "ab:cd", "12-00"} {
		if _, err := ParseClock(s); err == nil {
			t.Errorf("ParseClock(%q) passed", s)
		}
	}
}

// TestAtKeepsLocalTimeAcrossSydneyDST: a 17:00 class stays at 17:00 in
// Sydney on both sides of both changes; its UTC time moves by the hour.
func TestAtKeepsLocalTimeAcrossSydneyDST(t *testing.T) {
	t.Parallel()
	syd, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	five := Clock(17 * 60)
	for _, tc := range []struct {
		name, day, utc string
	}{
		{"before DST ends (AEDT, +11)", "2027-03-29", "2027-03-29T06:00:00Z"},
		{"after DST ends, 4 Apr 2027 (AEST, +10)", "2027-04-05", "2027-04-05T07:00:00Z"},
		{"before DST starts (AEST, +10)", "2027-09-27", "2027-09-27T07:00:00Z"},
		{"after DST starts, 3 Oct 2027 (AEDT, +11)", "2027-10-04", "2027-10-04T06:00:00Z"},
		{"on the day DST ends", "2027-04-04", "2027-04-04T07:00:00Z"},
		{"on the day DST starts", "2027-10-03", "2027-10-03T06:00:00Z"},
		{"leap day 2028", "2028-02-29", "2028-02-29T06:00:00Z"},
	} {
		at := At(d(tc.day), five, syd)
		if got := at.UTC().Format(time.RFC3339); got != tc.utc {
			t.Errorf("%s: %s 17:00 Sydney = %s, want %s", tc.name, tc.day, got, tc.utc)
		}
		if local := at.In(syd); local.Hour() != 17 || local.Minute() != 0 || local.Format(time.DateOnly) != tc.day {
			t.Errorf("%s: local time %v, want 17:00 on %s", tc.name, local, tc.day)
		}
	}
}

func TestAtInTheGapAndTheRepeatedHour(t *testing.T) {
	t.Parallel()
	syd, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	// 02:30 on 3 Oct 2027 does not exist in Sydney (02:00 → 03:00): moved
	// forward by the gap, 03:30 AEDT.
	gap := At(d("2027-10-03"), Clock(2*60+30), syd)
	if got := gap.In(syd).Format("15:04 -0700"); got != "03:30 +1100" {
		t.Errorf("02:30 in the gap = %s, want 03:30 +1100", got)
	}
	// A 90-minute session from 01:30 on the night DST ends lasts 90 real
	// minutes.
	s := SlotAt(d("2027-04-04"), Clock(90), 90, syd)
	if s.End.Sub(s.Start) != 90*time.Minute {
		t.Errorf("slot across the change lasts %v", s.End.Sub(s.Start))
	}
}

func TestMondayAndWeekday(t *testing.T) {
	t.Parallel()
	for day, want := range map[string]string{"2027-02-01": "2027-02-01", "2027-02-07": "2027-02-01", "2028-03-01": "2028-02-28", "2027-01-01": "2026-12-28"} {
		if got := Monday(d(day)).Format(time.DateOnly); got != want {
			t.Errorf("Monday(%s) = %s, want %s", day, got, want)
		}
	}
	if ISOWeekday(d("2027-02-07")) != 7 || ISOWeekday(d("2027-02-01")) != 1 {
		t.Error("ISO weekdays")
	}
}
