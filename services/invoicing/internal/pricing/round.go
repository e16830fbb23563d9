package pricing

import (
	"math"
	"math/bits"
)

// RoundDiv is num / den rounded to the nearest integer, a remainder of
// exactly half going away from zero (2.5 → 3, −2.5 → −3). It never
// overflows: the remainder is compared with what is left of the divisor
// rather than doubled. It panics when den is 0, like the / operator.
func RoundDiv(num, den int64) int64 {
	q, r := num/den, num%den
	if r == 0 {
		return q
	}
	ar, ad := absU(r), absU(den)
	if ar < ad-ar {
		return q
	}
	// Away from zero: the sign of the exact quotient.
	if (num < 0) != (den < 0) {
		return q - 1
	}
	return q + 1
}

// mulDiv is a × b / den rounded like RoundDiv, with the product in 128 bits
// so that a large amount times a rate cannot overflow. den must be positive
// and b not negative; the result must fit in an int64 (it does for any
// amount when b ≤ den, as for every tax).
func mulDiv(a, b, den int64) int64 {
	if den <= 0 || b < 0 {
		panic("pricing: mulDiv needs den > 0 and b ≥ 0")
	}
	hi, lo := bits.Mul64(absU(a), uint64(b))
	if hi >= uint64(den) {
		panic("pricing: mulDiv overflows")
	}
	q, r := bits.Div64(hi, lo, uint64(den))
	if r >= uint64(den)-r {
		q++
	}
	if q > math.MaxInt64 {
		panic("pricing: mulDiv overflows")
	}
	if a < 0 {
		return -int64(q)
	}
	return int64(q)
}

// absU is |v| as an unsigned number, right for math.MinInt64 too.
func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}
