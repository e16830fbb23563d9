package server

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"

	"steward.dev/platform/icalfeed"
	"steward.dev/services/booking/internal/store"
)

// icsLocal is a DATE-TIME in the local time of a TZID (RFC 5545 3.3.5, form 3).
const icsLocal = "20060102T150405"

// feedCalendar makes sessions an RFC 5545 calendar named name. Times
// are local to loc with its VTIMEZONE (covering [from, to)), or plain UTC
// when loc is UTC. DTSTAMP is the session's last change, so an unchanged
// session serialises the same on every fetch.
func feedCalendar(name string, loc *time.Location, from, to time.Time, sessions []store.ListFeedSessionsRow) *ics.Calendar {
	cal := icalfeed.NewCalendar(name)
	utc := loc.String() == "UTC"
	if !utc {
		cal.SetXWRTimezone(loc.String())
		addVTimezone(cal, loc, from, to)
	}
	at := func(t time.Time) (string, []ics.PropertyParameter) {
		if utc {
			return t.UTC().Format("20060102T150405Z"), nil
		}
		return t.In(loc).Format(icsLocal), []ics.PropertyParameter{ics.WithTZID(loc.String())}
	}
	for _, s := range sessions {
		ev := cal.AddEvent(s.SessionID.String() + icalfeed.UIDDomain)
		ev.SetDtStampTime(s.UpdateTime)
		ev.SetCreatedTime(s.CreateTime)
		ev.SetModifiedAt(s.UpdateTime)
		ev.SetSequence(int(s.Sequence))
		start, params := at(s.StartTime)
		ev.SetProperty(ics.ComponentPropertyDtStart, start, params...)
		end, params := at(s.EndTime)
		ev.SetProperty(ics.ComponentPropertyDtEnd, end, params...)
		summary := s.Title
		if s.Kind == "placeholder" {
			summary += " (individual week)" // the slot shows, no one meets
			ev.SetTimeTransparency(ics.TransparencyTransparent)
		}
		ev.SetSummary(summary)
		ev.SetLocation(s.RoomName)
		if s.State == "cancelled" {
			ev.SetStatus(ics.ObjectStatusCancelled)
			if s.CancelReason != "" {
				ev.SetDescription("Cancelled: " + s.CancelReason)
			}
		} else {
			ev.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	return cal
}

// zoneChange is one change of a zone's UTC offset: at is the first instant
// of the new offset.
type zoneChange struct {
	at       time.Time
	from, to int // seconds east of UTC
	abbrev   string
	dst      bool
}

// addVTimezone adds loc's VTIMEZONE, computed from Go's tz data: the
// observance in effect at from, then one STANDARD or DAYLIGHT sub-component
// per change of offset up to to. Explicit onsets rather than RRULEs, since
// the data are transitions, not rules, and they hold only for the feed's
// range, which is all the events use.
func addVTimezone(cal *ics.Calendar, loc *time.Location, from, to time.Time) {
	tz := cal.AddTimezone(loc.String())
	changes := zoneChanges(loc, from, to)
	for _, c := range changes {
		var comp *ics.ComponentBase
		if c.dst {
			d := &ics.Daylight{}
			tz.Components = append(tz.Components, d)
			comp = &d.ComponentBase
		} else {
			comp = &tz.AddStandard().ComponentBase
		}
		// DTSTART is the onset in the local time before it (TZOFFSETFROM).
		comp.AddProperty(ics.ComponentPropertyDtStart, c.at.In(time.FixedZone("", c.from)).Format(icsLocal))
		comp.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), icsOffset(c.from))
		comp.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), icsOffset(c.to))
		if c.abbrev != "" {
			comp.AddProperty(ics.ComponentProperty(ics.PropertyTzname), c.abbrev)
		}
	}
}

// zoneChanges lists the observance in effect at from (its last change
// within two years before, or a fixed one since 1970 for a zone without
// changes) and every change in (from, to]. Days are stepped, then the
// instant is found by bisection: zones change at most a few times a year.
func zoneChanges(loc *time.Location, from, to time.Time) []zoneChange {
	offset := func(t time.Time) int { _, off := t.In(loc).Zone(); return off }
	find := func(lo, hi time.Time) time.Time { // offset(lo) != offset(hi)
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
			if offset(mid) == offset(lo) {
				lo = mid
			} else {
				hi = mid
			}
		}
		return hi
	}
	change := func(at time.Time) zoneChange {
		abbrev, off := at.In(loc).Zone()
		return zoneChange{at: at, from: offset(at.Add(-time.Second)), to: off, abbrev: abbrev, dst: at.In(loc).IsDST()}
	}
	const day = 24 * time.Hour
	var out []zoneChange
	// The observance at from: the last change before it.
	for t := from; t.After(from.AddDate(-2, 0, 0)); t = t.Add(-day) {
		if prev := t.Add(-day); offset(prev) != offset(t) {
			out = append(out, change(find(prev, t)))
			break
		}
	}
	if len(out) == 0 {
		abbrev, off := from.In(loc).Zone()
		out = append(out, zoneChange{at: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second),
			from: off, to: off, abbrev: abbrev, dst: from.In(loc).IsDST()})
	}
	for t := from; t.Before(to); t = t.Add(day) {
		if next := t.Add(day); offset(next) != offset(t) {
			out = append(out, change(find(t, next)))
		}
	}
	return out
}

// icsOffset writes a UTC offset as RFC 5545 does: "+1000", "-0330".
func icsOffset(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign, seconds = '-', -seconds
	}
	s := fmt.Sprintf("%c%02d%02d", sign, seconds/3600, seconds/60%60)
	if sec := seconds % 60; sec != 0 {
		s += fmt.Sprintf("%02d", sec)
	}
	return s
}
