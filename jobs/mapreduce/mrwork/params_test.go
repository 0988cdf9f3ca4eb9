package mrwork

import (
	"strings"
	"testing"
)

// TestBuiltinParams: the built-in jobs refuse nonsense parameter values with an error naming the
// parameter and the allowed values, and take every sensible one.
func TestBuiltinParams(t *testing.T) {
	for _, c := range []struct {
		job    string
		params map[string]string
		want   string // "" for no error
	}{
		{"bdb-q3", nil, ""},
		{"bdb-q3", map[string]string{"from": "1980-02-29", "to": "1980-02-29", "limit": "0"}, ""},
		{"bdb-q3", map[string]string{"to": "2010-01-01", "limit": "100"}, ""},
		{"bdb-q3", map[string]string{"from": "1980-13-01"}, `parameter from "1980-13-01": want a calendar date YYYY-MM-DD`},
		{"bdb-q3", map[string]string{"to": "1981-02-29"}, `parameter to "1981-02-29": want a calendar date`},
		{"bdb-q3", map[string]string{"from": "1980-1-01"}, `parameter from "1980-1-01"`},
		{"bdb-q3", map[string]string{"from": "19800101"}, `parameter from "19800101"`},
		{"bdb-q3", map[string]string{"to": ""}, `parameter to ""`},
		{"bdb-q3", map[string]string{"from": "1981-01-01", "to": "1980-01-01"}, "from 1981-01-01 and to 1980-01-01: want from <= to"},
		{"bdb-q3", map[string]string{"limit": "-1"}, `parameter limit "-1": want an integer >= 0`},
		{"bdb-q3", map[string]string{"limit": "one"}, `parameter limit "one": want an integer >= 0`},
		{"bdb-q3-agg", map[string]string{"limit": "-1"}, `parameter limit "-1"`},
		{"bdb-q3-agg", map[string]string{"from": "1981-01-01", "to": "1980-01-01"}, "want from <= to"},
		{"bdb-q1", map[string]string{"x": "0"}, ""},
		{"bdb-q1", map[string]string{"x": "10"}, ""},
		{"bdb-q1", map[string]string{"x": "-1"}, `parameter x "-1": want an integer >= 0`},
		{"bdb-q1", map[string]string{"x": "1e3"}, `parameter x "1e3": want an integer >= 0`},
		{"bdb-q2", map[string]string{"x": "1"}, ""},
		{"bdb-q2", map[string]string{"x": "0"}, `parameter x "0": want an integer in [1, 64]`},
		{"bdb-q2", map[string]string{"x": "65"}, `parameter x "65": want an integer in [1, 64]`},
		{"bdb-q2", map[string]string{"y": "1"}, `unknown parameter "y" (known: [x])`},
		{"wordcount", map[string]string{"x": "1"}, `unknown parameter "x" (known: [])`},
	} {
		_, _, err := Instantiate(c.job, c.params)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %v: %v", c.job, c.params, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %v: error %v, want %q", c.job, c.params, err, c.want)
		}
	}
}
