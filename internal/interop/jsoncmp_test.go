package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// HSDS writes Python's JSON: NaN, Infinity and -Infinity are bare tokens (hsds-format.md 2.6).
// parseJSON reads such text into Go values: objects as map[string]any, numbers as json.Number
// (exact, also for 64-bit integers), the three tokens as float64.

const sentinel = "\x00float:"

// parseJSON decodes JSON that may hold NaN, Infinity and -Infinity tokens.
func parseJSON(b []byte) (any, error) {
	var out bytes.Buffer
	inStr, esc := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			out.WriteByte(c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out.WriteByte(c)
		case bytes.HasPrefix(b[i:], []byte("NaN")):
			out.WriteString(`"\u0000float:NaN"`)
			i += 2
		case bytes.HasPrefix(b[i:], []byte("Infinity")):
			out.WriteString(`"\u0000float:+Inf"`)
			i += 7
		case bytes.HasPrefix(b[i:], []byte("-Infinity")):
			out.WriteString(`"\u0000float:-Inf"`)
			i += 8
		default:
			out.WriteByte(c)
		}
	}
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("parse JSON %q: %w", truncate(b, 200), err)
	}
	if dec.More() {
		return nil, fmt.Errorf("parse JSON %q: trailing data", truncate(b, 200))
	}
	return unsentinel(v), nil
}

func unsentinel(v any) any {
	switch x := v.(type) {
	case string:
		if f, ok := strings.CutPrefix(x, sentinel); ok {
			switch f {
			case "NaN":
				return math.NaN()
			case "+Inf":
				return math.Inf(1)
			default:
				return math.Inf(-1)
			}
		}
	case []any:
		for i := range x {
			x[i] = unsentinel(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = unsentinel(x[k])
		}
	}
	return v
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// diffValues compares two JSON values as values and returns "" when they are equal, else where
// and how they differ. Numbers compare by value (1 == 1.0; integers exactly, beyond float64;
// NaN equals NaN; -0.0 differs from 0.0, which is a different float); lists by length and
// element; objects by key set and member.
func diffValues(want, got any) string {
	return diffAt("$", want, got)
}

func diffAt(path string, want, got any) string {
	if wn, ok := number(want); ok {
		gn, ok := number(got)
		if !ok {
			return fmt.Sprintf("%s: want number %s, got %s", path, show(want), show(got))
		}
		if !sameNumber(wn, gn) {
			return fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
		}
		return ""
	}
	switch w := want.(type) {
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: want list %s, got %s", path, show(want), show(got))
		}
		if len(w) != len(g) {
			return fmt.Sprintf("%s: want %d elements, got %d: %s vs %s", path, len(w), len(g), show(want), show(got))
		}
		for i := range w {
			if d := diffAt(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want object %s, got %s", path, show(want), show(got))
		}
		for _, k := range sortedKeys(w) {
			if _, ok := g[k]; !ok {
				return fmt.Sprintf("%s: key %q missing (want %s)", path, k, show(w[k]))
			}
			if d := diffAt(path+"."+k, w[k], g[k]); d != "" {
				return d
			}
		}
		for _, k := range sortedKeys(g) {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("%s: unexpected key %q (= %s)", path, k, show(g[k]))
			}
		}
		return ""
	}
	if fmt.Sprintf("%T:%v", want, want) != fmt.Sprintf("%T:%v", got, got) {
		return fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// num is a JSON number: an exact integer or a float.
type num struct {
	i     *big.Int
	f     float64
	isInt bool
}

func number(v any) (num, bool) {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if i, ok := new(big.Int).SetString(s, 10); ok {
				return num{i: i, isInt: true}, true
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return num{}, false
		}
		return num{f: f}, true
	case float64:
		return num{f: x}, true
	case int:
		return num{i: big.NewInt(int64(x)), isInt: true}, true
	}
	return num{}, false
}

func sameNumber(a, b num) bool {
	if a.isInt && b.isInt {
		return a.i.Cmp(b.i) == 0
	}
	fa, fb := a.f, b.f
	if a.isInt {
		fa, _ = new(big.Float).SetInt(a.i).Float64()
	}
	if b.isInt {
		fb, _ = new(big.Float).SetInt(b.i).Float64()
	}
	if math.IsNaN(fa) || math.IsNaN(fb) {
		return math.IsNaN(fa) && math.IsNaN(fb)
	}
	return fa == fb && math.Signbit(fa) == math.Signbit(fb)
}

// show renders a value for a message.
func show(v any) string {
	b, err := marshalPy(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return truncate(b, 300)
}

// marshalPy writes a value as Python's json.dumps would (NaN, Infinity, -Infinity tokens;
// -0.0 kept), for request bodies and messages.
func marshalPy(v any) ([]byte, error) {
	var b bytes.Buffer
	err := writePy(&b, v)
	return b.Bytes(), err
}

func writePy(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case json.Number:
		b.WriteString(string(x))
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			s := strconv.FormatFloat(x, 'g', -1, 64)
			if !strings.ContainsAny(s, ".eE") {
				s += ".0"
			}
			b.WriteString(s)
		}
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writePy(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteString(": ")
			if err := writePy(b, x[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		jb, err := json.Marshal(x)
		if err != nil {
			return err
		}
		b.Write(jb)
	}
	return nil
}
