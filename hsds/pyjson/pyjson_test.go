package pyjson

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
)

func TestToStdFromStd(t *testing.T) {
	cases := []struct {
		name, py, std string
	}{
		{"nan", `NaN`, `"\u0000NaN"`},
		{"inf", `Infinity`, `"\u0000Infinity"`},
		{"neginf", `-Infinity`, `"\u0000-Infinity"`},
		{"list", `[NaN, Infinity, -Infinity, 1.5]`, `["\u0000NaN", "\u0000Infinity", "\u0000-Infinity", 1.5]`},
		{"compact list", `[NaN,-Infinity,-1,-1.5e-3]`, `["\u0000NaN","\u0000-Infinity",-1,-1.5e-3]`},
		{"whitespace", " [ NaN ,\n\t-Infinity\r] ", " [ \"\\u0000NaN\" ,\n\t\"\\u0000-Infinity\"\r] "},
		{"object value", `{"fillValue": NaN, "x": {"y": [Infinity]}}`, `{"fillValue": "\u0000NaN", "x": {"y": ["\u0000Infinity"]}}`},
		{"tokens in strings", `{"NaN": "NaN", "s": "-Infinity Infinity", "q": "\"NaN\\"}`, `{"NaN": "NaN", "s": "-Infinity Infinity", "q": "\"NaN\\"}`},
		{"escaped quote then token", `["a\"", NaN]`, `["a\"", "\u0000NaN"]`},
		{"backslash at string end", `["\\", NaN]`, `["\\", "\u0000NaN"]`},
		{"standard", `{"a": [1, -2, 3e5, true, false, null, "x"]}`, `{"a": [1, -2, 3e5, true, false, null, "x"]}`},
		{"nul string not a sentinel", `["\u0000", "\u0000NaNx", "\u0000nan"]`, `["\u0000", "\u0000NaNx", "\u0000nan"]`},
		{"sentinel as key stays", `{"\u0000NaN": NaN}`, `{"\u0000NaN": "\u0000NaN"}`},
		{"compound", `[NaN, 3]`, `["\u0000NaN", 3]`},
		{"empty", ``, ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ToStd([]byte(c.py))
			if err != nil {
				t.Fatalf("ToStd(%s): %v", c.py, err)
			}
			if string(got) != c.std {
				t.Fatalf("ToStd(%s) = %s, want %s", c.py, got, c.std)
			}
			if c.std != "" && !json.Valid(got) {
				t.Fatalf("ToStd(%s) = %s is not valid JSON", c.py, got)
			}
			if back := FromStd(got); string(back) != c.py {
				t.Fatalf("FromStd(%s) = %s, want %s", got, back, c.py)
			}
		})
	}
}

func TestToStdLeavesInvalidInvalid(t *testing.T) {
	// Python's json.loads rejects each of these; after ToStd encoding/json must reject them too.
	for _, py := range []string{`nan`, `NAN`, `inf`, `-inf`, `NaNx`, `[NaN1]`, `- Infinity`, `-NaN`, `+Infinity`,
		`{NaN: 1}`, `{Infinity : 1}`, `Infinit`, `[Na]`, `--Infinity`, `"NaN`, `[NaN,]`} {
		std, err := ToStd([]byte(py))
		if err == nil && json.Valid(std) {
			t.Errorf("ToStd(%s) = %s is valid JSON", py, std)
		}
	}
}

func TestToStdReserved(t *testing.T) {
	for _, py := range []string{`"\u0000NaN"`, `["\u0000Infinity"]`, `{"a": "\u0000-Infinity"}`, `"\u0000N\u0061N"`, `"\u0000\u004eaN"`} {
		if _, err := ToStd([]byte(py)); !errors.Is(err, ErrReserved) {
			t.Errorf("ToStd(%s) error %v, want ErrReserved", py, err)
		}
	}
}

func TestFromStdNull(t *testing.T) {
	std := `{"value": ["\u0000NaN", "\u0000Infinity", "\u0000-Infinity", 1.5], "\u0000NaN": "NaN"}`
	want := `{"value": [null, null, null, 1.5], "\u0000NaN": "NaN"}`
	if got := FromStdNull([]byte(std)); string(got) != want {
		t.Fatalf("FromStdNull = %s, want %s", got, want)
	}
}

func TestNoCopyWithoutTokens(t *testing.T) {
	src := []byte(`{"type": "H5T_IEEE_F32LE", "Name": "Infinite"}`)
	got, err := ToStd(src)
	if err != nil || &got[0] != &src[0] {
		t.Fatalf("ToStd copied or failed on standard JSON: %v", err)
	}
	if back := FromStd(src); &back[0] != &src[0] {
		t.Fatalf("FromStd copied JSON without sentinels")
	}
}

func TestDecodeValue(t *testing.T) {
	v, err := DecodeValue([]byte(`["\u0000NaN", "\u0000Infinity", "\u0000-Infinity", 1.5, "NaN", {"f": "\u0000NaN"}, [["\u0000-Infinity"]]]`))
	if err != nil {
		t.Fatal(err)
	}
	l := v.([]any)
	if f, ok := l[0].(float64); !ok || math.Float64bits(f) != 0x7ff8000000000000 {
		t.Errorf("NaN decoded as %#v", l[0])
	}
	if l[1] != math.Inf(1) || l[2] != math.Inf(-1) {
		t.Errorf("infinities decoded as %#v %#v", l[1], l[2])
	}
	if l[3] != json.Number("1.5") || l[4] != "NaN" {
		t.Errorf("ordinary values changed: %#v %#v", l[3], l[4])
	}
	if f := l[5].(map[string]any)["f"].(float64); !math.IsNaN(f) {
		t.Errorf("object member NaN decoded as %v", f)
	}
	if f := l[6].([]any)[0].([]any)[0]; f != math.Inf(-1) {
		t.Errorf("nested -Infinity decoded as %v", f)
	}
	if _, err := DecodeValue([]byte(`1 2`)); err == nil {
		t.Error("trailing data accepted")
	}
}

func TestUnmarshal(t *testing.T) {
	var m map[string]json.RawMessage
	if err := Unmarshal([]byte(`{"fillValue": NaN, "v": [Infinity]}`), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]json.RawMessage{"fillValue": json.RawMessage(`"\u0000NaN"`), "v": json.RawMessage(`["\u0000Infinity"]`)}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("Unmarshal = %s, want %s", m, want)
	}
}

func TestFloatSentinel(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Copysign(math.NaN(), -1), math.Inf(1), math.Inf(-1)} {
		s, ok := Sentinel(f)
		if !ok {
			t.Fatalf("Sentinel(%v) not found", f)
		}
		g, ok := Float(s)
		if !ok || !(math.IsNaN(f) && math.IsNaN(g) || f == g) {
			t.Fatalf("Float(Sentinel(%v)) = %v, %v", f, g, ok)
		}
		b, _ := json.Marshal(s)
		if got := FromStd(b); string(got) != map[bool]string{true: "NaN"}[math.IsNaN(f)]+map[float64]string{math.Inf(1): "Infinity", math.Inf(-1): "-Infinity"}[f] {
			t.Fatalf("FromStd(json.Marshal(Sentinel(%v))) = %s", f, got)
		}
	}
	if _, ok := Sentinel(1.5); ok {
		t.Fatal("Sentinel(1.5) reported a sentinel")
	}
	for _, s := range []string{"", "NaN", "\x00", "\x00nan", "\x00NaN ", "x\x00NaN"} {
		if _, ok := Float(s); ok {
			t.Errorf("Float(%q) reported a sentinel", s)
		}
	}
}

func TestFloat64(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{{math.NaN(), `"\u0000NaN"`}, {math.Inf(1), `"\u0000Infinity"`}, {math.Inf(-1), `"\u0000-Infinity"`},
		{-999.9, `-999.9`}, {1e300, `1e+300`}, {0, `0`}} {
		if got := string(Float64(c.f)); got != c.want {
			t.Errorf("Float64(%v) = %s, want %s", c.f, got, c.want)
		}
	}
}
