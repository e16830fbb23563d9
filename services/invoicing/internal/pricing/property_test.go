package pricing_test

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/pricing/pricingtest"
)

// roundRat is r rounded to the nearest integer, half away from zero: the
// rule computed with big rationals, independently of pricing.RoundDiv.
func roundRat(r *big.Rat) int64 {
	num := new(big.Int).Abs(r.Num())
	q, m := new(big.Int).QuoRem(num, r.Denom(), new(big.Int))
	if m.Lsh(m, 1).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q.Int64()
}

// exactTax is amount's tax under rule's mode as an exact fraction.
func exactTax(rule pricing.Rule, amount int64) *big.Rat {
	den := int64(10000)
	if rule.Mode == pricing.TaxInclusive {
		den += rule.RateBP
	}
	return big.NewRat(amount*rule.RateBP, den)
}

// TestComputeReconcilesRandomInvoices prices thousands of random invoices
// under both modes and both roundings and checks every sum against the
// rule recomputed independently (big rationals for every rounding), the
// reconciliation of the amount due to the cent, and the bound between the
// two roundings.
func TestComputeReconcilesRandomInvoices(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(10, 2027))
	const invoices = 20000
	var seen [3][3]int // mode × rounding, so the test shows it covered all
	var roundingsDiffered int
	for n := range invoices {
		rule, lines := pricingtest.RandomInvoice(rng)
		seen[rule.Mode][rule.Rounding]++
		priced, tot, err := pricing.Compute(rule, lines)
		if err != nil {
			t.Fatalf("invoice %d (%+v, %+v): %v", n, rule, lines, err)
		}

		// The lines, priced independently.
		var charges, discounts, credits, lineTax int64
		exactSum := new(big.Rat)
		taxedLines := int64(0)
		for _, l := range lines {
			if l.Kind <= pricing.Custom {
				charges += max(l.Quantity, 1) * l.UnitMinor
			}
		}
		for i, l := range lines {
			p := priced[i]
			var want int64
			switch {
			case l.Kind <= pricing.Custom:
				want = max(l.Quantity, 1) * l.UnitMinor
			case l.PercentBP > 0:
				want = -roundRat(big.NewRat(charges*l.PercentBP, 10000))
				discounts -= want
			case l.Kind == pricing.Discount:
				want = -max(l.Quantity, 1) * l.UnitMinor
				discounts -= want
			default:
				want = -max(l.Quantity, 1) * l.UnitMinor
				credits -= want
			}
			if p.AmountMinor != want {
				t.Fatalf("invoice %d line %d (%+v): amount %d, want %d", n, i, l, p.AmountMinor, want)
			}
			if p.Description != l.Description || p.Kind != l.Kind {
				t.Fatalf("invoice %d line %d: the line changed: %+v from %+v", n, i, p.Line, l)
			}
			if l.Kind == pricing.Credit {
				if p.TaxMinor != 0 {
					t.Fatalf("invoice %d line %d: a credit carries tax %d", n, i, p.TaxMinor)
				}
				continue
			}
			taxedLines++
			exactSum.Add(exactSum, exactTax(rule, want))
			wantTax := int64(0)
			if rule.Rounding == pricing.PerLine {
				wantTax = roundRat(exactTax(rule, want))
			}
			if p.TaxMinor != wantTax {
				t.Fatalf("invoice %d line %d (%+v): tax %d, want %d", n, i, l, p.TaxMinor, wantTax)
			}
			lineTax += roundRat(exactTax(rule, want))
		}
		perInvoiceTax := roundRat(exactSum)
		wantTax := perInvoiceTax
		if rule.Rounding == pricing.PerLine {
			wantTax = lineTax
		}
		total := charges - discounts
		if rule.Mode == pricing.TaxExclusive {
			total += wantTax
		}
		want := pricing.Totals{Charges: charges, Discounts: discounts, Taxable: charges - discounts, Tax: wantTax, Total: total, Credits: credits}
		if tot != want {
			t.Fatalf("invoice %d (%+v, %+v): totals %+v, want %+v", n, rule, lines, tot, want)
		}

		// The amount due reconciles to the cent after credit notes and
		// payments, overpayments included.
		credited := rng.Int64N(max(tot.Total-tot.Credits, 0) + 1)
		paid := rng.Int64N(max(tot.Total-tot.Credits-credited, 0) + 2)
		due := pricing.AmountDue(tot, credited, paid)
		recon := tot.Charges - tot.Discounts - tot.Credits - credited - paid
		if rule.Mode == pricing.TaxExclusive {
			recon += tot.Tax
		}
		if due != recon {
			t.Fatalf("invoice %d: amount due %d, reconciled %d", n, due, recon)
		}
		if due < -1 || tot.Total-tot.Credits < 0 {
			t.Fatalf("invoice %d: due %d with credits %d of total %d", n, due, tot.Credits, tot.Total)
		}

		// Total less tax is the net: the taxable amount when prices exclude
		// the tax; when they include it, the gross less its tax, which taxed
		// again gives back the gross within a cent (per invoice).
		net := tot.Taxable
		if rule.Mode == pricing.TaxInclusive {
			net = tot.Taxable - tot.Tax
			if rule.Rounding == pricing.PerInvoice {
				again := net + roundRat(big.NewRat(net*rule.RateBP, 10000))
				if d := again - tot.Taxable; d < -1 || d > 1 {
					t.Fatalf("invoice %d: net %d taxed again is %d, gross %d", n, net, again, tot.Taxable)
				}
			}
		}
		if tot.Total-tot.Tax != net {
			t.Fatalf("invoice %d: total %d − tax %d ≠ net %d", n, tot.Total, tot.Tax, net)
		}

		// Per line and per invoice differ by at most half a cent a taxed
		// line (each line within half a cent of exact, the invoice within
		// half a cent of the exact sum). Credits are not taxed, and left out:
		// credits up to one rounding's total may exceed the other's.
		other := rule
		other.Rounding = 3 - rule.Rounding
		var uncredited []pricing.Line
		for _, l := range lines {
			if l.Kind != pricing.Credit {
				uncredited = append(uncredited, l)
			}
		}
		_, otherTot, err := pricing.Compute(other, uncredited)
		if err != nil {
			t.Fatalf("invoice %d under %+v: %v", n, other, err)
		}
		d := otherTot.Tax - tot.Tax
		if d < 0 {
			d = -d
		}
		if 2*d > taxedLines+1 {
			t.Fatalf("invoice %d: roundings differ by %d over %d taxed lines", n, d, taxedLines)
		}
		if d != 0 {
			roundingsDiffered++
		}
	}
	for _, m := range []pricing.Mode{pricing.TaxInclusive, pricing.TaxExclusive} {
		for _, r := range []pricing.Rounding{pricing.PerInvoice, pricing.PerLine} {
			if seen[m][r] < invoices/8 {
				t.Errorf("mode %d rounding %d: only %d invoices", m, r, seen[m][r])
			}
		}
	}
	if roundingsDiffered < invoices/10 {
		t.Errorf("the roundings differed on only %d invoices: the generator misses half cents", roundingsDiffered)
	}
	t.Logf("%d invoices reconciled; the two roundings differed on %d", invoices, roundingsDiffered)
}
