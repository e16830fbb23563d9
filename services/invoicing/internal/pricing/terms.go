package pricing

import (
	"fmt"
	"strconv"

	"github.com/google/uuid"
)

// Rate is one rate of a price list: what a group week and an individual
// week cost, for a class (ClassID set), for an instrument's classes
// (InstrumentID set) or by default (both zero).
type Rate struct {
	ClassID, InstrumentID               uuid.UUID
	GroupWeekMinor, IndividualWeekMinor int64
}

// Enrolment is a student's enrolment in a class for a term, with the weeks
// Booking counts for it (see Booking's ListBillableEnrolments).
type Enrolment struct {
	StudentID, ClassID, InstrumentID       uuid.UUID
	StudentName, ClassName, InstrumentName string
	GroupWeeks, IndividualWeeks            int64
}

// NoRateError says that no rate of the price list applies to a class that
// has weeks to bill: no class rate, no rate for its instrument and no
// default. Invoicing reports it as NO_PRICE_LIST.
type NoRateError struct {
	ClassID uuid.UUID
}

func (e *NoRateError) Error() string {
	return fmt.Sprintf("pricing: no rate for class %s", e.ClassID)
}

// maxDescription is the contract's bound on a line's description, in
// characters.
const maxDescription = 200

// TermLines are the term lines of enrolments, in their order: for each, a
// GroupWeeks line and an IndividualWeeks line, such as "Piano — Mia, 7 group
// weeks × $35.00", each left out when it has no weeks. The rate is the
// class's, else its instrument's, else the default; a *NoRateError when
// none applies to an enrolment with weeks.
func TermLines(currency string, rates []Rate, enrolments []Enrolment) ([]Line, error) {
	var byClass, byInstrument map[uuid.UUID]Rate
	var def *Rate
	for i, r := range rates {
		switch {
		case r.ClassID != uuid.Nil:
			if byClass == nil {
				byClass = make(map[uuid.UUID]Rate)
			}
			byClass[r.ClassID] = r
		case r.InstrumentID != uuid.Nil:
			if byInstrument == nil {
				byInstrument = make(map[uuid.UUID]Rate)
			}
			byInstrument[r.InstrumentID] = r
		default:
			def = &rates[i]
		}
	}
	lines := make([]Line, 0, 2*len(enrolments))
	for _, e := range enrolments {
		if e.GroupWeeks <= 0 && e.IndividualWeeks <= 0 {
			continue
		}
		r, ok := byClass[e.ClassID]
		if !ok && e.InstrumentID != uuid.Nil {
			r, ok = byInstrument[e.InstrumentID]
		}
		if !ok && def != nil {
			r, ok = *def, true
		}
		if !ok {
			return nil, &NoRateError{ClassID: e.ClassID}
		}
		name := e.ClassName
		if name == "" {
			name = e.InstrumentName
		}
		for _, w := range []struct {
			kind  Kind
			weeks int64
			unit  int64
			noun  string
		}{
			{GroupWeeks, e.GroupWeeks, r.GroupWeekMinor, "group"},
			{IndividualWeeks, e.IndividualWeeks, r.IndividualWeekMinor, "individual"},
		} {
			if w.weeks <= 0 {
				continue
			}
			lines = append(lines, Line{
				Kind:        w.kind,
				Description: termDescription(name, e.StudentName, w.noun, w.weeks, FormatMinor(currency, w.unit)),
				Quantity:    w.weeks,
				UnitMinor:   w.unit,
				StudentID:   e.StudentID,
				ClassID:     e.ClassID,
			})
		}
	}
	return lines, nil
}

// termDescription is "Piano — Mia, 7 group weeks × $35.00"; when long names
// would take it past the contract's bound, the names are shortened, never
// the counted part.
func termDescription(class, student, noun string, weeks int64, unit string) string {
	week := " weeks"
	if weeks == 1 {
		week = " week"
	}
	tail := ", " + strconv.FormatInt(weeks, 10) + " " + noun + week + " × " + unit
	room := maxDescription - len([]rune(tail)) - len([]rune(" — "))
	c, s := []rune(class), []rune(student)
	for len(c)+len(s) > room {
		// Shorten the longer name, one character at a time: names are at
		// most a few hundred characters.
		if len(c) >= len(s) {
			c = c[:len(c)-1]
		} else {
			s = s[:len(s)-1]
		}
	}
	return string(c) + " — " + string(s) + tail
}
