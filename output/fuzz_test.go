package output

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// FuzzWriteJSON: the JSON output is valid and reads back to the same
// strings, ints and finite floats (non-finite floats as null).
func FuzzWriteJSON(f *testing.F) {
	f.Add("2022-01-01", 20.52885965, int64(7))
	f.Add("\x00\xff\"\\<>&\u2028", math.NaN(), int64(math.MinInt64))
	f.Add("", math.Inf(-1), int64(0))
	f.Add("é", 5e-324, int64(-1))
	f.Fuzz(func(t *testing.T, s string, x float64, n int64) {
		tb := Table{Columns: []Column{{Name: s + "_s", String: []string{s}}, {Name: "f", Float64: []float64{x}}, {Name: "i", Int64: []int64{n}}},
			Meta: map[string]any{"k": s}}
		var b bytes.Buffer
		if err := WriteJSON(&b, tb); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Columns map[string][]any `json:"columns"`
		}
		dec := json.NewDecoder(&b)
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("invalid json %q: %v", b.String(), err)
		}
		want := string([]rune(s)) // invalid UTF-8 becomes U+FFFD, as encoding/json does
		if got := doc.Columns[want+"_s"]; len(got) != 1 || got[0] != want {
			t.Fatalf("string column %v, want %q", doc.Columns, want)
		}
		fv := doc.Columns["f"][0]
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if fv != nil {
				t.Fatalf("non-finite %v written as %v", x, fv)
			}
		} else if g, _ := fv.(json.Number).Float64(); g != x {
			t.Fatalf("float %v read back as %v", x, g)
		}
		if g, _ := doc.Columns["i"][0].(json.Number).Int64(); g != n {
			t.Fatalf("int %d read back as %d", n, g)
		}
	})
}

// FuzzAppendJSONString: the JSON output's strings are byte for byte those of encoding/json.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "123.45.6", "a\"b", `a\b`, "<>&", "\x00\x1f\x7f", "é", "\xff", "\u2028\u2029", "tab\there"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("%q: got %s, want x%s", s, got, want)
		}
	})
}
