package pricing

import (
	"strconv"
	"strings"
)

// symbols are the currencies written with a sign before the amount; any
// other is written with its code, "CHF 12.50".
var symbols = map[string]string{
	"AUD": "$",
	"USD": "$",
	"EUR": "€",
	"GBP": "£",
	"JPY": "¥",
}

// minorDigits are ISO 4217's minor-unit digits of the currencies that do not
// have two.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// FormatMinor writes an amount of minor units of an ISO 4217 currency for
// people: "$35.00", "-$5.00", "$1234.50", "€12.50", "¥3500" (ISO 4217's
// minor digits; a code it does not list has two), "CHF 12.50".
func FormatMinor(currency string, minor int64) string {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	u := absU(minor)
	var pow uint64 = 1
	for range digits {
		pow *= 10
	}
	var b strings.Builder
	if minor < 0 {
		b.WriteByte('-')
	}
	if sym, ok := symbols[currency]; ok {
		b.WriteString(sym)
	} else if currency != "" {
		b.WriteString(currency)
		b.WriteByte(' ')
	}
	// No thousands separators: the amounts are read back from PDFs and
	// emails as they are written here.
	b.WriteString(strconv.FormatUint(u/pow, 10))
	if digits > 0 {
		frac := strconv.FormatUint(u%pow, 10)
		b.WriteByte('.')
		b.WriteString(strings.Repeat("0", digits-len(frac)))
		b.WriteString(frac)
	}
	return b.String()
}
