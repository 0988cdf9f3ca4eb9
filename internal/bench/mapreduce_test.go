package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestMapreduceAgree(t *testing.T) {
	ref := q2Answer{"1.2.3.4": 1250000000, "10.0.0.1": 1, "9.9.9.9": -5}
	for _, tc := range []struct {
		name string
		got  q2Answer
		want string
	}{
		{"equal", q2Answer{"1.2.3.4": 1250000000, "10.0.0.1": 1, "9.9.9.9": -5}, ""},
		{"one unit off", q2Answer{"1.2.3.4": 1250000000, "10.0.0.1": 2, "9.9.9.9": -5}, `1 sums differ: "10.0.0.1": 0.00000002, want 0.00000001`},
		{"a group missing", q2Answer{"1.2.3.4": 1250000000, "9.9.9.9": -5}, `2 groups, want 3: 1 groups missing: "10.0.0.1" (0.00000001)`},
		{"a group too many", q2Answer{"1.2.3.4": 1250000000, "10.0.0.1": 1, "9.9.9.9": -5, "8.8.8.8": 0}, `1 groups too many: "8.8.8.8" (0.00)`},
		{"empty", q2Answer{}, "0 groups, want 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mapreduceCase{}.Agree(ref, tc.got)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Agree = %v, want %q", err, tc.want)
			}
		})
	}
	if err := (mapreduceCase{}).Agree(ref, map[string]int64{}); err == nil {
		t.Error("an answer of another type agreed")
	}
}

func TestParseQ2TSV(t *testing.T) {
	h := q2Header + "\n"
	for _, tc := range []struct {
		name, in string
		want     q2Answer
		err      string
	}{
		{"rows", h + "1.2.3.4\t12.50\t1250000000\n10.0.0.1\t0.00000001\t1\n", q2Answer{"1.2.3.4": 1250000000, "10.0.0.1": 1}, ""},
		{"no rows", h, q2Answer{}, ""},
		{"escaped key", h + "a\\tb\\\\\t1.00\t100000000\n", q2Answer{"a\tb\\": 100000000}, ""},
		{"empty", "", nil, "empty"},
		{"other header", "a\tb\tc\n", nil, "header"},
		{"decimal is not its units", h + "1.2.3.4\t12.50\t1250000001\n", nil, "line 2: adRevenue 12.50 is 1250000000 units, adRevenue_units says 1250000001"},
		{"bad decimal", h + "1.2.3.4\t1e5\t1\n", nil, "line 2: adRevenue"},
		{"bad units", h + "1.2.3.4\t1.00\tx\n", nil, "line 2: adRevenue_units"},
		{"two fields", h + "1.2.3.4\t1.00\n", nil, "line 2: 2 fields, want 3"},
		{"duplicate", h + "k\t1.00\t100000000\nk\t1.00\t100000000\n", nil, `line 3: group "k" a second time`},
		{"bad escape", h + "a\\x\t1.00\t100000000\n", nil, "unknown escape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseQ2TSV(bufio.NewReader(strings.NewReader(tc.in)))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := (mapreduceCase{}).Agree(tc.want, got); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// independentQ2 computes BDB Q2 (x = 8) over the parts without the code under test: fields cut
// by strings.Split, adRevenue read by math/big, sums in big integers of 1e-8 units. It returns
// the TSV hsfan would write (the decimals with 8 fraction digits) with its rows sorted by key.
func independentQ2(t *testing.T, paths []string) []string {
	t.Helper()
	sums := map[string]*big.Int{}
	scale := big.NewRat(100_000_000, 1)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			f := strings.Split(line, ",")
			if len(f) != 9 {
				t.Fatalf("%s: %d fields in %q", p, len(f), line)
			}
			r, ok := new(big.Rat).SetString(f[3])
			if !ok {
				t.Fatalf("%s: adRevenue %q", p, f[3])
			}
			r.Mul(r, scale)
			if !r.IsInt() {
				t.Fatalf("%s: adRevenue %q has more than 8 decimals", p, f[3])
			}
			k := f[0][:min(8, len(f[0]))]
			if sums[k] == nil {
				sums[k] = new(big.Int)
			}
			sums[k].Add(sums[k], r.Num())
		}
	}
	var rows []string
	for k, v := range sums {
		dec := new(big.Rat).SetFrac(v, big.NewInt(100_000_000)).FloatString(8)
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s", k, dec, v))
	}
	sort.Strings(rows)
	return rows
}

// fakeHsfan writes a shell script standing for hsfan: `hsfan mapreduce ... --out DIR` copies
// *src into DIR as bdb-q2.tsv and reports as hsfan does; exit code code.
func fakeHsfan(t *testing.T, src string, code int) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "hsfan")
	body := fmt.Sprintf(`#!/bin/sh
[ "$1" = mapreduce ] || { echo "fake hsfan: not $1" >&2; exit 2; }
out=
while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
mkdir -p "$out" && cp %q "$out/bdb-q2.tsv" || exit 3
echo "mapreduce    map 0.20s (16 tasks), reduce 0.10s (4 tasks), ...; 123.4 MB/s of input over 0.50s" >&2
echo "mapreduce    peak RSS 104.9 MB (VmHWM of this process)" >&2
exit %d
`, src, code)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}

// TestMapreduceCase runs the case at --quick size with a fake hsfan whose output is the answer
// computed independently (independentQ2): the floor agrees with it, and corral is reported
// missing. The same output with one sum one unit off, or one group left out, fails the case; so
// does a failing hsfan. The data is made once and reused (its completion marker).
func TestMapreduceCase(t *testing.T) {
	env := testEnv(t)
	env.Log = slog.New(slog.DiscardHandler)
	ctx := context.Background()
	c := mapreduceCase{}
	if err := c.Prepare(ctx, env); err != nil {
		t.Fatal(err)
	}
	paths := mapreducePaths(env)
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Fatalf("part %s: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(mapreduceDir(env), completeMarker)); err != nil {
		t.Fatalf("no completion marker: %v", err)
	}
	rows := independentQ2(t, paths)
	if len(rows) < 1000 {
		t.Fatalf("%d groups: too few to test anything", len(rows))
	}
	tsv := func(rows []string) string {
		p := filepath.Join(t.TempDir(), "q2.tsv")
		if err := os.WriteFile(p, []byte(q2Header+"\n"+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	env.HsfanBin = fakeHsfan(t, tsv(rows), 0)
	r, err := Run(ctx, env, []Case{c})
	if err != nil {
		t.Fatal(err)
	}
	cr := r.Cases[0]
	if cr.Status != StatusOK || cr.Reference != "plain scan" || len(cr.Systems) != 3 {
		t.Fatalf("case: %+v", cr)
	}
	hs, corral, floor := cr.Systems[0], cr.Systems[1], cr.Systems[2]
	if hs.Agrees == nil || !*hs.Agrees || hs.Parts[0].RatioVsRef <= 0 || hs.Parts[0].MBPerS <= 0 || hs.Figures["groups"] != float64(len(rows)) ||
		hs.Figures["job_seconds"] != 0.5 || hs.Figures["max_rss_mb"] != 104.9 || hs.Figures["wait4_max_rss_mb"] <= 0 {
		t.Errorf("hsfan: %+v", hs)
	}
	if corral.Status != StatusMissing || corral.Error != corralMissing {
		t.Errorf("corral: %+v", corral)
	}
	if floor.Status != StatusOK || floor.Parts[0].RatioVsRef != 1 || floor.Parts[0].Bytes != hs.Parts[0].Bytes {
		t.Errorf("floor: %+v", floor)
	}
	var tab bytes.Buffer
	if err := r.WriteTable(&tab); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"plain scan (ref)", "missing: corral (github.com/bcongdon/corral) cannot be installed", "mapreduce: hsfan peak RSS 105 MB (the child's own VmHWM", "0.500 s by its own report"} {
		if !strings.Contains(tab.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tab.String())
		}
	}

	// One sum one unit off (decimal and units alike), one group left out, a failing hsfan.
	off := append([]string(nil), rows...)
	f := strings.Split(off[7], "\t")
	var u big.Int
	u.SetString(f[2], 10)
	u.Add(&u, big.NewInt(1))
	off[7] = fmt.Sprintf("%s\t%s\t%s", f[0], new(big.Rat).SetFrac(&u, big.NewInt(100_000_000)).FloatString(8), u.String())
	for _, tc := range []struct {
		name, bin, want string
	}{
		{"one unit off", fakeHsfan(t, tsv(off), 0), fmt.Sprintf("1 sums differ: %q", f[0])},
		{"a group left out", fakeHsfan(t, tsv(append(append([]string(nil), rows[:3]...), rows[4:]...)), 0), "1 groups missing: " + fmt.Sprintf("%q", strings.Split(rows[3], "\t")[0])},
		{"hsfan fails", fakeHsfan(t, tsv(rows), 1), "exit status 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.HsfanBin = tc.bin
			r, err := Run(ctx, env, []Case{c})
			if err != nil {
				t.Fatal(err)
			}
			cr := r.Cases[0]
			if cr.Status != StatusFailed || cr.Systems[0].Status != StatusFailed || !strings.Contains(cr.Systems[0].Error, tc.want) {
				t.Fatalf("case %s, hsfan %+v; want failed with %q", cr.Status, cr.Systems[0], tc.want)
			}
			if cr.PrepareS > 5 {
				t.Errorf("prepare took %.1f s: the cached data was not reused", cr.PrepareS)
			}
		})
	}
}

// TestSelfRSS: hsfan mapreduce's peak RSS line is read in the unit it names (MB).
func TestSelfRSS(t *testing.T) {
	for _, c := range []struct {
		stderr string
		want   float64
		ok     bool
	}{
		{"x\nmapreduce    peak RSS 72.0 MB (VmHWM of this process)\n", 72.0, true},
		{"mapreduce    peak RSS 1234.5 MB (VmHWM of this process)\n", 1234.5, true},
		{"mapreduce    peak RSS 68 MB (VmHWM of this process)\n", 68, true},
		{"mapreduce    peak RSS 68.6 MiB (VmHWM of this process)\n", 0, false},
		{"no such line\n", 0, false},
	} {
		got, ok := selfRSS([]byte(c.stderr))
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %v %v, want %v %v", c.stderr, got, ok, c.want, c.ok)
		}
	}
}
