package pricing_test

import (
	"errors"
	"testing"

	"steward.dev/services/invoicing/internal/pricing"
)

// specLines are the example: 7 group weeks at $35.00 and 3
// individual weeks at $50.00.
func specLines() []pricing.Line {
	return []pricing.Line{
		{Kind: pricing.GroupWeeks, Description: "Piano — Mia, 7 group weeks × $35.00", Quantity: 7, UnitMinor: 3500},
		{Kind: pricing.IndividualWeeks, Description: "Piano — Mia, 3 individual weeks × $50.00", Quantity: 3, UnitMinor: 5000},
	}
}

func TestComputeSpecExample(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		rule     pricing.Rule
		want     pricing.Totals
		lineTaxs []int64
	}{
		{
			name: "inclusive per invoice",
			rule: pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice},
			// 39500 × 1000 / 11000 = 3590.909… → 3591.
			want:     pricing.Totals{Charges: 39500, Taxable: 39500, Tax: 3591, Total: 39500},
			lineTaxs: []int64{0, 0},
		},
		{
			name: "inclusive per line",
			rule: pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerLine},
			// 24500/11 = 2227.27… → 2227; 15000/11 = 1363.63… → 1364.
			want:     pricing.Totals{Charges: 39500, Taxable: 39500, Tax: 3591, Total: 39500},
			lineTaxs: []int64{2227, 1364},
		},
		{
			name:     "exclusive per invoice",
			rule:     pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive, Rounding: pricing.PerInvoice},
			want:     pricing.Totals{Charges: 39500, Taxable: 39500, Tax: 3950, Total: 43450},
			lineTaxs: []int64{0, 0},
		},
		{
			name:     "exclusive per line",
			rule:     pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive, Rounding: pricing.PerLine},
			want:     pricing.Totals{Charges: 39500, Taxable: 39500, Tax: 3950, Total: 43450},
			lineTaxs: []int64{2450, 1500},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			priced, got, err := pricing.Compute(tc.rule, specLines())
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("totals = %+v, want %+v", got, tc.want)
			}
			for i, p := range priced {
				if p.TaxMinor != tc.lineTaxs[i] {
					t.Errorf("line %d tax = %d, want %d", i, p.TaxMinor, tc.lineTaxs[i])
				}
			}
			if priced[0].AmountMinor != 24500 || priced[1].AmountMinor != 15000 {
				t.Errorf("amounts = %d, %d, want 24500, 15000", priced[0].AmountMinor, priced[1].AmountMinor)
			}
			if f := pricing.FormatMinor("AUD", got.Tax); tc.rule.Mode == pricing.TaxInclusive && f != "$35.91" {
				t.Errorf("GST = %s, want $35.91", f)
			}
		})
	}
}

func TestComputeRefusesDiscountsOverCharges(t *testing.T) {
	t.Parallel()
	rule := pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}
	lines := append(specLines(), pricing.Line{Kind: pricing.Discount, UnitMinor: 39501})
	if _, _, err := pricing.Compute(rule, lines); !errors.Is(err, pricing.ErrExceedsTotal) {
		t.Errorf("err = %v, want ErrExceedsTotal", err)
	}
}
