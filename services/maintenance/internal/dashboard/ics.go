package dashboard

import (
	"fmt"

	ics "github.com/arran4/golang-ical"

	"steward.dev/platform/icalfeed"
	"steward.dev/services/maintenance/internal/store"
)

// feedCalendar writes a home's tasks as an RFC 5545 calendar named name:
// one all-day event on each task's due date (VALUE=DATE, so the day is the
// home's own and no VTIMEZONE is needed), free time rather than busy, with
// a display alarm at the task's lead time. DTSTAMP is the task's last
// change, so an unchanged task serialises the same on every fetch.
func feedCalendar(name string, tasks []store.ListFeedTasksRow) *ics.Calendar {
	cal := icalfeed.NewCalendar(name)
	for _, t := range tasks {
		ev := cal.AddEvent(t.TaskID.String() + icalfeed.UIDDomain)
		ev.SetDtStampTime(t.UpdateTime)
		ev.SetCreatedTime(t.CreateTime)
		ev.SetModifiedAt(t.UpdateTime)
		ev.SetSequence(int(t.Revision - 1)) // revisions start at 1, sequences at 0
		due := t.DueDate.Time               // the civil date, at midnight UTC
		ev.SetAllDayStartAt(due)
		ev.SetAllDayEndAt(due.AddDate(0, 0, 1)) // DTEND is exclusive (RFC 5545 3.6.1)
		summary := t.Title
		if t.AssetDisplayName != "" {
			summary += " (" + t.AssetDisplayName + ")"
		}
		ev.SetSummary(summary)
		if t.Description != "" {
			ev.SetDescription(t.Description)
		}
		ev.SetStatus(ics.ObjectStatusConfirmed)
		ev.SetTimeTransparency(ics.TransparencyTransparent)
		ev.SetProperty(ics.ComponentPropertyCategories, t.Kind)
		if t.LeadDays > 0 {
			a := ev.AddAlarm()
			a.SetAction(ics.ActionDisplay)
			a.SetTrigger(fmt.Sprintf("-P%dD", t.LeadDays))
			a.SetProperty(ics.ComponentPropertyDescription, summary)
		}
	}
	return cal
}
