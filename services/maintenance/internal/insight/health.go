package insight

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Asset is what the health score needs of an asset.
type Asset struct {
	// InstallDate (else PurchaseDate) is when its life started; zero when
	// unknown.
	InstallDate, PurchaseDate time.Time
	LifespanMonths            int
	// PurchaseCostMinor in PurchaseCurrency is the replacement cost; 0 when
	// unknown.
	PurchaseCostMinor int64
	PurchaseCurrency  string
	OutOfService      bool
}

// WorkKind is what a task was for.
type WorkKind int

const (
	KindMaintenance WorkKind = iota
	KindRepair
	KindInspection
)

// WorkState is a task's stored state.
type WorkState int

const (
	StateOpen WorkState = iota
	StateInProgress
	StateDone
	StateSkipped
	StateCancelled
)

// Work is one task of the asset.
type Work struct {
	Title string
	Kind  WorkKind
	State WorkState
	// DueDate is the local due date; CompletedDate the local date it was
	// done or skipped (zero otherwise).
	DueDate, CompletedDate time.Time
	// CostMinor in CostCurrency is what it cost; 0 when not recorded.
	CostMinor    int64
	CostCurrency string
}

// ReasonCode names a reason the health score lost points.
type ReasonCode int

const (
	// ReasonGood: nothing lowered the score.
	ReasonGood ReasonCode = iota
	ReasonAge
	ReasonOverdue
	ReasonRepairs
	ReasonSkipped
	ReasonOutOfService
)

// Reason is one reason for the score, with the points it cost.
type Reason struct {
	Code   ReasonCode
	Points int
	Text   string
}

// HintKind is the repair-or-replace advice.
type HintKind int

const (
	// HintNone: no repairs in the last three years and life to spare.
	HintNone HintKind = iota
	// HintRepair: it has been repaired, and repairing still pays.
	HintRepair
	// HintReplace: the repairs approach its cost new, or its life is
	// nearly used.
	HintReplace
)

// Hint is the repair-or-replace advice and its figures.
type Hint struct {
	Kind HintKind
	Text string
	// RepairSpendMinor is the repair cost of the last three years in the
	// purchase currency; SpendPercent its share of the purchase cost,
	// rounded down (0 when the cost is unknown).
	RepairSpendMinor int64
	SpendPercent     int
}

// Health is an asset's score, why, and the hint.
type Health struct {
	Score   int
	Reasons []Reason
	Hint    Hint
}

// The points each reason may cost, and the thresholds of the hint.
const (
	maxAgePoints     = 50
	overduePoints    = 8
	maxOverdue       = 30
	repairPoints     = 7
	maxRepairs       = 25
	skippedPoints    = 3
	maxSkipped       = 10
	outOfService     = 15
	replaceLifeShare = 0.9
	repairYears      = 3
)

// Score scores the asset as of today (a local date) from its age, its open
// work and its record of the last years.
func Score(a Asset, work []Work, today time.Time) Health {
	today = civil(today)
	var reasons []Reason
	used, lifeKnown := lifeUsed(a, today)
	if pts := int(min(float64(maxAgePoints), 80*(used-0.5)+0.5)); lifeKnown && pts > 0 {
		reasons = append(reasons, Reason{Code: ReasonAge, Points: pts, Text: fmt.Sprintf("%s of its expected %s used (%d%%)",
			years(ageMonths(a, today)), years(float64(a.LifespanMonths)), int(used*100))})
	}

	var overdue []Work
	var repairs, skipped int
	var spend int64
	repairsSince, skippedSince := today.AddDate(-repairYears, 0, 0), today.AddDate(-1, 0, 0)
	for _, w := range work {
		switch {
		case (w.State == StateOpen || w.State == StateInProgress) && civil(w.DueDate).Before(today):
			overdue = append(overdue, w)
		case w.State == StateDone && w.Kind == KindRepair && !civil(w.CompletedDate).Before(repairsSince):
			repairs++
			if w.CostCurrency == a.PurchaseCurrency || a.PurchaseCurrency == "" {
				spend += w.CostMinor
			}
		case w.State == StateSkipped && w.Kind != KindRepair && !civil(w.CompletedDate).Before(skippedSince):
			skipped++
		}
	}
	if len(overdue) > 0 {
		oldest := slices.MinFunc(overdue, func(x, y Work) int { return x.DueDate.Compare(y.DueDate) })
		days := int(today.Sub(civil(oldest.DueDate)).Hours() / 24)
		text := fmt.Sprintf("%s overdue, the oldest (%s) by %s", count(len(overdue), "task"), oldest.Title, count(days, "day"))
		reasons = append(reasons, Reason{Code: ReasonOverdue, Points: min(maxOverdue, overduePoints*len(overdue)+days/30), Text: text})
	}
	if repairs > 0 {
		text := fmt.Sprintf("%s in the last %d years", count(repairs, "repair"), repairYears)
		if spend > 0 {
			text += " (" + money(spend, currencyOf(a, work)) + ")"
		}
		reasons = append(reasons, Reason{Code: ReasonRepairs, Points: min(maxRepairs, repairPoints*repairs), Text: text})
	}
	if skipped > 0 {
		reasons = append(reasons, Reason{Code: ReasonSkipped, Points: min(maxSkipped, skippedPoints*skipped),
			Text: count(skipped, "maintenance task") + " skipped in the last year"})
	}
	if a.OutOfService {
		reasons = append(reasons, Reason{Code: ReasonOutOfService, Points: outOfService, Text: "out of service"})
	}

	score := 100
	for _, r := range reasons {
		score -= r.Points
	}
	slices.SortStableFunc(reasons, func(x, y Reason) int { return cmp.Compare(y.Points, x.Points) })
	if len(reasons) == 0 {
		text := "no overdue work and no repairs in the last 3 years"
		if lifeKnown {
			text += fmt.Sprintf("; %d%% of its expected life used", int(used*100))
		}
		reasons = []Reason{{Code: ReasonGood, Text: text}}
	}
	return Health{Score: max(score, 0), Reasons: reasons, Hint: hint(a, used, lifeKnown, repairs, spend, currencyOf(a, work))}
}

// hint decides repair or replace: replace when the last years' repairs cost
// at least half the price new (2·spend ≥ cost, exact) or 90% of the life is
// used; repair when it has been repaired but neither holds.
func hint(a Asset, used float64, lifeKnown bool, repairs int, spend int64, currency string) Hint {
	h := Hint{RepairSpendMinor: spend}
	costKnown := a.PurchaseCostMinor > 0
	if costKnown {
		h.SpendPercent = int(spend * 100 / a.PurchaseCostMinor)
	}
	switch {
	case costKnown && spend > 0 && 2*spend >= a.PurchaseCostMinor:
		h.Kind = HintReplace
		h.Text = fmt.Sprintf("consider replacing it: repairs in the last %d years cost %s, %d%% of the %s it cost new",
			repairYears, money(spend, currency), h.SpendPercent, money(a.PurchaseCostMinor, a.PurchaseCurrency))
	case lifeKnown && used >= replaceLifeShare:
		h.Kind = HintReplace
		h.Text = fmt.Sprintf("consider replacing it: it has lived %d%% of the %s expected of it", int(used*100), years(float64(a.LifespanMonths)))
	case repairs > 0 && costKnown:
		h.Kind = HintRepair
		h.Text = fmt.Sprintf("repairing still pays: repairs in the last %d years cost %s, %d%% of the %s it cost new",
			repairYears, money(spend, currency), h.SpendPercent, money(a.PurchaseCostMinor, a.PurchaseCurrency))
	case repairs > 0:
		h.Kind = HintRepair
		h.Text = fmt.Sprintf("repairing still pays: %s in the last %d years and life to spare", count(repairs, "repair"), repairYears)
	}
	return h
}

// currencyOf is the currency repair spend is counted in: the purchase's,
// else the first repair's.
func currencyOf(a Asset, work []Work) string {
	if a.PurchaseCurrency != "" {
		return a.PurchaseCurrency
	}
	for _, w := range work {
		if w.Kind == KindRepair && w.CostCurrency != "" {
			return w.CostCurrency
		}
	}
	return ""
}

// lifeUsed is the share of the expected lifespan the asset has lived.
func lifeUsed(a Asset, today time.Time) (float64, bool) {
	if a.LifespanMonths <= 0 || (a.InstallDate.IsZero() && a.PurchaseDate.IsZero()) {
		return 0, false
	}
	return max(ageMonths(a, today), 0) / float64(a.LifespanMonths), true
}

// ageMonths is the asset's age in (average) months.
func ageMonths(a Asset, today time.Time) float64 {
	start := a.InstallDate
	if start.IsZero() {
		start = a.PurchaseDate
	}
	return today.Sub(civil(start)).Hours() / 24 / (365.25 / 12)
}

// years writes months as years: "9.4 years", "1 year", "8 months".
func years(months float64) string {
	if months < 12 {
		return count(int(months+0.5), "month")
	}
	y := math.Round(months/12*10) / 10
	if y == math.Trunc(y) {
		return count(int(y), "year")
	}
	return fmt.Sprintf("%.1f years", y)
}

// count writes n things: "1 task", "3 tasks".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// civil is t's year, month and day at UTC midnight, so that subtracting two
// local dates counts whole days whatever the zone's DST did between them.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
