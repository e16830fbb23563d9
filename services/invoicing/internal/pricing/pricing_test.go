package pricing_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
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

func TestRoundDivHalfAwayFromZero(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ num, den, want int64 }{
		{5, 10, 1}, {-5, 10, -1}, {5, -10, -1}, {-5, -10, 1},
		{15, 10, 2}, {-15, 10, -2}, {25, 10, 3}, {-25, 10, -3},
		{4, 10, 0}, {-4, 10, 0}, {14, 10, 1}, {16, 10, 2},
		{1, 3, 0}, {2, 3, 1}, {-2, 3, -1}, {0, 7, 0}, {21, 7, 3},
		{3590909, 1000, 3591}, {39500000, 11000, 3591},
		// The extremes, where doubling the remainder would overflow.
		{math.MaxInt64, 2, 1 << 62}, {math.MinInt64, 2, -(1 << 62)},
		{math.MaxInt64, math.MaxInt64, 1}, {math.MaxInt64 - 1, math.MaxInt64, 1},
		{math.MaxInt64 / 2, math.MaxInt64, 0}, {math.MaxInt64/2 + 1, math.MaxInt64, 1},
		{math.MinInt64, math.MaxInt64, -1}, {math.MinInt64 + 1, math.MinInt64, 1},
		{math.MinInt64 / 2, math.MinInt64, 1}, {math.MinInt64/2 + 1, math.MinInt64, 0},
	} {
		if got := pricing.RoundDiv(tc.num, tc.den); got != tc.want {
			t.Errorf("RoundDiv(%d, %d) = %d, want %d", tc.num, tc.den, got, tc.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		num, den := int64(rng.Uint64()), int64(rng.Uint64())>>rng.IntN(63)
		if den == 0 || (num == math.MinInt64 && den == -1) {
			continue
		}
		if got, want := pricing.RoundDiv(num, den), roundRat(big.NewRat(num, den)); got != want {
			t.Fatalf("RoundDiv(%d, %d) = %d, want %d", num, den, got, want)
		}
	}
}

// TestComputeHalfCents lands the tax and a percentage discount on exactly
// half a cent: each rounds up (away from zero), and a discount's tax down.
func TestComputeHalfCents(t *testing.T) {
	t.Parallel()
	excl := pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive, Rounding: pricing.PerInvoice}
	for _, tc := range []struct {
		name  string
		rule  pricing.Rule
		lines []pricing.Line
		want  pricing.Totals
	}{
		{
			name:  "exclusive 10% of 5 cents is 1 cent",
			rule:  excl,
			lines: []pricing.Line{{Kind: pricing.Custom, UnitMinor: 5}},
			want:  pricing.Totals{Charges: 5, Taxable: 5, Tax: 1, Total: 6},
		},
		{
			name:  "exclusive 10% of $10.25 is $1.03",
			rule:  excl,
			lines: []pricing.Line{{Kind: pricing.Custom, UnitMinor: 1025}},
			want:  pricing.Totals{Charges: 1025, Taxable: 1025, Tax: 103, Total: 1128},
		},
		{
			name:  "exclusive 10% of 4 cents is nothing",
			rule:  excl,
			lines: []pricing.Line{{Kind: pricing.Custom, UnitMinor: 4}},
			want:  pricing.Totals{Charges: 4, Taxable: 4, Total: 4},
		},
		{
			name:  "inclusive 20%: 3 cents carry half a cent, 1 cent",
			rule:  pricing.Rule{RateBP: 2000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice},
			lines: []pricing.Line{{Kind: pricing.Custom, UnitMinor: 3}},
			want:  pricing.Totals{Charges: 3, Taxable: 3, Tax: 1, Total: 3},
		},
		{
			name:  "inclusive 100%: 1 cent carries half a cent, 1 cent",
			rule:  pricing.Rule{RateBP: 10000, Mode: pricing.TaxInclusive, Rounding: pricing.PerLine},
			lines: []pricing.Line{{Kind: pricing.Custom, UnitMinor: 1}},
			want:  pricing.Totals{Charges: 1, Taxable: 1, Tax: 1, Total: 1},
		},
		{
			name: "50% off $10.05 is $5.03 (502.5 rounds up)",
			rule: excl,
			lines: []pricing.Line{
				{Kind: pricing.Custom, UnitMinor: 1005},
				{Kind: pricing.Discount, PercentBP: 5000},
			},
			// Taxable 502, its tax 50.2 → 50.
			want: pricing.Totals{Charges: 1005, Discounts: 503, Taxable: 502, Tax: 50, Total: 552},
		},
		{
			name: "per line: two half cents are two cents",
			rule: pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive, Rounding: pricing.PerLine},
			lines: []pricing.Line{
				{Kind: pricing.Custom, UnitMinor: 5},
				{Kind: pricing.Custom, UnitMinor: 5},
			},
			want: pricing.Totals{Charges: 10, Taxable: 10, Tax: 2, Total: 12},
		},
		{
			name: "per invoice: the same two half cents are one cent",
			rule: excl,
			lines: []pricing.Line{
				{Kind: pricing.Custom, UnitMinor: 5},
				{Kind: pricing.Custom, UnitMinor: 5},
			},
			want: pricing.Totals{Charges: 10, Taxable: 10, Tax: 1, Total: 11},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, got, err := pricing.Compute(tc.rule, tc.lines)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("totals = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestComputeDiscountTaxIsSymmetric: under per-line rounding a discount's
// tax is exactly the negative of the same amount charged, half cents
// included, so a charge discounted in full carries no tax.
func TestComputeDiscountTaxIsSymmetric(t *testing.T) {
	t.Parallel()
	for _, rule := range []pricing.Rule{
		{RateBP: 1000, Mode: pricing.TaxExclusive, Rounding: pricing.PerLine}, // 250.5 → 251
		{RateBP: 2000, Mode: pricing.TaxInclusive, Rounding: pricing.PerLine}, // 417.5 → 418
	} {
		priced, tot, err := pricing.Compute(rule, []pricing.Line{
			{Kind: pricing.GroupWeeks, UnitMinor: 2505},
			{Kind: pricing.Discount, UnitMinor: 2505},
		})
		if err != nil {
			t.Fatal(err)
		}
		charge, discount := priced[0].TaxMinor, priced[1].TaxMinor
		if charge != 251 && charge != 418 {
			t.Errorf("%+v: charge tax %d, want the half cent rounded up", rule, charge)
		}
		if discount != -charge {
			t.Errorf("%+v: discount tax %d, want %d", rule, discount, -charge)
		}
		if tot != (pricing.Totals{Charges: 2505, Discounts: 2505}) {
			t.Errorf("%+v: totals %+v, want all zero but charges and discounts", rule, tot)
		}
	}
}

func TestComputeExceedsTotal(t *testing.T) {
	t.Parallel()
	incl := pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}
	excl := pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive, Rounding: pricing.PerLine}
	for _, tc := range []struct {
		name  string
		rule  pricing.Rule
		extra []pricing.Line
		want  error // nil: accepted
	}{
		{"discount equal to the charges", incl, []pricing.Line{{Kind: pricing.Discount, UnitMinor: 39500}}, nil},
		{"discount a cent over", incl, []pricing.Line{{Kind: pricing.Discount, UnitMinor: 39501}}, pricing.ErrExceedsTotal},
		{"discount quantity × unit over", incl, []pricing.Line{{Kind: pricing.Discount, Quantity: 2, UnitMinor: 20000}}, pricing.ErrExceedsTotal},
		{"100% off", incl, []pricing.Line{{Kind: pricing.Discount, PercentBP: 10000}}, nil},
		{"60% and 60% off", incl, []pricing.Line{
			{Kind: pricing.Discount, PercentBP: 6000},
			{Kind: pricing.Discount, PercentBP: 6000},
		}, pricing.ErrExceedsTotal},
		{"a percentage and an amount over", incl, []pricing.Line{
			{Kind: pricing.Discount, PercentBP: 5000},
			{Kind: pricing.Discount, UnitMinor: 19751},
		}, pricing.ErrExceedsTotal},
		{"credit equal to the inclusive total", incl, []pricing.Line{{Kind: pricing.Credit, UnitMinor: 39500}}, nil},
		{"credit a cent over the inclusive total", incl, []pricing.Line{{Kind: pricing.Credit, UnitMinor: 39501}}, pricing.ErrExceedsTotal},
		{"credit equal to the exclusive total with tax", excl, []pricing.Line{{Kind: pricing.Credit, UnitMinor: 43450}}, nil},
		{"credits a cent over the exclusive total", excl, []pricing.Line{
			{Kind: pricing.Credit, UnitMinor: 43000},
			{Kind: pricing.Credit, UnitMinor: 451},
		}, pricing.ErrExceedsTotal},
		{"credit over what a discount leaves", incl, []pricing.Line{
			{Kind: pricing.Discount, UnitMinor: 9500},
			{Kind: pricing.Credit, UnitMinor: 30001},
		}, pricing.ErrExceedsTotal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, tot, err := pricing.Compute(tc.rule, append(specLines(), tc.extra...))
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && pricing.AmountDue(tot, 0, 0) < 0 {
				t.Errorf("accepted with amount due %d", pricing.AmountDue(tot, 0, 0))
			}
		})
	}
}

// TestComputeRefusesMalformedLines: lines a caller should have validated
// are an error, never ErrExceedsTotal (which is the family's data).
func TestComputeRefusesMalformedLines(t *testing.T) {
	t.Parallel()
	rule := pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}
	for name, l := range map[string]pricing.Line{
		"no kind":                    {UnitMinor: 100},
		"unknown kind":               {Kind: 6, UnitMinor: 100},
		"negative quantity":          {Kind: pricing.Custom, Quantity: -1, UnitMinor: 100},
		"negative unit":              {Kind: pricing.Custom, UnitMinor: -100},
		"huge unit":                  {Kind: pricing.Custom, UnitMinor: math.MaxInt64 / 2},
		"percentage on a charge":     {Kind: pricing.Custom, PercentBP: 1000},
		"percentage on a credit":     {Kind: pricing.Credit, PercentBP: 1000},
		"percentage and amount":      {Kind: pricing.Discount, PercentBP: 1000, UnitMinor: 100},
		"percentage over 100%":       {Kind: pricing.Discount, PercentBP: 10001},
		"negative percentage amount": {Kind: pricing.Discount, PercentBP: -1},
	} {
		if _, _, err := pricing.Compute(rule, append(specLines(), l)); err == nil || errors.Is(err, pricing.ErrExceedsTotal) {
			t.Errorf("%s: err = %v, want a malformed-line error", name, err)
		}
	}
	for name, r := range map[string]pricing.Rule{
		"no mode":       {RateBP: 1000, Rounding: pricing.PerLine},
		"no rounding":   {RateBP: 1000, Mode: pricing.TaxExclusive},
		"negative rate": {RateBP: -1, Mode: pricing.TaxExclusive, Rounding: pricing.PerLine},
		"rate over 100": {RateBP: 10001, Mode: pricing.TaxExclusive, Rounding: pricing.PerLine},
	} {
		if _, _, err := pricing.Compute(r, specLines()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestComputeLines(t *testing.T) {
	t.Parallel()
	rule := pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive, Rounding: pricing.PerLine}
	priced, tot, err := pricing.Compute(rule, []pricing.Line{
		{Kind: pricing.Credit, Description: "Make-up credit", UnitMinor: 1000},
		{Kind: pricing.Custom, Description: "Exam entry fee", UnitMinor: 4500}, // quantity 0 means 1
		{Kind: pricing.Discount, Description: "Sibling 10%", Quantity: 7, PercentBP: 1000},
		{Kind: pricing.Discount, Description: "Voucher", Quantity: 2, UnitMinor: 250},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ qty, amount, tax int64 }{
		{1, -1000, 0}, // a credit: not taxed
		{1, 4500, 450},
		{7, -450, -45}, // a percentage's quantity does not count
		{2, -500, -50},
	}
	for i, w := range want {
		if p := priced[i]; p.Quantity != w.qty || p.AmountMinor != w.amount || p.TaxMinor != w.tax {
			t.Errorf("line %d: quantity %d amount %d tax %d, want %d %d %d", i, p.Quantity, p.AmountMinor, p.TaxMinor, w.qty, w.amount, w.tax)
		}
	}
	if tot != (pricing.Totals{Charges: 4500, Discounts: 950, Taxable: 3550, Tax: 355, Total: 3905, Credits: 1000}) {
		t.Errorf("totals = %+v", tot)
	}
	if p, _, err := pricing.Compute(rule, []pricing.Line{{Kind: pricing.Custom, UnitMinor: 100}, {Kind: pricing.Discount, PercentBP: 500}}); err != nil || p[1].Quantity != 1 {
		t.Errorf("a percentage without a quantity: %+v, %v; want quantity 1, as stored", p, err)
	}
	if due := pricing.AmountDue(tot, 500, 1000); due != 1405 {
		t.Errorf("amount due = %d, want 1405", due)
	}
	if due := pricing.AmountDue(tot, 0, 3000); due != -95 {
		t.Errorf("overpaid amount due = %d, want -95", due)
	}
}

func TestInclusiveTax(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rule         pricing.Rule
		amount, want int64
	}{
		{pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive}, 39500, 3591},
		// The mode does not matter: a credit note's amount includes the tax.
		{pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive}, 43450, 3950},
		{pricing.Rule{RateBP: 1000, Mode: pricing.TaxExclusive}, 1100, 100},
		{pricing.Rule{RateBP: 2000, Mode: pricing.TaxInclusive}, 3, 1}, // half a cent up
		{pricing.Rule{RateBP: 0, Mode: pricing.TaxInclusive}, 39500, 0},
		{pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive}, 0, 0},
		{pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive}, math.MaxInt64, 838488366986797801}, // no overflow
	} {
		if got := pricing.InclusiveTax(tc.rule, tc.amount); got != tc.want {
			t.Errorf("InclusiveTax(%+v, %d) = %d, want %d", tc.rule, tc.amount, got, tc.want)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		currency string
		minor    int64
		want     string
	}{
		{"AUD", 3500, "$35.00"},
		{"USD", 3591, "$35.91"},
		{"AUD", -500, "-$5.00"},
		{"USD", 5, "$0.05"},
		{"AUD", 0, "$0.00"},
		{"AUD", 123456789, "$1234567.89"},
		{"EUR", 1250, "€12.50"},
		{"GBP", -7, "-£0.07"},
		{"JPY", 3500, "¥3500"},
		{"JPY", -1, "-¥1"},
		{"CHF", 1250, "CHF 12.50"},
		{"NZD", -1250, "-NZD 12.50"},
		{"KRW", 3500, "KRW 3500"},
		{"KWD", 12345, "KWD 12.345"},
		{"XYZ", 7, "XYZ 0.07"}, // not in ISO 4217: two digits
		{"", 1250, "12.50"},
		{"USD", math.MinInt64, "-$92233720368547758.08"},
	} {
		if got := pricing.FormatMinor(tc.currency, tc.minor); got != tc.want {
			t.Errorf("FormatMinor(%q, %d) = %q, want %q", tc.currency, tc.minor, got, tc.want)
		}
	}
}
