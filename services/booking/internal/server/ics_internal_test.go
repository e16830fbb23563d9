package server

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"steward.dev/platform/icalfeed"
	"steward.dev/services/booking/internal/store"
)

// TestZoneChanges: the VTIMEZONE observances come from Go's tz data, with
// the onsets in the local time before each change.
func TestZoneChanges(t *testing.T) {
	t.Parallel()
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 5, 30, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		zone string
		want []string // onset (local, before it) from>to dst
	}{
		// Sydney: daylight since 4 Oct 2026 02:00, standard from 4 Apr 2027 03:00.
		{"Australia/Sydney", []string{"20261004T020000 +1000>+1100 true AEDT", "20270404T030000 +1100>+1000 false AEST"}},
		// New York at 1 Nov 00:00 UTC is still on daylight time (since
		// March): standard from 1 Nov 02:00, daylight again from 14 Mar.
		{"America/New_York", []string{"20260308T020000 -0500>-0400 true EDT", "20261101T020000 -0400>-0500 false EST", "20270314T020000 -0500>-0400 true EDT"}},
		// Kolkata has not changed since 1945: one fixed observance.
		{"Asia/Kolkata", []string{"19700101T000000 +0530>+0530 false IST"}},
		{"America/St_Johns", []string{"20260308T020000 -0330>-0230 true NDT", "20261101T020000 -0230>-0330 false NST", "20270314T020000 -0330>-0230 true NDT"}},
	} {
		var got []string
		for _, c := range zoneChanges(load(tc.zone), from, to) {
			got = append(got, strings.Join([]string{c.at.In(time.FixedZone("", c.from)).Format(icsLocal),
				icsOffset(c.from) + ">" + icsOffset(c.to), map[bool]string{true: "true", false: "false"}[c.dst], c.abbrev}, " "))
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n%s\nwant\n%s", tc.zone, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

func TestFeedCalendarText(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Australia/Sydney")
	start := time.Date(2027, 2, 2, 16, 0, 0, 0, loc)
	stamp := time.Date(2027, 1, 1, 9, 30, 0, 0, time.UTC)
	id := uuid.MustParse("0190f6a4-6a4e-7c3e-9d2b-3f1f2a3b4c5d")
	text := icalfeed.Serialize(feedCalendar("Steward: Elena", loc, start.AddDate(0, -1, 0), start.AddDate(0, 6, 0), []store.ListFeedSessionsRow{
		{SessionID: id, Kind: "placeholder", State: "cancelled", Sequence: 2, CancelReason: "Storm", CreateTime: stamp, UpdateTime: stamp,
			StartTime: start, EndTime: start.Add(time.Hour), RoomName: "Studio 1", Title: "Junior Strings A"},
	}))
	for _, line := range []string{
		"UID:" + id.String() + "@steward.dev", "DTSTART;TZID=Australia/Sydney:20270202T160000", "DTEND;TZID=Australia/Sydney:20270202T170000",
		"DTSTAMP:20270101T093000Z", "SEQUENCE:2", "STATUS:CANCELLED", "TRANSP:TRANSPARENT", "LOCATION:Studio 1",
		"SUMMARY:Junior Strings A (individual week)", "X-WR-CALNAME:Steward: Elena", "BEGIN:VTIMEZONE", "TZID:Australia/Sydney",
		"REFRESH-INTERVAL;VALUE=DURATION:PT1H", // RFC 7986: one VALUE parameter
	} {
		if !strings.Contains(text, "\r\n"+line+"\r\n") {
			t.Errorf("no line %q in\n%s", line, text)
		}
	}
}
