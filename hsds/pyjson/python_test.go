package pyjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os/exec"
	"reflect"
	"strconv"
	"testing"
)

// pythonParse runs Python's json.loads on each input and returns json.dumps of the result, or
// nil where Python rejects the input.
func pythonParse(t *testing.T, inputs []string) []*string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: skipping the comparison with Python's json module")
	}
	in, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-c", `
import json, sys
out = []
for s in json.load(sys.stdin):
    try:
        out.append(json.dumps(json.loads(s)))
    except ValueError:
        out.append(None)
json.dump(out, sys.stdout)
`)
	cmd.Stdin = bytes.NewReader(in)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var out []*string
	if err := json.Unmarshal(b, &out); err != nil || len(out) != len(inputs) {
		t.Fatalf("python3 output %s: %v", b, err)
	}
	return out
}

// TestMatchesPython checks that ToStd accepts exactly what Python's json.loads accepts (apart
// from reserved strings) and that the decoded values agree.
func TestMatchesPython(t *testing.T) {
	inputs := append([]string{
		`[NaN, Infinity, -Infinity]`, `{"v": -Infinity}`, "[\tNaN\n]", `[1.0, -0.0, 1e-05]`,
		`[NaN Infinity]`, `{"a": NaN,}`, `[-Infinity-1]`, `Infinity0`, `[0x1]`, `[.5]`,
	}, seeds...)
	want := pythonParse(t, inputs)
	for i, in := range inputs {
		std, err := ToStd([]byte(in))
		goOK := err == nil && json.Valid(std)
		reserved := err != nil
		pyOK := want[i] != nil
		if reserved {
			if !pyOK {
				t.Errorf("%q: Python rejects it, ToStd reports %v", in, err)
			}
			continue // Python accepts the string; hsfan refuses it (documented limitation)
		}
		if goOK != pyOK {
			t.Errorf("%q: Go accepts=%v (%s), Python accepts=%v", in, goOK, std, pyOK)
			continue
		}
		if !goOK {
			continue
		}
		got, err := DecodeValue(std)
		if err != nil {
			t.Fatalf("%q: DecodeValue: %v", in, err)
		}
		pstd, err := ToStd([]byte(*want[i]))
		if err != nil {
			t.Fatalf("Python output %s: %v", *want[i], err)
		}
		ref, err := DecodeValue(pstd)
		if err != nil {
			t.Fatalf("Python output %s: %v", *want[i], err)
		}
		if !sameValue(got, ref) {
			t.Errorf("%q: Go %#v, Python %#v", in, got, ref)
		}
	}
}

// num converts a decoded number to float64; beyond the float64 range is ±Inf, as in Python.
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil || errors.Is(err, strconv.ErrRange)
	}
	return 0, false
}

// sameValue compares decoded values, NaN equal to NaN, numbers by value.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float64, json.Number:
		fx, okx := num(x)
		fy, oky := num(b)
		return okx && oky && (fx == fy || math.IsNaN(fx) && math.IsNaN(fy))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !sameValue(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
