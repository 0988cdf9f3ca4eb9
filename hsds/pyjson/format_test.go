package pyjson

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// TestFormatMatchesPython: AppendFloat, AppendFloat32 and AppendString write what Python's
// json.dumps writes (the HSDS server's encoder) for a spread of floats, float32 values (numpy's
// repr) and strings with escapes, non-ASCII and astral characters.
func TestFormatMatchesPython(t *testing.T) {
	py := "/usr/bin/python3" // the one with numpy (the HSDS dependencies)
	if _, err := exec.LookPath(py); err != nil {
		t.Skip("/usr/bin/python3 not found: skipping the comparison with Python's json module")
	}
	r := rand.New(rand.NewPCG(1, 2))
	floats := []float64{0, math.Copysign(0, -1), 1, -2.5, 0.1, 1e16, 1e15, 9999999999999998, 1e-4, 9.99e-5,
		5e-324, math.MaxFloat64, 1795315537.888309, math.NaN(), math.Inf(1), math.Inf(-1)}
	for i := 0; i < 300; i++ {
		floats = append(floats, math.Float64frombits(r.Uint64()), r.NormFloat64()*math.Pow(10, float64(r.IntN(40)-20)))
	}
	var f32 []float32
	for i := 0; i < 200; i++ {
		f32 = append(f32, float32(r.NormFloat64()*math.Pow(10, float64(r.IntN(20)-10))))
	}
	f32 = append(f32, 0.42, 1.1, 3.4e38, 1e-45)
	strs := []string{"", "plain", `q"b\s`, "\n\r\t\b\f\x00\x1f\x7f", "é°C", "𝄞 astral", "\u2028", "a\xffb"}
	var fs []string
	for _, f := range floats {
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			fs = append(fs, string(AppendFloat(nil, f, false)))
		}
	}
	in, _ := json.Marshal(map[string]any{"f": fs, "f32": f32, "s": strs})
	cmd := exec.Command(py, "-c", `
import json, sys
d = json.load(sys.stdin)
out = {"f": [json.dumps(float(s)) for s in d["f"]],
       "s": [json.dumps(s) for s in d["s"]],
       "nan": json.dumps([float("nan"), float("inf"), -float("inf")])}
import numpy as np
# numpy's shortest float32 repr, written back as a Python float literal
out["f32"] = [repr(np.float32(x)).removeprefix("np.float32(").removesuffix(")") for x in d["f32"]]
json.dump(out, sys.stdout)
`)
	cmd.Stdin = bytes.NewReader(in)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var want struct {
		F, F32, S []string
		NaN       string
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for i, s := range fs {
		if s != want.F[i] {
			t.Errorf("AppendFloat wrote %s, Python %s", s, want.F[i])
		}
	}
	for i, x := range f32 {
		if got := string(AppendFloat32(nil, x, false)); got != want.F32[i] {
			t.Errorf("AppendFloat32(%v) wrote %s, numpy %s", x, got, want.F32[i])
		}
	}
	for i, s := range strs {
		// Python reads invalid UTF-8 through json.load as U+FFFD too.
		if got := string(AppendString(nil, strings.ToValidUTF8(s, "\ufffd"))); got != want.S[i] {
			t.Errorf("AppendString(%q) wrote %s, Python %s", s, got, want.S[i])
		}
	}
	var nan []byte
	nan = append(nan, '[')
	for i, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if i > 0 {
			nan = append(nan, ',', ' ')
		}
		nan = AppendFloat(nan, f, false)
	}
	if string(append(nan, ']')) != want.NaN {
		t.Errorf("non-finite floats %s, Python %s", nan, want.NaN)
	}
}
