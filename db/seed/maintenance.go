package seed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// MaintenanceSummary counts what the household's maintenance history holds.
type MaintenanceSummary struct {
	Plans, Tasks, Done, Skipped, Open, Repairs int
	SpendMinor                                 int64 // USD cents over all completed work
}

// historyYears is how far back the household's maintenance history goes
// (an asset's history starts at its install date when that is later).
const historyYears = 6

// writeMaintenance writes the household's maintenance history: the facts
// Maintenance keeps of its homes, assets and readings (copied from the rows
// just written to schema assets, with the same ids, as the service's sync
// from the Assets change feed would: so `make run` shows a history before
// the first sync, and the sync then finds nothing new), a plan per template
// of each asset's category, and years of tasks done, skipped and still open
// with their costs, plus the repairs of the household's ailing equipment.
func writeMaintenance(ctx context.Context, tx pgx.Tx, now time.Time) error {
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone)
		SELECT tenant_id, home_id, display_name, time_zone FROM assets.homes WHERE tenant_id = $1
		ON CONFLICT DO NOTHING`, HouseholdTenantID)
	b.Queue(`INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id, install_date,
			purchase_date, purchase_cost_minor, purchase_cost_currency, expected_lifespan_months, warranty_expiry_date, status)
		SELECT tenant_id, asset_id, home_id, display_name, category_id, install_date, purchase_date, purchase_cost_minor,
			purchase_cost_currency, expected_lifespan_months, warranty_expiry_date, status
		FROM assets.assets WHERE tenant_id = $1
		ON CONFLICT DO NOTHING`, HouseholdTenantID)
	b.Queue(`INSERT INTO maintenance.reading_facts (tenant_id, asset_id, reading_id, meter, unit, value, read_time, reset)
		SELECT tenant_id, asset_id, reading_id, meter, unit, value, read_time, reset FROM assets.meter_readings WHERE tenant_id = $1
		ON CONFLICT DO NOTHING`, HouseholdTenantID)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write maintenance facts: %w", err)
	}

	// The history is written once: a later "today" would simulate another
	// one, and the household's own work since must stay as it is.
	var seeded bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM maintenance.plans WHERE tenant_id = $1)", HouseholdTenantID).Scan(&seeded); err != nil {
		return fmt.Errorf("read plans: %w", err)
	}
	if seeded {
		return nil
	}
	templates, err := readTemplates(ctx, tx)
	if err != nil {
		return err
	}
	meters, err := readMeters(ctx, tx)
	if err != nil {
		return err
	}
	b = &pgx.Batch{}
	for _, h := range homes {
		loc, err := time.LoadLocation(h.timeZone)
		if err != nil {
			return fmt.Errorf("home %s: %w", h.key, err)
		}
		local := now.In(loc)
		today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
		for _, a := range h.assets {
			if a.status == "retired" {
				continue // a retired asset's plans are retired: it has none to show
			}
			key := "asset:" + h.key + ":" + a.key
			for _, tpl := range templates[a.category] {
				p := seededPlan{home: id("home:" + h.key), asset: id(key), key: key + ":" + tpl.id, tpl: tpl}
				p.history(today, installedOn(a, key, now), meters[id(key)])
				p.queue(b)
			}
		}
		for _, r := range repairs {
			if r.home == h.key {
				r.queue(b, today)
			}
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write maintenance history: %w", err)
	}
	return queueFirstNight(ctx, tx, now)
}

// firstNight is steward-maintenance's nightly insight job
// (services/maintenance/internal/server.NightlyInsightArgs: its kind and
// arguments are the contract between the two), for tonight.
type firstNight struct {
	Tenant uuid.UUID `json:"tenant"`
	Night  string    `json:"night"`
}

func (firstNight) Kind() string { return "maintenance_nightly_insight" }

// queueFirstNight queues the household's insight recompute to run as soon
// as steward-maintenance starts: it computes every asset's predictions and
// health (so the dashboard's riskiest assets show on the first `make run`)
// and queues the next night, as each night does. A service cannot list the
// tenants whose nights to start; the seeder knows its own.
func queueFirstNight(ctx context.Context, tx pgx.Tx, now time.Time) error {
	queue, err := river.NewClient(riverpgxv5.New(nil), &river.Config{Schema: "jobs"})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	loc, err := time.LoadLocation(homes[0].timeZone)
	if err != nil {
		return err
	}
	args := firstNight{Tenant: HouseholdTenantID, Night: now.In(loc).Format(time.DateOnly)}
	if _, err := queue.InsertTx(ctx, tx, args, &river.InsertOpts{Queue: "maintenance", UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
		return fmt.Errorf("queue the first night's insight: %w", err)
	}
	return nil
}

// installedOn is the date writeHomes gave the asset's install (zero when
// unknown).
func installedOn(a asset, key string, now time.Time) time.Time {
	if a.installed == 0 {
		return time.Time{}
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return today.AddDate(0, -a.installed, -jitter(key, 28))
}

// template is a row of maintenance.plan_templates.
type template struct {
	id, name, description string
	every                 int    // interval_count; 0: none
	unit                  string // interval_unit
	meter, meterUnit      string
	meterEvery            float64
	anchor, season        string
	lead                  int
}

func readTemplates(ctx context.Context, tx pgx.Tx) (map[string][]template, error) {
	rows, err := tx.Query(ctx, `SELECT template_id, category_id, display_name, description, coalesce(interval_count, 0),
			coalesce(interval_unit, ''), coalesce(meter, ''), coalesce(meter_unit, ''), coalesce(meter_interval, 0),
			anchor, coalesce(season, ''), lead_days
		FROM maintenance.plan_templates ORDER BY template_id`)
	if err != nil {
		return nil, fmt.Errorf("read plan templates: %w", err)
	}
	defer rows.Close()
	out := map[string][]template{}
	for rows.Next() {
		var t template
		var category string
		if err := rows.Scan(&t.id, &category, &t.name, &t.description, &t.every, &t.unit, &t.meter, &t.meterUnit,
			&t.meterEvery, &t.anchor, &t.season, &t.lead); err != nil {
			return nil, err
		}
		out[category] = append(out[category], t)
	}
	return out, rows.Err()
}

// meterReading is a reading as the plans' history needs it.
type meterReading struct {
	id          uuid.UUID
	meter, unit string
	value       float64
	at          time.Time
}

// readMeters returns each asset's readings in time order.
func readMeters(ctx context.Context, tx pgx.Tx) (map[uuid.UUID][]meterReading, error) {
	rows, err := tx.Query(ctx, `SELECT asset_id, reading_id, meter, unit, value, read_time FROM maintenance.reading_facts
		WHERE tenant_id = $1 ORDER BY asset_id, meter, read_time`, HouseholdTenantID)
	if err != nil {
		return nil, fmt.Errorf("read meters: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID][]meterReading{}
	for rows.Next() {
		var asset uuid.UUID
		var r meterReading
		if err := rows.Scan(&asset, &r.id, &r.meter, &r.unit, &r.value, &r.at); err != nil {
			return nil, err
		}
		out[asset] = append(out[asset], r)
	}
	return out, rows.Err()
}

// templateCosts are what a household pays for each template's work, in USD
// cents (a contractor's visit, or the parts of a job done by hand); 0 for
// work that costs nothing but time.
var templateCosts = map[string]int64{
	"furnace-service": 169_00, "furnace-filter": 24_00, "air-conditioner-service": 149_00, "air-conditioner-filter": 24_00,
	"water-heater-anode": 45_00, "water-softener-salt": 18_00, "water-softener-resin": 22_00, "water-filter-cartridge": 65_00,
	"well-water-test": 85_00, "septic-pump-out": 425_00, "gutters-spring": 185_00, "gutters-autumn": 185_00,
	"window-seals": 15_00, "door-weatherstripping": 25_00, "garage-door-lubricate": 9_00, "generator-oil": 35_00,
	"smoke-alarm-battery": 12_00, "smoke-alarm-replace": 39_00, "co-alarm-battery": 8_00, "fridge-water-filter": 49_00,
	"washer-hoses": 35_00, "washer-clean": 6_00, "dryer-vent": 15_00, "ventilation-fans": 29_00, "chimney-sweep": 225_00,
	"irrigation-winterize": 85_00, "irrigation-startup": 65_00, "mower-oil": 9_00, "mower-blade": 15_00,
	"vehicle-oil": 89_00, "vehicle-tyres": 35_00, "water-heater-flush": 0, "mini-split-filters": 0,
}

// overdueTemplates are left undone at their latest due date, so the
// dashboard has overdue work to show.
var overdueTemplates = map[string]bool{"dryer-vent": true, "gutters-autumn": true, "water-heater-anode": true, "fridge-coils": true}

var skipReasons = []string{"Away that week", "Done at the last service visit", "Contractor rescheduled; next round instead",
	"Checked it, nothing needed"}

// seededPlan is one plan and its simulated history.
type seededPlan struct {
	home, asset uuid.UUID
	key         string
	tpl         template
	start       time.Time
	meter       string // the asset's meter of the template's unit ("compressor" for an air conditioner's run-hours)
	lastDone    time.Time
	lastMeter   float64
	hasMeter    bool
	tasks       []seededTask
}

// seededTask is one task of a plan's history.
type seededTask struct {
	due, done   time.Time // done: zero unless done or skipped
	state       string
	cost        int64
	meter       float64
	reading     uuid.UUID
	dueMeter    float64
	hasDueMeter bool
	skip        string
	byMember    bool
}

// history simulates the plan from the asset's install (or historyYears ago)
// to today: calendar plans fall due every interval (fixed from the start,
// floating from the last completion) or each season; meter plans fall due
// at the first reading past the interval since the last completion, unless
// the calendar date comes first. Most occurrences are done a little before
// or after their due date, some skipped, a few plans left overdue, and the
// next occurrence is an open task, as the generator would have made it.
func (p *seededPlan) history(today, installed time.Time, readings []meterReading) {
	r := rand.New(rand.NewPCG(uint64(jitter(p.key, math.MaxInt32)), 9))
	p.start = today.AddDate(-historyYears, 0, 0)
	if installed.After(p.start) {
		p.start = installed
	}
	p.start = p.start.AddDate(0, 0, r.IntN(20))
	var usage []meterReading
	if p.tpl.meterEvery > 0 {
		p.meter = p.tpl.meter
		if i := slices.IndexFunc(readings, func(rd meterReading) bool { return rd.unit == p.tpl.meterUnit }); i >= 0 {
			p.meter = readings[i].meter
		}
		for _, rd := range readings {
			if rd.meter == p.meter && !rd.at.Before(p.start) {
				usage = append(usage, rd)
			}
		}
	}
	last, lastMeter, ri := p.start, 0.0, 0
	if len(usage) > 0 {
		lastMeter = usage[0].value
	}
	for range 400 {
		t := seededTask{due: p.nextDue(last), state: "done"}
		if len(usage) > 0 {
			t.dueMeter, t.hasDueMeter = lastMeter+p.tpl.meterEvery, true
			limit := lastMeter + p.tpl.meterEvery*(0.9+0.15*r.Float64())
			for j := ri; j < len(usage); j++ {
				rd := usage[j]
				if !t.due.IsZero() && utcDay(rd.at).After(t.due) {
					break
				}
				if rd.value < lastMeter { // the meter restarted: count on from its new value
					limit -= lastMeter
					lastMeter = 0
				}
				if rd.value >= limit {
					t.due, t.reading, t.meter, ri = utcDay(rd.at), rd.id, rd.value, j+1
					break
				}
			}
		}
		if t.due.IsZero() {
			break // a meter plan whose meter has not run its interval yet: the generator dates it
		}
		if t.due.After(today) {
			t.state, t.reading, t.meter = "open", uuid.Nil, 0
			p.tasks = append(p.tasks, t)
			break
		}
		if next := p.nextDue(t.due); overdueTemplates[p.tpl.id] && next.After(today) {
			t.state, t.reading, t.meter = "open", uuid.Nil, 0
			p.tasks = append(p.tasks, t)
			break
		}
		if r.Float64() < 0.07 {
			t.state, t.skip = "skipped", skipReasons[r.IntN(len(skipReasons))]
			t.done = t.due.AddDate(0, 0, r.IntN(5))
		} else {
			t.done = t.due.AddDate(0, 0, r.IntN(p.tpl.lead+12)-p.tpl.lead)
			if c := templateCosts[p.tpl.id]; c > 0 {
				t.cost = c + int64(float64(c)*0.3*(r.Float64()-0.5))
			}
			t.byMember = r.IntN(3) == 0
		}
		if t.done.After(today) {
			t.done = today
		}
		if t.reading == uuid.Nil {
			// Done by the calendar: the meter as of then.
			for ri < len(usage) && !utcDay(usage[ri].at).After(t.done) {
				t.meter, t.reading = usage[ri].value, usage[ri].id
				ri++
			}
		}
		if t.reading != uuid.Nil {
			lastMeter = t.meter
		}
		// A floating plan counts from its completion, a fixed one from its
		// due date (a fixed plan done early is not due again at once).
		last = t.due
		if p.tpl.anchor == "floating" {
			last = t.done
		}
		p.tasks = append(p.tasks, t)
		if t.state == "done" {
			p.lastDone = t.done
			p.lastMeter, p.hasMeter = t.meter, t.reading != uuid.Nil
		}
	}
}

// nextDue is the plan's calendar date after from (a completion for a
// floating plan; for a fixed one the next of its start plus whole
// intervals), or zero for a plan with only a meter.
func (p *seededPlan) nextDue(from time.Time) time.Time {
	t := p.tpl
	if t.season != "" {
		month := map[string]time.Month{"spring": time.March, "summer": time.June, "autumn": time.September, "winter": time.December}[t.season]
		d := time.Date(from.Year(), month, 1, 0, 0, 0, 0, time.UTC)
		for !d.After(from.AddDate(0, 2, 0)) { // once a season: a completion late in it does not make it due again at once
			d = d.AddDate(1, 0, 0)
		}
		return d
	}
	if t.every == 0 {
		return time.Time{}
	}
	step := func(d time.Time, k int) time.Time {
		switch t.unit {
		case "day":
			return d.AddDate(0, 0, k*t.every)
		case "week":
			return d.AddDate(0, 0, 7*k*t.every)
		case "month":
			return d.AddDate(0, k*t.every, 0)
		}
		return d.AddDate(k*t.every, 0, 0)
	}
	if t.anchor == "floating" {
		return step(from, 1)
	}
	for k := 1; ; k++ {
		if d := step(p.start, k); d.After(from) {
			return d
		}
	}
}

// queue writes the plan and its tasks. Task ids are keyed by position from
// the latest, so re-seeding on a later day adds no rows.
func (p *seededPlan) queue(b *pgx.Batch) {
	planID := id("plan:" + p.key)
	nullable := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	var every *int
	if p.tpl.every > 0 {
		every = &p.tpl.every
	}
	var meterEvery *float64
	var meter, meterUnit *string
	if p.tpl.meterEvery > 0 {
		meterEvery, meter, meterUnit = &p.tpl.meterEvery, &p.meter, &p.tpl.meterUnit
	}
	var lastDone pgtype.Date
	var lastMeter *float64
	if !p.lastDone.IsZero() {
		lastDone = pgtype.Date{Time: p.lastDone, Valid: true}
		if p.hasMeter {
			lastMeter = &p.lastMeter
		}
	}
	b.Queue(`INSERT INTO maintenance.plans (tenant_id, plan_id, home_id, asset_id, template_id, display_name, description,
			interval_count, interval_unit, meter, meter_unit, meter_interval, anchor, season, lead_days, start_date,
			last_done_date, last_done_meter)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT DO NOTHING`,
		HouseholdTenantID, planID, p.home, p.asset, p.tpl.id, p.tpl.name, p.tpl.description,
		every, nullable(p.tpl.unit), meter, meterUnit, meterEvery, p.tpl.anchor, nullable(p.tpl.season), p.tpl.lead,
		p.start, lastDone, lastMeter)
	owner, member := UserID(householdPeople[0].email), UserID(householdPeople[1].email)
	for i, t := range p.tasks {
		taskID := id(fmt.Sprintf("task:%s:%d", p.key, len(p.tasks)-1-i))
		var completed, closed *time.Time
		var by, closedBy *uuid.UUID
		var cost *int64
		var currency *string
		var meterValue *float64
		var reading *uuid.UUID
		switch t.state {
		case "done":
			at := t.done.Add(17*time.Hour + time.Duration(jitter(taskID.String(), 180))*time.Minute)
			who := owner
			if t.byMember {
				who = member
			}
			completed, by, closed, closedBy = &at, &who, &at, &who
			if t.cost > 0 {
				usd := "USD"
				cost, currency = &t.cost, &usd
			}
			if t.reading != uuid.Nil {
				meterValue, reading = &t.meter, &t.reading
			}
		case "skipped":
			at := t.done.Add(9 * time.Hour)
			closed, closedBy = &at, &owner
		}
		var dueMeter *float64
		if t.hasDueMeter {
			dueMeter = &t.dueMeter
		}
		b.Queue(`INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, plan_id, occurrence, kind, title,
				description, state, due_date, lead_days, due_meter, completed_time, completed_by, cost_minor, cost_currency,
				meter_value, reading_id, skip_reason, closed_time, closed_by)
			VALUES ($1, $2, $3, $4, $5, $6, 'maintenance', $7, $8, $9, $6, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
			ON CONFLICT DO NOTHING`,
			HouseholdTenantID, taskID, p.home, p.asset, planID, t.due, p.tpl.name, p.tpl.description, t.state,
			p.tpl.lead, dueMeter, completed, by, cost, currency, meterValue, reading, t.skip, closed, closedBy)
	}
}

// repair is an ad-hoc repair of one asset, done (with its cost) or open.
type repair struct {
	home, asset, key, title, notes string
	monthsAgo                      int
	cost                           int64 // USD cents
	open                           bool  // still to do: due monthsAgo ago (negative: ahead)
}

// repairs are the household's repair history: the disposal has cost most of
// its price in three years (the repair-or-replace hint says replace it), the
// old Outback needs more each year, the washer's board went (its cycle
// counter restarted then), and the cabin's portable generator waits for its
// carburetor.
var repairs = []repair{
	{home: "main", asset: "furnace", key: "igniter", title: "Replace the hot surface igniter", monthsAgo: 14, cost: 285_00,
		notes: "No heat on a -20 °C night; igniter cracked. Emergency call-out."},
	{home: "main", asset: "furnace", key: "flame-sensor", title: "Clean the flame sensor", monthsAgo: 3, cost: 129_00,
		notes: "Short-cycling; sensor cleaned, burners checked"},
	{home: "main", asset: "washer", key: "board", title: "Replace the main control board (dE error)", monthsAgo: 35, cost: 289_00,
		notes: "Cycle counter restarted from zero with the new board"},
	{home: "main", asset: "disposal", key: "jam", title: "Free the jammed flywheel and reset the motor", monthsAgo: 20, cost: 145_00},
	{home: "main", asset: "disposal", key: "flange", title: "Replace the leaking sink flange", monthsAgo: 6, cost: 135_00,
		notes: "Plumber says the unit itself is corroding"},
	{home: "main", asset: "outback", key: "brakes", title: "Front brake pads and rotors", monthsAgo: 26, cost: 680_00},
	{home: "main", asset: "outback", key: "cv-axle", title: "Replace the front left CV axle", monthsAgo: 11, cost: 540_00},
	{home: "main", asset: "outback", key: "ac-clutch", title: "Replace the A/C compressor clutch", monthsAgo: 4, cost: 1_450_00},
	{home: "main", asset: "water-heater", key: "thermocouple", title: "Replace the thermocouple", monthsAgo: 24, cost: 165_00},
	{home: "main", asset: "dehumidifier", key: "compressor", title: "Diagnose the compressor that will not start", monthsAgo: 2, cost: 95_00,
		notes: "Start capacitor suspected; part ordered"},
	{home: "main", asset: "dehumidifier", key: "capacitor", title: "Fit the new start capacitor", monthsAgo: -1, open: true},
	{home: "cabin", asset: "well-pump", key: "pressure-switch", title: "Replace the pressure switch", monthsAgo: 8, cost: 210_00},
	{home: "cabin", asset: "generator", key: "carburetor", title: "Clean the carburetor (surges at idle)", monthsAgo: 1, open: true},
}

func (r repair) queue(b *pgx.Batch, today time.Time) {
	key := "asset:" + r.home + ":" + r.asset
	day := today.AddDate(0, -r.monthsAgo, -jitter(key+r.key, 20))
	state := "done"
	var completed *time.Time
	var by *uuid.UUID
	var cost *int64
	var currency *string
	if r.open {
		state = "open"
	} else {
		at := day.Add(15 * time.Hour)
		owner := UserID(householdPeople[0].email)
		usd := "USD"
		completed, by, cost, currency = &at, &owner, &r.cost, &usd
	}
	b.Queue(`INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, kind, title, notes, state, due_date, lead_days,
			completed_time, completed_by, closed_time, closed_by, cost_minor, cost_currency)
		VALUES ($1, $2, $3, $4, 'repair', $5, $6, $7, $8, 0, $9, $10, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING`,
		HouseholdTenantID, id("repair:"+r.home+":"+r.asset+":"+r.key), id("home:"+r.home), id(key), r.title, r.notes, state, day,
		completed, by, cost, currency)
}

// utcDay is t's UTC calendar day.
func utcDay(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// readMaintenance counts the household's maintenance history.
func readMaintenance(ctx context.Context, tx pgx.Tx) (MaintenanceSummary, error) {
	var s MaintenanceSummary
	err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM maintenance.plans WHERE tenant_id = $1),
			count(*), count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'skipped'),
			count(*) FILTER (WHERE state IN ('open', 'in_progress')),
			count(*) FILTER (WHERE kind = 'repair'), coalesce(sum(cost_minor) FILTER (WHERE state = 'done'), 0)
		FROM maintenance.tasks WHERE tenant_id = $1`, HouseholdTenantID).
		Scan(&s.Plans, &s.Tasks, &s.Done, &s.Skipped, &s.Open, &s.Repairs, &s.SpendMinor)
	if err != nil {
		return s, fmt.Errorf("count maintenance: %w", err)
	}
	return s, nil
}
