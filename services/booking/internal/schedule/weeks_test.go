package schedule

import (
	"errors"
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTeachingWeeks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		term    Term
		mondays []string // the teaching weeks' Mondays, numbered 1.. in order
	}{
		{"one week, mid-week start and end", Term{Start: d("2027-02-03"), End: d("2027-02-05")}, []string{"2027-02-01"}},
		{"across a month end, starting on a Sunday", Term{Start: d("2027-01-31"), End: d("2027-02-14")},
			[]string{"2027-01-25", "2027-02-01", "2027-02-08"}},
		{"across a year end", Term{Start: d("2027-12-27"), End: d("2028-01-09")}, []string{"2027-12-27", "2028-01-03"}},
		{"leap year: 29 Feb 2028 is a day of the week of 28 Feb", Term{Start: d("2028-02-21"), End: d("2028-03-05")},
			[]string{"2028-02-21", "2028-02-28"}},
		{"a whole week in a break gets no number", Term{Start: d("2027-04-05"), End: d("2027-04-30"),
			Breaks: []Span{{d("2027-04-12"), d("2027-04-18")}}}, []string{"2027-04-05", "2027-04-19", "2027-04-26"}},
		{"a break over a week's term days only (term ends Wednesday)", Term{Start: d("2027-04-05"), End: d("2027-04-14"),
			Breaks: []Span{{d("2027-04-12"), d("2027-04-14")}}}, []string{"2027-04-05"}},
		{"a partial break keeps the week", Term{Start: d("2027-04-05"), End: d("2027-04-18"),
			Breaks: []Span{{d("2027-04-12"), d("2027-04-16")}}}, []string{"2027-04-05", "2027-04-12"}},
		{"the first week wholly a break", Term{Start: d("2027-04-08"), End: d("2027-04-21"),
			Breaks: []Span{{d("2027-04-08"), d("2027-04-11")}}}, []string{"2027-04-12", "2027-04-19"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.term.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			weeks := tc.term.Weeks()
			if len(weeks) != len(tc.mondays) {
				t.Fatalf("weeks = %v, want Mondays %v", weeks, tc.mondays)
			}
			for i, w := range weeks {
				if w.Number != i+1 || w.Monday.Format(time.DateOnly) != tc.mondays[i] || ISOWeekday(w.Monday) != 1 {
					t.Errorf("week %d = %d %s, want %d %s", i, w.Number, w.Monday.Format(time.DateOnly), i+1, tc.mondays[i])
				}
			}
		})
	}
}

func TestTermDay(t *testing.T) {
	t.Parallel()
	term := Term{Start: d("2028-02-23"), End: d("2028-03-10"), Breaks: []Span{{d("2028-03-06"), d("2028-03-06")}}}
	for _, tc := range []struct {
		monday  string
		weekday int
		date    string
		teaches bool
	}{
		{"2028-02-21", 1, "2028-02-21", false}, // before the term's first day
		{"2028-02-21", 3, "2028-02-23", true},
		{"2028-02-28", 2, "2028-02-29", true},  // the leap day
		{"2028-02-28", 3, "2028-03-01", true},  // across the month end
		{"2028-03-06", 1, "2028-03-06", false}, // a one-day break
		{"2028-03-06", 5, "2028-03-10", true},
		{"2028-03-06", 6, "2028-03-11", false}, // after the term's last day
	} {
		day, ok := term.Day(d(tc.monday), tc.weekday)
		if day.Format(time.DateOnly) != tc.date || ok != tc.teaches {
			t.Errorf("Day(%s, %d) = %s %v, want %s %v", tc.monday, tc.weekday, day.Format(time.DateOnly), ok, tc.date, tc.teaches)
		}
	}
}

func TestTermCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		term Term
	}{
		{"end before start", Term{Start: d("2027-02-03"), End: d("2027-02-02")}},
		{"over 53 weeks", Term{Start: d("2027-01-01"), End: d("2028-01-31")}},
		{"370 days from a Sunday: 54 teaching weeks", Term{Start: d("2027-01-03"), End: d("2028-01-08")}},
		{"break ends before it starts", Term{Start: d("2027-02-01"), End: d("2027-03-01"), Breaks: []Span{{d("2027-02-10"), d("2027-02-09")}}}},
		{"break outside the term", Term{Start: d("2027-02-01"), End: d("2027-03-01"), Breaks: []Span{{d("2027-02-25"), d("2027-03-02")}}}},
	} {
		if err := tc.term.Check(); err == nil {
			t.Errorf("%s: Check passed", tc.name)
		}
	}
}

// TestTermCheckMaxWeeks is the teaching-week bound at its edge: MaxWeeks
// weeks pass, one more does not, and a week wholly in a break does not count.
func TestTermCheckMaxWeeks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		term  Term
		weeks int
		ok    bool
	}{
		{"53 weeks, Sunday to Sunday", Term{Start: d("2027-01-03"), End: d("2028-01-02")}, 53, true},
		{"54 weeks, Sunday to Monday", Term{Start: d("2027-01-03"), End: d("2028-01-03")}, 54, false},
		{"54 weeks, 370 days", Term{Start: d("2027-01-03"), End: d("2028-01-08")}, 54, false},
		{"54 calendar weeks, one wholly a break", Term{Start: d("2027-01-03"), End: d("2028-01-08"),
			Breaks: []Span{{d("2027-08-02"), d("2027-08-08")}}}, 53, true},
	} {
		if got := len(tc.term.Weeks()); got != tc.weeks {
			t.Errorf("%s: %d teaching weeks, want %d", tc.name, got, tc.weeks)
		}
		err := tc.term.Check()
		if tc.ok && err != nil {
			t.Errorf("%s: Check: %v", tc.name, err)
		}
		var bad *DateError
		if !tc.ok && (!errors.As(err, &bad) || bad.Field != "end_date") {
			t.Errorf("%s: Check = %v, want an end_date DateError", tc.name, err)
		}
	}
}
