package aip

import "testing"

func TestWordAndValueKeepRunesWhole(t *testing.T) {
	t.Parallel()
	if w, rest, ok := word(`façade = "x"`); w != "façade" || rest != ` = "x"` || !ok {
		t.Errorf("word = %q %q %v", w, rest, ok)
	}
	// U+00E0 is C3 A0 in UTF-8, and A0 alone would read as a no-break space.
	if v, rest, ok := value(`à AND b`); v != "à" || rest != " AND b" || !ok {
		t.Errorf("value = %q %q %v", v, rest, ok)
	}
}
