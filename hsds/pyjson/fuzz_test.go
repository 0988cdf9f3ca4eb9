package pyjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// seeds are the inputs of the fuzz test and of the comparison with Python's json module.
var seeds = []string{
	`NaN`, `Infinity`, `-Infinity`, `[NaN, Infinity, -Infinity, 1.5]`, `{"fillValue": NaN}`,
	`{"a": "NaN", "b": -Infinity, "c": "-Infinity"}`, `["\"", NaN, "\\", Infinity]`, `[-1, -Infinity, -0.5]`,
	` { "k" : [ NaN , { "x" : -Infinity } ] } `, `"\u0000NaN"`, `["\u0000Infinity"]`, `{"\u0000NaN": 1}`,
	`{NaN: 1}`, `NaNNaN`, `-NaN`, `- Infinity`, `Infinit`, `"unterminated NaN`, `[NaN,]`, `nan`, `inf`,
	`[1e999, -1e999]`, `{"a": [true, false, null]}`, `"\u0000"`, `["\u0000NaNx", "\u0000nan"]`, "[NaN\n]",
	`{"s": "\\\"NaN\\\""}`, `[Infinity]x`, `{"a": NaN, "a": 1}`, `[[[-Infinity]]]`, `""`, `[]`, `{}`,
}

// FuzzToStd checks the translator on arbitrary input: it never panics, standard JSON is left
// unchanged, a translated document is standard JSON only if the input was (apart from the
// tokens), and FromStd inverts ToStd byte for byte.
func FuzzToStd(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		std, err := ToStd(data)
		if !bytes.Equal(in, data) {
			t.Fatalf("ToStd modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrReserved) {
				t.Fatalf("ToStd(%q): unexpected error %v", data, err)
			}
		} else {
			if back := FromStd(std); !bytes.Equal(back, data) {
				t.Fatalf("FromStd(ToStd(%q)) = %q", data, back)
			}
			if json.Valid(data) && !bytes.Equal(std, data) {
				t.Fatalf("ToStd changed standard JSON %q to %q", data, std)
			}
			// Only tokens change, each into a string: the number of quotes grows by two per token.
			if json.Valid(std) && !json.Valid(data) {
				for _, tk := range tokens {
					if bytes.Contains(data, []byte(tk.bare)) {
						goto ok
					}
				}
				t.Fatalf("ToStd made invalid %q valid: %q", data, std)
			ok:
			}
		}
		_ = FromStdNull(data)
		if json.Valid(data) {
			// Internal form to Python's dialect and back is the identity, unless the input spells a
			// sentinel value in a non-canonical way (which ToStd refuses).
			py := FromStd(data)
			again, err := ToStd(py)
			switch {
			case err != nil && !errors.Is(err, ErrReserved):
				t.Fatalf("ToStd(FromStd(%q)): %v", data, err)
			case err == nil && !bytes.Equal(again, data):
				t.Fatalf("ToStd(FromStd(%q)) = %q", data, again)
			}
			if _, err := DecodeValue(data); err != nil {
				t.Fatalf("DecodeValue(%q): %v", data, err)
			}
		}
	})
}
