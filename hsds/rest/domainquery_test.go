package rest

import (
	"math"
	"testing"
)

// TestDomainQuery: HSDS's BooleanParser semantics (util/boolparser.py) on Python values: numbers
// compare with numbers, strings with strings; ordering across types is Python's TypeError
// (false); a missing variable is None.
func TestDomainQuery(t *testing.T) {
	vars := map[string]qval{"a": 8.0, "s": "A1", "b": []byte("x"), "n": math.NaN()}
	for _, c := range []struct {
		expr string
		want bool
		err  bool
	}{
		{"a > 7", true, false},
		{"a >= 8 AND s == 'A1'", true, false},
		{"a < 3 OR s != \"A1\"", false, false},
		{"(a < 3) | (a == 8)", true, false},
		{"a > 3 & (s == 'B' | s == 'A1')", true, false},
		{"s > 3", false, false},
		{"s == 3", false, false},
		{"s != 3", true, false},
		{"missing == 1", false, false},
		{"missing != 1", true, false},
		{"b == b'x'", true, false},
		{"a > 7 where whatever", true, false},
		{"n > 1 OR a == 8", true, false},
		{"n < 1", false, false},
		{"n != n", true, false},
		{"(a > 7) a", true, false}, // trailing tokens are ignored
		{"a > 7 a", false, false},  // "7 a" is one token: a variable, None
		{"a >", false, true},
		{"a 7", false, true},
		{"(a > 7", false, true},
	} {
		q, err := parseDomainQuery(c.expr)
		if (err != nil) != c.err {
			t.Errorf("%q: err %v, want error %v", c.expr, err, c.err)
			continue
		}
		if err == nil && q.eval(vars) != c.want {
			t.Errorf("%q = %v, want %v", c.expr, !c.want, c.want)
		}
	}
}
