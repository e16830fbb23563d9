package pricing

import (
	"errors"
	"fmt"
	"math"

	"github.com/google/uuid"
)

// Mode says whether prices include the tax.
type Mode int

const (
	// TaxInclusive prices include the tax: the tax is the part of the total the rate says.
	TaxInclusive Mode = 1
	// TaxExclusive prices exclude the tax: it is added on top.
	TaxExclusive Mode = 2
)

// Rounding says where the tax is rounded to the minor unit.
type Rounding int

const (
	// PerInvoice rounds once, on the invoice's taxable total.
	PerInvoice Rounding = 1
	// PerLine rounds each charge and discount line's tax, then sums them.
	PerLine Rounding = 2
)

// Rule is an invoice's tax rule: its rate in basis points (1000 is 10%), 0 to
// 10000, its mode and its rounding.
type Rule struct {
	RateBP   int64
	Mode     Mode
	Rounding Rounding
}

// Kind is what a line is; the values are those of the contract's
// InvoiceLine.Kind.
type Kind int

const (
	// GroupWeeks is a student's group weeks of a class in a term (taxed).
	GroupWeeks Kind = iota + 1
	// IndividualWeeks is a student's individual weeks of a class in a term (taxed).
	IndividualWeeks
	// Custom is anything else charged (taxed).
	Custom
	// Discount comes off the charges before tax: quantity × unit, or
	// PercentBP of the charges.
	Discount
	// Credit comes off the total after tax and is not taxed.
	Credit
)

// Line is one line of an invoice as entered. Quantity 0 means 1, and it is
// ignored for a percentage discount. UnitMinor is the price of one unit, a
// discount's or credit's amount given positive; PercentBP is set only on a
// percentage discount, which has no UnitMinor.
type Line struct {
	Kind        Kind
	Description string
	Quantity    int64
	UnitMinor   int64
	PercentBP   int64
	// StudentID and ClassID are zero unless a term line.
	StudentID, ClassID uuid.UUID
}

// Priced is a line with its amount and tax, signed: discounts and credits
// are negative. TaxMinor is the line's tax under PerLine and zero under
// PerInvoice and for credits. Quantity is 1 where the Line said 0 (a
// percentage discount's too, though it does not count).
type Priced struct {
	Line
	AmountMinor, TaxMinor int64
}

// Totals are an invoice's sums. Discounts and Credits are positive: taxable
// = Charges − Discounts; Total = Taxable + Tax (exclusive) or Taxable
// (inclusive).
type Totals struct {
	Charges, Discounts, Taxable, Tax, Total, Credits int64
}

// ErrExceedsTotal is returned when the discounts exceed the charges or the
// credits exceed the total: an invoice never goes below zero before payments.
var ErrExceedsTotal = errors.New("pricing: discounts exceed the charges or credits exceed the total")

// Bounds that keep every product below 2^63 (the contract's bounds are far
// inside them: 200 lines × 1000 × 1,000,000.00).
const (
	maxQuantity = 1_000_000
	maxUnit     = 1_000_000_000_000 // 10 billion in a 2-digit currency
)

// Compute prices lines under rule: each line's signed amount and, under
// PerLine, its tax, and the invoice's totals. It returns ErrExceedsTotal
// when discounts exceed charges or credits exceed the total, and another
// error for a line out of bounds (a caller's validation gap: negative or
// huge amounts, a percentage on a line other than a discount, an unknown
// kind).
func Compute(rule Rule, lines []Line) ([]Priced, Totals, error) {
	if err := rule.check(); err != nil {
		return nil, Totals{}, err
	}
	priced := make([]Priced, len(lines))
	var t Totals
	// Charges first: a percentage discount is a share of all of them.
	for i, l := range lines {
		if err := l.check(); err != nil {
			return nil, Totals{}, fmt.Errorf("pricing: line %d: %w", i, err)
		}
		if l.Quantity == 0 {
			l.Quantity = 1 // as stored: a line's quantity is 1 to 1000
		}
		priced[i].Line = l
		if l.Kind <= Custom {
			priced[i].AmountMinor = l.Quantity * l.UnitMinor
			t.Charges += priced[i].AmountMinor
			// Far above any invoice, and low enough that the total (at most
			// twice the charges) and every sum below stay in an int64.
			if t.Charges > math.MaxInt64/10000 {
				return nil, Totals{}, fmt.Errorf("pricing: line %d: charges too large", i)
			}
		}
	}
	for i := range priced {
		p := &priced[i]
		switch {
		case p.Kind == Discount && p.PercentBP > 0:
			p.AmountMinor = -mulDiv(t.Charges, p.PercentBP, 10000)
		case p.Kind == Discount || p.Kind == Credit:
			p.AmountMinor = -p.Quantity * p.UnitMinor
		default:
			continue
		}
		if p.Kind == Discount {
			t.Discounts -= p.AmountMinor
		} else {
			t.Credits -= p.AmountMinor
		}
		// Credits that large are above any total; stopping here keeps the
		// sum in an int64.
		if t.Discounts > t.Charges || t.Credits > math.MaxInt64/2 {
			return nil, Totals{}, ErrExceedsTotal
		}
	}
	t.Taxable = t.Charges - t.Discounts
	switch rule.Rounding {
	case PerInvoice:
		t.Tax = rule.tax(t.Taxable)
	case PerLine:
		for i := range priced {
			if p := &priced[i]; p.Kind != Credit {
				p.TaxMinor = rule.tax(p.AmountMinor)
				t.Tax += p.TaxMinor
			}
		}
	}
	t.Total = t.Taxable
	if rule.Mode == TaxExclusive {
		t.Total += t.Tax
	}
	if t.Credits > t.Total {
		return nil, Totals{}, ErrExceedsTotal
	}
	return priced, t, nil
}

// AmountDue is what is still owed on an invoice with totals t after credit
// notes of creditedMinor and payments of paidMinor; negative when overpaid.
func AmountDue(t Totals, creditedMinor, paidMinor int64) int64 {
	return t.Total - t.Credits - creditedMinor - paidMinor
}

// InclusiveTax is the tax inside amountMinor, an amount that includes the
// tax at rule's rate whatever rule's mode (a credit note's amount always
// does): amount × rate / (10000 + rate), rounded.
func InclusiveTax(rule Rule, amountMinor int64) int64 {
	return mulDiv(amountMinor, rule.RateBP, 10000+rule.RateBP)
}

// tax is the rounded tax of a taxable amount (signed) under rule's mode.
func (r Rule) tax(amountMinor int64) int64 {
	if r.Mode == TaxInclusive {
		return mulDiv(amountMinor, r.RateBP, 10000+r.RateBP)
	}
	return mulDiv(amountMinor, r.RateBP, 10000)
}

func (r Rule) check() error {
	if r.RateBP < 0 || r.RateBP > 10000 {
		return fmt.Errorf("pricing: tax rate %d basis points is outside 0 to 10000", r.RateBP)
	}
	if r.Mode != TaxInclusive && r.Mode != TaxExclusive {
		return fmt.Errorf("pricing: unknown price mode %d", r.Mode)
	}
	if r.Rounding != PerInvoice && r.Rounding != PerLine {
		return fmt.Errorf("pricing: unknown rounding %d", r.Rounding)
	}
	return nil
}

func (l Line) check() error {
	switch {
	case l.Kind < GroupWeeks || l.Kind > Credit:
		return fmt.Errorf("unknown kind %d", l.Kind)
	case l.Quantity < 0 || l.Quantity > maxQuantity:
		return fmt.Errorf("quantity %d is out of bounds", l.Quantity)
	case l.UnitMinor < 0 || l.UnitMinor > maxUnit:
		return fmt.Errorf("unit amount %d is out of bounds", l.UnitMinor)
	case l.PercentBP < 0 || l.PercentBP > 10000:
		return fmt.Errorf("percentage %d basis points is outside 0 to 10000", l.PercentBP)
	case l.PercentBP > 0 && l.Kind != Discount:
		return errors.New("a percentage is only for a discount")
	case l.PercentBP > 0 && l.UnitMinor > 0:
		return errors.New("a discount is a percentage or an amount, not both")
	}
	return nil
}
