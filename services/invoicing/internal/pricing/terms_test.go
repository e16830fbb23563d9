package pricing_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"

	"steward.dev/services/invoicing/internal/pricing"
)

func TestTermLinesPrecedence(t *testing.T) {
	t.Parallel()
	piano, guitar := uuid.New(), uuid.New()
	pianoClass, pianoGroup, guitarClass := uuid.New(), uuid.New(), uuid.New()
	mia, leo := uuid.New(), uuid.New()
	rates := []pricing.Rate{
		{GroupWeekMinor: 2000, IndividualWeekMinor: 3000},                      // default
		{InstrumentID: piano, GroupWeekMinor: 3000, IndividualWeekMinor: 4500}, // piano's classes
		{ClassID: pianoClass, GroupWeekMinor: 3500, IndividualWeekMinor: 5000}, // this class
	}
	enrolments := []pricing.Enrolment{
		{StudentID: mia, ClassID: pianoClass, InstrumentID: piano, StudentName: "Mia", ClassName: "Piano", InstrumentName: "Piano", GroupWeeks: 7, IndividualWeeks: 3},
		{StudentID: leo, ClassID: uuid.New(), InstrumentID: guitar, StudentName: "Leo", ClassName: "Guitar", GroupWeeks: 0, IndividualWeeks: 0}, // nothing to bill
		{StudentID: leo, ClassID: pianoGroup, InstrumentID: piano, StudentName: "Leo", ClassName: "Piano Ensemble", GroupWeeks: 10},
		{StudentID: mia, ClassID: guitarClass, InstrumentID: guitar, StudentName: "Mia", InstrumentName: "Guitar", IndividualWeeks: 1},
	}
	lines, err := pricing.TermLines("AUD", rates, enrolments)
	if err != nil {
		t.Fatal(err)
	}
	want := []pricing.Line{
		{Kind: pricing.GroupWeeks, Description: "Piano — Mia, 7 group weeks × $35.00", Quantity: 7, UnitMinor: 3500, StudentID: mia, ClassID: pianoClass},
		{Kind: pricing.IndividualWeeks, Description: "Piano — Mia, 3 individual weeks × $50.00", Quantity: 3, UnitMinor: 5000, StudentID: mia, ClassID: pianoClass},
		// No class rate: the instrument's.
		{Kind: pricing.GroupWeeks, Description: "Piano Ensemble — Leo, 10 group weeks × $30.00", Quantity: 10, UnitMinor: 3000, StudentID: leo, ClassID: pianoGroup},
		// Neither: the default; a class without a name goes by its instrument.
		{Kind: pricing.IndividualWeeks, Description: "Guitar — Mia, 1 individual week × $30.00", Quantity: 1, UnitMinor: 3000, StudentID: mia, ClassID: guitarClass},
	}
	if len(lines) != len(want) {
		t.Fatalf("lines = %+v, want %+v", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, lines[i], want[i])
		}
	}

	// The spec's example priced from its term lines.
	_, tot, err := pricing.Compute(pricing.Rule{RateBP: 1000, Mode: pricing.TaxInclusive, Rounding: pricing.PerInvoice}, lines[:2])
	if err != nil {
		t.Fatal(err)
	}
	if tot.Total != 39500 || tot.Tax != 3591 {
		t.Errorf("spec example from term lines: %+v", tot)
	}
}

func TestTermLinesNoRate(t *testing.T) {
	t.Parallel()
	piano, class := uuid.New(), uuid.New()
	rates := []pricing.Rate{{InstrumentID: piano, GroupWeekMinor: 3000}}
	_, err := pricing.TermLines("AUD", rates, []pricing.Enrolment{
		{ClassID: uuid.New(), InstrumentID: piano, GroupWeeks: 3},
		{ClassID: class, InstrumentID: uuid.New(), StudentName: "Mia", GroupWeeks: 2},
	})
	var noRate *pricing.NoRateError
	if !errors.As(err, &noRate) || noRate.ClassID != class {
		t.Fatalf("err = %v, want a NoRateError for class %s", err, class)
	}
	// A class without an instrument does not match a rate for "no
	// instrument", only the default.
	if _, err := pricing.TermLines("AUD", rates, []pricing.Enrolment{{ClassID: class, IndividualWeeks: 1}}); !errors.As(err, &noRate) {
		t.Errorf("err = %v, want a NoRateError", err)
	}
	// Without weeks nothing needs a rate.
	lines, err := pricing.TermLines("AUD", nil, []pricing.Enrolment{{ClassID: class}})
	if err != nil || len(lines) != 0 {
		t.Errorf("no weeks: lines %+v, err %v", lines, err)
	}
}

func TestTermLinesLongNames(t *testing.T) {
	t.Parallel()
	lines, err := pricing.TermLines("EUR", []pricing.Rate{{GroupWeekMinor: 1250}}, []pricing.Enrolment{
		{ClassName: strings.Repeat("Ü", 300), StudentName: strings.Repeat("é", 150), GroupWeeks: 12},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := lines[0].Description
	if n := utf8.RuneCountInString(d); n != 200 {
		t.Errorf("description of %d characters, want the bound, 200: %q", n, d)
	}
	if !strings.HasSuffix(d, "é, 12 group weeks × €12.50") || !strings.HasPrefix(d, "ÜÜ") {
		t.Errorf("description = %q, want both names shortened and the count whole", d)
	}
}
