// Package pricingtest makes random invoices for property tests of anything
// that prints or reconciles pricing's numbers (the pricing package itself,
// the PDF). It is imported by tests only.
package pricingtest

import (
	"fmt"
	"math/rand/v2"

	"steward.dev/services/invoicing/internal/pricing"
)

// rates are tax rates worth meeting often: none, GST, common VATs, and the
// bounds.
var rates = []int64{0, 500, 1000, 1000, 1000, 1500, 2000, 2500, 10000}

// RandomInvoice is a random rule and lines that pricing.Compute accepts:
// 1 to 12 charges (group, individual and custom lines, some of 0 quantity
// meaning 1, unit amounts up to $1000.00 with many odd cents so the tax
// often lands near half a cent), up to 3 discounts (percentages up to 50%
// in all, amounts up to a quarter of the charges in all), up to 2 credits
// (at most the total), in a shuffled order.
func RandomInvoice(rng *rand.Rand) (pricing.Rule, []pricing.Line) {
	rule := pricing.Rule{
		RateBP:   rates[rng.IntN(len(rates))],
		Mode:     pricing.Mode(1 + rng.IntN(2)),
		Rounding: pricing.Rounding(1 + rng.IntN(2)),
	}
	if rng.IntN(4) == 0 {
		rule.RateBP = rng.Int64N(10001)
	}
	var lines []pricing.Line
	var charges int64
	for i := range 1 + rng.IntN(12) {
		l := pricing.Line{
			Kind:        pricing.Kind(1 + rng.IntN(3)),
			Description: fmt.Sprintf("Charge %d", i+1),
			Quantity:    rng.Int64N(21),
			UnitMinor:   unit(rng),
		}
		if l.Kind != pricing.Custom {
			l.Description = fmt.Sprintf("Class %d — Student %d, weeks", rng.IntN(5), rng.IntN(5))
		}
		charges += max(l.Quantity, 1) * l.UnitMinor
		lines = append(lines, l)
	}
	percentLeft, amountLeft := int64(5000), charges/4
	for i := range rng.IntN(4) {
		l := pricing.Line{Kind: pricing.Discount, Description: fmt.Sprintf("Discount %d", i+1)}
		if rng.IntN(2) == 0 {
			l.PercentBP = rng.Int64N(percentLeft + 1)
			percentLeft -= l.PercentBP
		} else {
			l.Quantity = rng.Int64N(3)
			l.UnitMinor = rng.Int64N(amountLeft/max(l.Quantity, 1) + 1)
			amountLeft -= max(l.Quantity, 1) * l.UnitMinor
		}
		lines = append(lines, l)
	}
	_, t, err := pricing.Compute(rule, lines)
	if err != nil {
		panic(fmt.Sprintf("pricingtest: an invoice without credits does not compute: %v", err))
	}
	left := t.Total
	for i := range rng.IntN(3) {
		amount := rng.Int64N(left/2 + 1)
		if rng.IntN(8) == 0 {
			amount = left // credits up to the total exactly
		}
		left -= amount
		lines = append(lines, pricing.Line{Kind: pricing.Credit, Description: fmt.Sprintf("Credit %d", i+1), UnitMinor: amount})
	}
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	return rule, lines
}

// unit is a unit price: round dollars, amounts ending in 5 cents (half a
// cent of tax at 10%), and any cents, up to $1000.00.
func unit(rng *rand.Rand) int64 {
	switch rng.IntN(4) {
	case 0:
		return 100 * rng.Int64N(1001)
	case 1:
		return 10*rng.Int64N(10000) + 5
	default:
		return rng.Int64N(100001)
	}
}
