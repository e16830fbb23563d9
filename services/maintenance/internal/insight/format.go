package insight

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// dayString writes a local date as "14 Mar", with the year when it is not
// now's year in loc.
func dayString(d time.Time, now time.Time, loc *time.Location) string {
	if d.Year() == now.In(loc).Year() {
		return d.Format("2 Jan")
	}
	return d.Format("2 Jan 2006")
}

// rangeString writes a range of local dates as compactly as it reads:
// "9–20 Mar", "28 Feb–6 Mar", "28 Dec 2026–6 Jan 2027".
func rangeString(a, b time.Time, now time.Time, loc *time.Location) string {
	switch {
	case a.Year() == b.Year() && a.Month() == b.Month():
		return strconv.Itoa(a.Day()) + "–" + dayString(b, now, loc)
	case a.Year() == b.Year() && b.Year() == now.In(loc).Year():
		return a.Format("2 Jan") + "–" + b.Format("2 Jan")
	case a.Year() == b.Year():
		return a.Format("2 Jan") + "–" + b.Format("2 Jan 2006")
	}
	return a.Format("2 Jan 2006") + "–" + b.Format("2 Jan 2006")
}

// number writes a usage figure: whole numbers with thousands separators
// ("16,000"), others with one decimal.
func number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return thousands(int64(v))
	}
	whole, frac, _ := strings.Cut(strconv.FormatFloat(v, 'f', 1, 64), ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	return thousands(n) + "." + frac
}

// thousands writes n with comma thousands separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// units are how the meter units Asset Management records read in a
// sentence: plural, and singular as in "a 500-hour limit".
var units = map[string][2]string{
	"hours":          {"hours", "hour"},
	"kilowatt_hours": {"kWh", "kWh"},
	"kilometers":     {"km", "km"},
	"miles":          {"miles", "mile"},
	"cycles":         {"cycles", "cycle"},
	"liters":         {"litres", "litre"},
	"gallons":        {"gallons", "gallon"},
}

func unitPlural(u string) string {
	if w, ok := units[u]; ok {
		return w[0]
	}
	return strings.ReplaceAll(u, "_", " ")
}

func unitSingular(u string) string {
	if w, ok := units[u]; ok {
		return w[1]
	}
	return strings.TrimSuffix(strings.ReplaceAll(u, "_", " "), "s")
}

// rateString writes a weekly rate as "~41 hours a week", falling back to a
// month or a year when a week's usage is under one unit, and to "almost no
// use" when a year's would round to nothing. A seasonal rate is the rate
// at this time of year.
func rateString(weekly float64, unit string, m Method) string {
	when := " lately"
	if m == MethodSeasonal {
		when = " at this time of year"
	}
	v, per := weekly, "a week"
	if v < 1 {
		v, per = weekly*365.25/12/7, "a month"
	}
	if v < 1 {
		v, per = weekly*365.25/7, "a year"
	}
	if v < 0.05 {
		return "almost no use" + when
	}
	s := "~" + rounded(v) + " " + unitPlural(unit) + " " + per
	if m == MethodSeasonal {
		s += when
	}
	return s
}

// rounded writes v to two significant figures, as an estimate deserves.
func rounded(v float64) string {
	switch {
	case v >= 100:
		return thousands(int64(math.Round(v/10) * 10))
	case v >= 10:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// money writes minor units of currency: "$1,240.00", "£12.50", "¥5,000",
// or "1,240.00 CHF" for a currency without a symbol here.
func money(minor int64, currency string) string {
	digits := 2
	switch currency {
	case "JPY", "KRW", "ISK", "CLP", "VND":
		digits = 0
	}
	neg := minor < 0
	if neg {
		minor = -minor
	}
	var s string
	if digits == 0 {
		s = thousands(minor)
	} else {
		s = fmt.Sprintf("%s.%02d", thousands(minor/100), minor%100)
	}
	if neg {
		s = "-" + s
	}
	switch currency {
	case "USD", "CAD", "AUD", "NZD":
		return "$" + s
	case "GBP":
		return "£" + s
	case "EUR":
		return "€" + s
	case "JPY":
		return "¥" + s
	}
	return s + " " + currency
}
