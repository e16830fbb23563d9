package maintenance_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"steward.dev/db/dbtest"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/plan"
	"steward.dev/services/maintenance/internal/store"
)

type trig = maintenancev1.Trigger

func (h *household) plan(asset, name, start string, lead int32, tr *trig) *maintenancev1.MaintenancePlan {
	h.f.t.Helper()
	return must(h.f.plans.CreateMaintenancePlan(h.owner, &maintenancev1.CreateMaintenancePlanRequest{Parent: asset,
		MaintenancePlan: &maintenancev1.MaintenancePlan{DisplayName: name, StartDate: start, LeadDays: lead, Trigger: tr}}))(h.f.t)
}

func (h *household) complete(task *maintenancev1.Task, when time.Time, req *maintenancev1.CompleteTaskRequest) *maintenancev1.Task {
	h.f.t.Helper()
	if req == nil {
		req = &maintenancev1.CompleteTaskRequest{}
	}
	req.Name, req.CompleteTime = task.GetName(), timestamppb.New(when)
	return must(h.f.tasks.CompleteTask(h.member, req))(h.f.t)
}

const newYork = "America/New_York"

var (
	monthly = maintenancev1.Trigger_INTERVAL_UNIT_MONTH
	yearly  = maintenancev1.Trigger_INTERVAL_UNIT_YEAR
	days    = maintenancev1.Trigger_INTERVAL_UNIT_DAY
	weeks   = maintenancev1.Trigger_INTERVAL_UNIT_WEEK
	fixed   = maintenancev1.Trigger_ANCHOR_FIXED
	float   = maintenancev1.Trigger_ANCHOR_FLOATING
)

// TestFixedPlanKeepsItsAnchor: a fixed monthly plan anchored on 31 January
// is due on 28 February and back on 31 March however its tasks are done;
// a fixed yearly plan on 29 February 2028 is due on 28 February 2029.
func TestFixedPlanKeepsItsAnchor(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 1, 20, 9, 0))
	h := f.household(newYork, "north")
	alarm := h.asset("smoke-detector")
	p := h.plan(alarm, "Test the alarms", "2027-01-31", 3, &trig{IntervalCount: 1, IntervalUnit: monthly, Anchor: fixed})
	for _, want := range []string{"2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"} {
		task := h.openTask(p.GetName())
		if task.GetDueDate() != want || task.GetOccurrenceDate() != want {
			t.Fatalf("fixed monthly task due %s (occurrence %s), want %s", task.GetDueDate(), task.GetOccurrenceDate(), want)
		}
		// Done two days early: the anchor holds.
		due, _ := time.ParseInLocation(time.DateOnly, want, time.UTC)
		f.clock.set(at(t, newYork, due.Year(), due.Month(), due.Day()-2, 18, 0))
		h.complete(task, f.clock.now(), nil)
	}
	leap := h.plan(h.asset("fire-extinguisher"), "Annual service", "2028-02-29", 30, &trig{IntervalCount: 1, IntervalUnit: yearly, Anchor: fixed})
	f.clock.set(at(t, newYork, 2028, 2, 1, 9, 0))
	h.generate()
	task := h.openTask(leap.GetName())
	if task.GetDueDate() != "2028-02-29" {
		t.Fatalf("leap-day plan's first task due %s", task.GetDueDate())
	}
	f.clock.set(at(t, newYork, 2028, 3, 2, 9, 0))
	h.complete(task, f.clock.now(), nil)
	f.clock.set(at(t, newYork, 2029, 1, 20, 9, 0))
	h.generate()
	if got := h.openTask(leap.GetName()).GetDueDate(); got != "2029-02-28" {
		t.Errorf("leap-day plan's next task due %s, want 2029-02-28", got)
	}
}

// TestFloatingPlanCountsFromCompletion: completing a floating task
// reschedules its plan from the completion's date in the home's zone (an
// evening completion in New York is that day's, though UTC has moved on);
// skipping counts from the skipped due date.
func TestFloatingPlanCountsFromCompletion(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 1, 12, 9, 0))
	h := f.household(newYork, "north")
	dishwasher := h.asset("appliance-dishwasher")
	p := h.plan(dishwasher, "Clean the filter", "2027-01-10", 3, &trig{IntervalCount: 2, IntervalUnit: weeks, Anchor: float})
	task := h.openTask(p.GetName())
	if task.GetDueDate() != "2027-01-24" {
		t.Fatalf("first floating task due %s, want 2027-01-24", task.GetDueDate())
	}
	// Done three days late, at 22:30 on the 27th in New York (03:30Z on
	// the 28th): the next is due two weeks after the 27th.
	done := at(t, newYork, 2027, 1, 27, 22, 30)
	f.clock.set(done.Add(time.Hour))
	got := h.complete(task, done, &maintenancev1.CompleteTaskRequest{Notes: "Filter was clogged"})
	if got.GetStatus() != maintenancev1.Task_STATUS_DONE || got.GetCompletedBy() == "" || got.GetNotes() != "Filter was clogged" {
		t.Fatalf("completed task = %v", got)
	}
	next := h.openTask(p.GetName())
	if next.GetDueDate() != "2027-02-10" {
		t.Fatalf("after a late completion the next task is due %s, want 2027-02-10", next.GetDueDate())
	}
	cur := must(f.plans.GetMaintenancePlan(h.owner, &maintenancev1.GetMaintenancePlanRequest{Name: p.GetName()}))(t)
	if cur.GetLastDoneDate() != "2027-01-27" {
		t.Errorf("plan's last done date = %s, want 2027-01-27", cur.GetLastDoneDate())
	}
	must(f.tasks.SkipTask(h.owner, &maintenancev1.SkipTaskRequest{Name: next.GetName(), Reason: "Away"}))(t)
	if got := h.openTask(p.GetName()).GetDueDate(); got != "2027-02-24" {
		t.Errorf("after a skip the next task is due %s, want 2027-02-24", got)
	}
	// A fixed plan would have kept to the calendar; this one was rescheduled.
	// A floating month from 31 January clamps to 28 February.
	monthlyPlan := h.plan(dishwasher, "Descale", "2027-01-01", 3, &trig{IntervalCount: 1, IntervalUnit: monthly, Anchor: float})
	task = h.openTask(monthlyPlan.GetName())
	f.clock.set(at(t, newYork, 2027, 1, 31, 12, 0))
	h.complete(task, f.clock.now(), nil)
	if got := h.openTask(monthlyPlan.GetName()).GetDueDate(); got != "2027-02-28" {
		t.Errorf("floating month from 31 January due %s, want 2027-02-28", got)
	}
}

// TestSeasonalPlans: "every autumn" is due on 1 September in the north and
// 1 March in the south, once a season-year, created when it falls within
// the lead time plus 30 days.
func TestSeasonalPlans(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 7, 15, 9, 0))
	north := f.household(newYork, "north")
	south := f.household("Australia/Sydney", "south")
	autumn := &trig{Season: maintenancev1.Trigger_SEASON_AUTUMN, Anchor: fixed}
	np := north.plan(north.asset("hvac-furnace"), "Furnace service", "2027-07-01", 21, autumn)
	sp := south.plan(south.asset("hvac-furnace"), "Furnace service", "2027-07-01", 21, autumn)
	if got := north.openTask(np.GetName()).GetDueDate(); got != "2027-09-01" {
		t.Errorf("north autumn due %s, want 2027-09-01", got)
	}
	// The south's autumn is next March: too far off for a task yet.
	if n := len(must(f.tasks.ListTasks(south.owner, &maintenancev1.ListTasksRequest{Parent: south.name + "/homes/-"}))(t).GetTasks()); n != 0 {
		t.Fatalf("south has %d tasks in July, want none", n)
	}
	f.clock.set(at(t, "Australia/Sydney", 2028, 1, 15, 9, 0))
	// The tenant's daily generation job reads the same clock and may get
	// there first: what counts is that January's generation, this call or
	// the job, leaves exactly one task.
	south.generate()
	if n := len(must(f.tasks.ListTasks(south.owner, &maintenancev1.ListTasksRequest{Parent: south.name + "/homes/-"}))(t).GetTasks()); n != 1 {
		t.Fatalf("generation in January left %d tasks, want 1", n)
	}
	task := south.openTask(sp.GetName())
	if task.GetDueDate() != "2028-03-01" || task.GetStatus() != maintenancev1.Task_STATUS_UPCOMING {
		t.Fatalf("south autumn task = %s %v, want 2028-03-01 UPCOMING", task.GetDueDate(), task.GetStatus())
	}
	// Done in April, within autumn: the next is next year's autumn.
	f.clock.set(at(t, "Australia/Sydney", 2028, 4, 10, 9, 0))
	south.complete(task, f.clock.now(), nil)
	f.clock.set(at(t, "Australia/Sydney", 2029, 2, 1, 9, 0))
	south.generate()
	if got := south.openTask(sp.GetName()).GetDueDate(); got != "2029-03-01" {
		t.Errorf("south autumn after one done due %s, want 2029-03-01", got)
	}
}

// TestUsageAndWhicheverFirst: the filter plan (every 90 days or 500
// run-hours) is due when the readings' rate reaches 500 hours past the last
// completion's reading, if that comes before 90 days; the completion's
// reading goes to Asset Management and the next occurrence counts from it.
func TestUsageAndWhicheverFirst(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	f := setup(t, start)
	h := f.household(newYork, "north")
	furnace := h.asset("hvac-furnace")
	// 20 run-hours a day for the last month: 500 hours in 25 days.
	for d := range 31 {
		h.reading(furnace, "runtime", 1000+20*float64(d), start.AddDate(0, 0, d-30))
	}
	p := h.plan(furnace, "Replace the filter", "2026-06-01", 7, &trig{IntervalCount: 90, IntervalUnit: days, Anchor: float,
		Meter: "runtime", MeterUnit: maintenancev1.Trigger_METER_UNIT_HOURS, MeterInterval: 500})
	task := h.openTask(p.GetName())
	// Never done: counts from the reading before the start (1600 at 1 June
	// 08:00 New York); 2100 is 25 days on.
	if task.GetDueMeter() != 2100 || task.GetDueDate() != "2026-06-26" {
		t.Fatalf("usage task due at %v on %s, want 2100 on 2026-06-26", task.GetDueMeter(), task.GetDueDate())
	}
	done := time.Date(2026, 6, 20, 14, 0, 0, 0, time.UTC)
	f.clock.set(done.Add(time.Hour))
	got := h.complete(task, done, &maintenancev1.CompleteTaskRequest{MeterReading: &maintenancev1.CompletionReading{Value: 1990}})
	if got.GetMeterReading() == "" || got.GetMeterValue() != 1990 {
		t.Fatalf("completion recorded no reading: %v", got)
	}
	readings := must(f.assets.ListMeterReadings(h.owner, &assetsv1.ListMeterReadingsRequest{Parent: furnace, Meter: "runtime"}))(t)
	if len(readings.GetMeterReadings()) != 1 || readings.GetMeterReadings()[0].GetValue() != 1990 ||
		readings.GetMeterReadings()[0].GetName() != got.GetMeterReading() {
		t.Fatalf("Asset Management's readings = %v, want the completion's", readings.GetMeterReadings())
	}
	// The sync copies the new reading; the next occurrence is due at 2490.
	h.reading(furnace, "runtime", 1990, done)
	f.clock.set(done.Add(2 * time.Hour))
	h.generate()
	next := h.openTask(p.GetName())
	if next.GetDueMeter() != 2490 {
		t.Errorf("next due at %v run-hours, want 2490", next.GetDueMeter())
	}
	// At about 20 hours a day that is ~25 days: before the 90-day limit.
	if next.GetDueDate() >= "2026-09-18" || next.GetDueDate() < "2026-07-10" {
		t.Errorf("next due %s, want by usage in mid-July, before the 90-day 2026-09-18", next.GetDueDate())
	}
	// A reading lower than the meter's last one is refused by Assets and
	// nothing completes.
	_, err := f.tasks.CompleteTask(h.member, &maintenancev1.CompleteTaskRequest{Name: next.GetName(), CompleteTime: timestamppb.New(done.Add(time.Hour)),
		MeterReading: &maintenancev1.CompletionReading{Value: 10}})
	if apierror.ReasonOf(err) != "METER_WENT_BACKWARDS" {
		t.Errorf("backwards reading: %v, want METER_WENT_BACKWARDS", err)
	}
	if h.openTask(p.GetName()).GetName() != next.GetName() {
		t.Error("the task completed though its reading was refused")
	}
}

// TestStatusInTheHomesZone: a task's status changes at midnight in the
// home's zone, across both DST changes of 2027 in New York.
func TestStatusInTheHomesZone(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC))
	h := f.household(newYork, "north")
	mk := func(due string) *maintenancev1.Task {
		return must(f.tasks.CreateTask(h.owner, &maintenancev1.CreateTaskRequest{Parent: h.home,
			Task: &maintenancev1.Task{DisplayName: "Check " + due, DueDate: due}}))(t)
	}
	spring, autumn := mk("2027-03-14"), mk("2027-11-07")
	// The due range filters by the local dates as written.
	ranged := must(f.tasks.ListTasks(h.owner, &maintenancev1.ListTasksRequest{Parent: h.name + "/homes/-",
		Filter: `due_date >= "2027-11-01" AND due_date <= "2027-11-30"`}))(t).GetTasks()
	if len(ranged) != 1 || ranged[0].GetName() != autumn.GetName() {
		t.Errorf("tasks due in November = %v, want the autumn one", ranged)
	}
	for _, tc := range []struct {
		task *maintenancev1.Task
		now  time.Time
		want maintenancev1.Task_Status
	}{
		{spring, time.Date(2027, 3, 14, 4, 30, 0, 0, time.UTC), maintenancev1.Task_STATUS_UPCOMING}, // 23:30 EST on the 13th
		{spring, time.Date(2027, 3, 14, 5, 30, 0, 0, time.UTC), maintenancev1.Task_STATUS_DUE},      // 00:30 EST
		{spring, time.Date(2027, 3, 15, 3, 30, 0, 0, time.UTC), maintenancev1.Task_STATUS_DUE},      // 23:30 EDT on the 14th
		{spring, time.Date(2027, 3, 15, 4, 30, 0, 0, time.UTC), maintenancev1.Task_STATUS_OVERDUE},  // 00:30 EDT on the 15th
		{autumn, time.Date(2027, 11, 7, 3, 30, 0, 0, time.UTC), maintenancev1.Task_STATUS_UPCOMING}, // 23:30 EDT on the 6th
		{autumn, time.Date(2027, 11, 7, 4, 30, 0, 0, time.UTC), maintenancev1.Task_STATUS_DUE},      // 00:30 EDT
		{autumn, time.Date(2027, 11, 8, 4, 30, 0, 0, time.UTC), maintenancev1.Task_STATUS_DUE},      // 23:30 EST on the 7th
		{autumn, time.Date(2027, 11, 8, 5, 30, 0, 0, time.UTC), maintenancev1.Task_STATUS_OVERDUE},  // 00:30 EST on the 8th
	} {
		f.clock.set(tc.now)
		got := must(f.tasks.GetTask(h.owner, &maintenancev1.GetTaskRequest{Name: tc.task.GetName()}))(t).GetStatus()
		if got != tc.want {
			t.Errorf("task due %s at %v: %v, want %v", tc.task.GetDueDate(), tc.now, got, tc.want)
		}
		// The list's filter derives it in SQL the same way.
		filter := `status = ` + tc.want.String()[len("STATUS_"):]
		listed := must(f.tasks.ListTasks(h.owner, &maintenancev1.ListTasksRequest{Parent: h.home, Filter: filter}))(t).GetTasks()
		if !slices.ContainsFunc(listed, func(x *maintenancev1.Task) bool { return x.GetName() == tc.task.GetName() }) {
			t.Errorf("task due %s at %v: not listed by %q", tc.task.GetDueDate(), tc.now, filter)
		}
	}
}

// TestRoles: a MEMBER reads, starts and completes tasks but may not create,
// change or delete plans nor skip tasks (PERMISSION_DENIED); another
// tenant finds none of it (NOT_FOUND).
func TestRoles(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 5, 1, 9, 0))
	h := f.household(newYork, "north")
	other := f.household(newYork, "north")
	heater := h.asset("water-heater")
	p := h.plan(heater, "Flush", "2027-05-01", 14, &trig{IntervalCount: 1, IntervalUnit: yearly, Anchor: fixed})
	task := h.openTask(p.GetName())

	denied := map[string]error{}
	_, denied["CreatePlan"] = f.plans.CreateMaintenancePlan(h.member, &maintenancev1.CreateMaintenancePlanRequest{Parent: heater,
		MaintenancePlan: &maintenancev1.MaintenancePlan{DisplayName: "Mine", Trigger: &trig{IntervalCount: 1, IntervalUnit: yearly}}})
	_, denied["UpdatePlan"] = f.plans.UpdateMaintenancePlan(h.member, &maintenancev1.UpdateMaintenancePlanRequest{MaintenancePlan: &maintenancev1.MaintenancePlan{Name: p.GetName(), LeadDays: 1},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"lead_days"}}})
	_, denied["DeletePlan"] = f.plans.DeleteMaintenancePlan(h.member, &maintenancev1.DeleteMaintenancePlanRequest{Name: p.GetName()})
	_, denied["ApplyPlanTemplates"] = f.plans.ApplyPlanTemplates(h.member, &maintenancev1.ApplyPlanTemplatesRequest{Name: heater})
	_, denied["SkipTask"] = f.tasks.SkipTask(h.member, &maintenancev1.SkipTaskRequest{Name: task.GetName(), Reason: "no"})
	_, denied["CancelTask"] = f.tasks.CancelTask(h.member, &maintenancev1.CancelTaskRequest{Name: task.GetName()})
	_, denied["CreateTask"] = f.tasks.CreateTask(h.member, &maintenancev1.CreateTaskRequest{Parent: h.home,
		Task: &maintenancev1.Task{DisplayName: "x", DueDate: "2027-05-02"}})
	for rpc, err := range denied {
		if code(err) != codes.PermissionDenied {
			t.Errorf("MEMBER %s: %v, want PERMISSION_DENIED", rpc, err)
		}
	}
	must(f.plans.GetMaintenancePlan(h.member, &maintenancev1.GetMaintenancePlanRequest{Name: p.GetName()}))(t)
	started := must(f.tasks.StartTask(h.member, &maintenancev1.StartTaskRequest{Name: task.GetName()}))(t)
	if started.GetStatus() != maintenancev1.Task_STATUS_IN_PROGRESS {
		t.Fatalf("started task = %v", started.GetStatus())
	}
	if again, err := f.tasks.StartTask(h.member, &maintenancev1.StartTaskRequest{Name: task.GetName()}); err != nil || again.GetEtag() != started.GetEtag() {
		t.Errorf("second start: %v, %v; want the task as it was", again, err)
	}

	missing := map[string]error{}
	_, missing["GetPlan"] = f.plans.GetMaintenancePlan(other.owner, &maintenancev1.GetMaintenancePlanRequest{Name: p.GetName()})
	_, missing["DeletePlan"] = f.plans.DeleteMaintenancePlan(other.owner, &maintenancev1.DeleteMaintenancePlanRequest{Name: p.GetName()})
	_, missing["GetTask"] = f.tasks.GetTask(other.owner, &maintenancev1.GetTaskRequest{Name: task.GetName()})
	_, missing["CompleteTask"] = f.tasks.CompleteTask(other.owner, &maintenancev1.CompleteTaskRequest{Name: task.GetName()})
	_, missing["ListTasks"] = f.tasks.ListTasks(other.owner, &maintenancev1.ListTasksRequest{Parent: h.home})
	for rpc, err := range missing {
		if code(err) != codes.NotFound {
			t.Errorf("another tenant's %s: %v, want NOT_FOUND", rpc, err)
		}
	}

	done := h.complete(task, f.clock.now(), &maintenancev1.CompleteTaskRequest{
		Cost: &typev1.Money{CurrencyCode: "USD", AmountMinor: 18950},
		Parts: []*maintenancev1.TaskPart{{Description: "Anode rod", PartNumber: "AR-44", Quantity: 1,
			Cost: &typev1.Money{CurrencyCode: "USD", AmountMinor: 4200}}}})
	if done.GetCost().GetAmountMinor() != 18950 || len(done.GetParts()) != 1 || done.GetParts()[0].GetCost().GetAmountMinor() != 4200 {
		t.Errorf("completion cost and parts = %v %v", done.GetCost(), done.GetParts())
	}
	if _, err := f.tasks.CompleteTask(h.member, &maintenancev1.CompleteTaskRequest{Name: task.GetName()}); apierror.ReasonOf(err) != "TASK_CLOSED" {
		t.Errorf("completing a done task: %v, want TASK_CLOSED", err)
	}
	adhoc := must(f.tasks.CreateTask(h.owner, &maintenancev1.CreateTaskRequest{Parent: h.home,
		Task: &maintenancev1.Task{DisplayName: "Replace the valve", Kind: maintenancev1.Task_KIND_REPAIR, DueDate: "2027-05-02", Asset: heater}}))(t)
	_, err := f.tasks.CompleteTask(h.member, &maintenancev1.CompleteTaskRequest{Name: adhoc.GetName(),
		Cost:  &typev1.Money{CurrencyCode: "USD", AmountMinor: 100},
		Parts: []*maintenancev1.TaskPart{{Description: "Valve", Cost: &typev1.Money{CurrencyCode: "EUR", AmountMinor: 50}}}})
	if !slices.Equal(apierror.ViolatedFields(err), []string{"parts[0].cost"}) {
		t.Errorf("a part in another currency: %v", err)
	}
}

// TestIdempotentCreates: a create retried with its request_id returns the
// first result; the same request_id with another request is refused.
func TestIdempotentCreates(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 5, 1, 9, 0))
	h := f.household(newYork, "north")
	dryer := h.asset("appliance-dryer")
	rid := uuid.NewString()
	req := &maintenancev1.CreateMaintenancePlanRequest{Parent: dryer, RequestId: rid,
		MaintenancePlan: &maintenancev1.MaintenancePlan{DisplayName: "Vent", Trigger: &trig{IntervalCount: 1, IntervalUnit: yearly}}}
	first := must(f.plans.CreateMaintenancePlan(h.owner, req))(t)
	again := must(f.plans.CreateMaintenancePlan(h.owner, req))(t)
	if first.GetName() != again.GetName() {
		t.Errorf("retried create made %s and %s", first.GetName(), again.GetName())
	}
	req.MaintenancePlan.DisplayName = "Other"
	if _, err := f.plans.CreateMaintenancePlan(h.owner, req); apierror.ReasonOf(err) != apierror.ReasonRequestIDReused {
		t.Errorf("reused request_id: %v", err)
	}
	treq := &maintenancev1.CreateTaskRequest{Parent: h.home, RequestId: uuid.NewString(),
		Task: &maintenancev1.Task{DisplayName: "Fix the door", Kind: maintenancev1.Task_KIND_REPAIR, DueDate: "2027-05-03", Asset: dryer}}
	t1, t2 := must(f.tasks.CreateTask(h.owner, treq))(t), must(f.tasks.CreateTask(h.owner, treq))(t)
	if t1.GetName() != t2.GetName() || t1.GetAsset() != dryer || t1.GetKind() != maintenancev1.Task_KIND_REPAIR {
		t.Errorf("retried task create: %v, %v", t1, t2)
	}
	var n int
	dbtest.QueryRowAsTenant(t, f.env.Owner, h.id, "SELECT count(*) FROM maintenance.plans WHERE request_id = $1", []any{rid}, &n)
	if n != 1 {
		t.Errorf("%d plans carry the request_id", n)
	}
	// Invalid triggers name the rule.
	for _, tr := range []*trig{{}, {IntervalCount: 1, IntervalUnit: yearly, Season: maintenancev1.Trigger_SEASON_SPRING}, {Meter: "runtime"}} {
		_, err := f.plans.CreateMaintenancePlan(h.owner, &maintenancev1.CreateMaintenancePlanRequest{Parent: dryer,
			MaintenancePlan: &maintenancev1.MaintenancePlan{DisplayName: "Bad", Trigger: tr}})
		if !slices.Equal(apierror.ViolatedFields(err), []string{"maintenance_plan.trigger"}) {
			t.Errorf("trigger %v: %v, want maintenance_plan.trigger refused", tr, err)
		}
	}
}

// TestApplyPlanTemplates: a furnace gets the catalogue's furnace plans and
// their first tasks, once however often the templates are applied.
func TestApplyPlanTemplates(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 8, 20, 9, 0))
	h := f.household(newYork, "north")
	furnace := h.asset("hvac-furnace")
	first := must(f.plans.ApplyPlanTemplates(h.owner, &maintenancev1.ApplyPlanTemplatesRequest{Name: furnace}))(t)
	again := must(f.plans.ApplyPlanTemplates(h.owner, &maintenancev1.ApplyPlanTemplatesRequest{Name: furnace}))(t)
	if first.GetCreatedCount() != 2 || again.GetCreatedCount() != 0 || len(again.GetPlans()) != 2 {
		t.Fatalf("applied twice: %d then %d created, %d plans", first.GetCreatedCount(), again.GetCreatedCount(), len(again.GetPlans()))
	}
	// The autumn service is within its lead time plus 30 days, so it has its
	// task; the filter (90 days on, 18 November) gets one in October.
	for _, p := range again.GetPlans() {
		tasks := must(f.tasks.ListTasks(h.owner, &maintenancev1.ListTasksRequest{Parent: h.home, Filter: `plan = "` + p.GetName() + `"`}))(t).GetTasks()
		switch p.GetTemplate() {
		case "planTemplates/furnace-service":
			if len(tasks) != 1 || tasks[0].GetDueDate() != "2027-09-01" {
				t.Errorf("furnace service tasks = %v, want one due 2027-09-01", tasks)
			}
		case "planTemplates/furnace-filter":
			if len(tasks) != 0 {
				t.Errorf("furnace filter tasks = %v, want none yet", tasks)
			}
		default:
			t.Errorf("unexpected template plan %v", p)
		}
	}
	cat := must(f.plans.ListPlanTemplates(h.member, &maintenancev1.ListPlanTemplatesRequest{Filter: `category = "assetCategories/vehicle"`}))(t)
	if len(cat.GetPlanTemplates()) != 2 || cat.GetPlanTemplates()[0].GetTrigger().GetMeterInterval() != 10000 {
		t.Errorf("vehicle templates = %v", cat.GetPlanTemplates())
	}
	var all []*maintenancev1.PlanTemplate
	for tok := ""; ; {
		page := must(f.plans.ListPlanTemplates(h.member, &maintenancev1.ListPlanTemplatesRequest{PageSize: 25, PageToken: tok}))(t)
		all = append(all, page.GetPlanTemplates()...)
		if tok = page.GetNextPageToken(); tok == "" {
			break
		}
	}
	if len(all) < 50 {
		t.Errorf("the catalogue has %d templates, want a realistic set of 50 or more", len(all))
	}
	// Deleting a plan takes its open task; applying again brings it back.
	_ = must(f.plans.DeleteMaintenancePlan(h.owner, &maintenancev1.DeleteMaintenancePlanRequest{Name: again.GetPlans()[0].GetName()}))(t)
	if n := must(f.plans.ApplyPlanTemplates(h.owner, &maintenancev1.ApplyPlanTemplatesRequest{Name: furnace}))(t).GetCreatedCount(); n != 1 {
		t.Errorf("after a delete, applying created %d", n)
	}
}

// TestGeneratorIsIdempotentUnderConcurrency: the generation of one tenant
// run by 20 goroutines at once creates each plan occurrence's task once; so
// does running it twice, and twice concurrently. Checked in SQL.
func TestGeneratorIsIdempotentUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 1, 2, 9, 0))
	h := f.household(newYork, "north")
	var plans int
	for _, category := range []string{"hvac-furnace", "smoke-detector", "water-heater", "appliance-dishwasher", "gutters", "vehicle", "lawn-equipment", "fireplace"} {
		plans += int(must(f.plans.ApplyPlanTemplates(h.owner, &maintenancev1.ApplyPlanTemplatesRequest{Name: h.asset(category)}))(t).GetCreatedCount())
	}
	// Move a year on with every open task closed, so each plan has a next
	// occurrence for the generators to race over.
	dbtest.ExecAsTenant(t, f.env.Owner, h.id, "UPDATE maintenance.tasks SET state = 'skipped', closed_time = now() WHERE tenant_id = $1", h.id)
	f.clock.set(at(t, newYork, 2028, 1, 2, 9, 0))

	var wg sync.WaitGroup
	created := make([]int, 20)
	for i := range created {
		wg.Go(func() {
			n, err := h.generateErr()
			if err != nil {
				t.Error(err)
			}
			created[i] = n
		})
	}
	wg.Wait()
	total := 0
	for _, n := range created {
		total += n
	}
	var dup, open, withOpen int
	dbtest.QueryRowAsTenant(t, f.env.Owner, h.id, `SELECT count(*) FROM (SELECT plan_id, occurrence FROM maintenance.tasks
		WHERE tenant_id = $1 AND plan_id IS NOT NULL GROUP BY plan_id, occurrence HAVING count(*) > 1) d`, []any{h.id}, &dup)
	dbtest.QueryRowAsTenant(t, f.env.Owner, h.id, `SELECT count(*), count(DISTINCT plan_id) FROM maintenance.tasks
		WHERE tenant_id = $1 AND state = 'open'`, []any{h.id}, &open, &withOpen)
	if dup != 0 || open != withOpen || total != open {
		t.Fatalf("20 concurrent generators: %d duplicated occurrences, %d open tasks over %d plans, %d reported created", dup, open, withOpen, total)
	}
	if open == 0 || open > plans {
		t.Fatalf("%d open tasks for %d plans", open, plans)
	}
	t.Logf("20 concurrent generators over %d plans: %d tasks created, each once", plans, open)
	// Twice in a row, then twice at once: nothing more.
	if n := h.generate(); n != 0 {
		t.Errorf("a second run created %d", n)
	}
	for range 2 {
		wg.Go(func() {
			if n, err := h.generateErr(); n != 0 || err != nil {
				t.Errorf("a concurrent rerun created %d: %v", n, err)
			}
		})
	}
	wg.Wait()
	var after int
	dbtest.QueryRowAsTenant(t, f.env.Owner, h.id, "SELECT count(*) FROM maintenance.tasks WHERE tenant_id = $1 AND state = 'open'", []any{h.id}, &after)
	if after != open {
		t.Errorf("open tasks went from %d to %d", open, after)
	}
}

// TestDailyGenerationJob: the tenant's generation runs as a River job of
// the server's queue, once a day per tenant (the day in its arguments), and
// makes the tasks that came within their horizon since; it schedules the
// next day's run in the same transaction.
func TestDailyGenerationJob(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 1, 5, 9, 0))
	h := f.household(newYork, "north")
	heater := h.asset("water-heater")
	far := h.plan(heater, "Flush", "2027-06-01", 14, &trig{IntervalCount: 1, IntervalUnit: yearly, Anchor: fixed})
	// Two months on, another plan's create asks for that day's run, which
	// finds the first plan's occurrence within its horizon.
	f.clock.set(at(t, newYork, 2027, 4, 20, 9, 0))
	h.plan(h.asset("smoke-detector"), "Test", "2027-04-20", 3, &trig{IntervalCount: 1, IntervalUnit: monthly, Anchor: fixed})
	deadline := time.Now().Add(15 * time.Second)
	for {
		tasks := must(f.tasks.ListTasks(h.owner, &maintenancev1.ListTasksRequest{Parent: h.home, Filter: `plan = "` + far.GetName() + `"`}))(t).GetTasks()
		if len(tasks) == 1 && tasks[0].GetDueDate() == "2027-06-01" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the day's generation job made no task for the far plan: %v", tasks)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var runs, next int
	dbtest.QueryRowAsTenant(t, f.env.Owner, h.id, `SELECT count(*) FILTER (WHERE args->>'day' IN ('2027-01-05', '2027-04-20')),
		count(*) FILTER (WHERE args->>'day' = '2027-04-21' AND state = 'scheduled')
		FROM jobs.river_job WHERE kind = 'maintenance_generate' AND args->>'tenant_id' = $1`, []any{h.id.String()}, &runs, &next)
	if runs != 2 || next != 1 {
		t.Errorf("generation jobs: %d runs for the two days, %d scheduled for the next; want 2 and 1", runs, next)
	}
}

// TestRetiredAssets: an asset Asset Management retired takes no new plans
// or tasks (ASSET_RETIRED), and its active plans generate nothing.
func TestRetiredAssets(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 5, 1, 9, 0))
	h := f.household(newYork, "north")
	dryer := h.asset("appliance-dryer")
	p := h.plan(dryer, "Vent", "2027-09-01", 7, &trig{IntervalCount: 1, IntervalUnit: yearly, Anchor: fixed})
	dbtest.ExecAsTenant(t, f.env.Owner, h.id, "UPDATE maintenance.asset_facts SET status = 'retired' WHERE tenant_id = $1 AND asset_id = $2", h.id, idOf(dryer))
	_, err := f.plans.CreateMaintenancePlan(h.owner, &maintenancev1.CreateMaintenancePlanRequest{Parent: dryer,
		MaintenancePlan: &maintenancev1.MaintenancePlan{DisplayName: "Drum", Trigger: &trig{IntervalCount: 1, IntervalUnit: yearly}}})
	if apierror.ReasonOf(err) != "ASSET_RETIRED" {
		t.Errorf("a plan for a retired asset: %v, want ASSET_RETIRED", err)
	}
	_, err = f.tasks.CreateTask(h.owner, &maintenancev1.CreateTaskRequest{Parent: h.home,
		Task: &maintenancev1.Task{DisplayName: "Fix", DueDate: "2027-05-02", Asset: dryer}})
	if apierror.ReasonOf(err) != "ASSET_RETIRED" {
		t.Errorf("a task for a retired asset: %v, want ASSET_RETIRED", err)
	}
	f.clock.set(at(t, newYork, 2027, 8, 20, 9, 0))
	if n := h.generate(); n != 0 {
		t.Errorf("a retired asset's plan generated %d tasks", n)
	}
	if tasks := must(f.tasks.ListTasks(h.owner, &maintenancev1.ListTasksRequest{Parent: h.home, Filter: `plan = "` + p.GetName() + `"`}))(t).GetTasks(); len(tasks) != 0 {
		t.Errorf("retired asset's plan has tasks %v", tasks)
	}
}

// TestApplyCategoryTemplatesForTheSync: the function the sync from Assets
// calls for a newly seen asset, in its own transaction, creates the
// category's plans once; a retired asset gets none.
func TestApplyCategoryTemplatesForTheSync(t *testing.T) {
	t.Parallel()
	f := setup(t, at(t, newYork, 2027, 3, 1, 9, 0))
	h := f.household(newYork, "north")
	car, mower := idOf(h.asset("vehicle")), idOf(h.asset("lawn-equipment"))
	dbtest.ExecAsTenant(t, f.env.Owner, h.id, "UPDATE maintenance.asset_facts SET status = 'retired' WHERE tenant_id = $1 AND asset_id = $2", h.id, mower)
	apply := func(asset uuid.UUID) int {
		t.Helper()
		ctx := scope.WithTenant(context.Background(), scope.Tenant{TenantID: h.id, Kind: "household"})
		var n int
		err := f.app.InTx(ctx, func(tx tenantdb.DBTX) error {
			q := store.New(tx)
			fact, err := q.GetAssetFact(ctx, store.GetAssetFactParams{TenantID: h.id, AssetID: asset})
			if err != nil {
				return err
			}
			n, err = plan.ApplyCategoryTemplates(ctx, tx, q, fact)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if first, again, retired := apply(car), apply(car), apply(mower); first != 2 || again != 0 || retired != 0 {
		t.Errorf("applied to the car %d then %d plans, to the retired mower %d; want 2, 0, 0", first, again, retired)
	}
}
