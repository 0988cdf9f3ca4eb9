package mapreduce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/output"
)

// writeParts generates a table into dir/<table>/ and returns the part paths.
func writeParts(t *testing.T, dir, table string, o GenOptions) []string {
	t.Helper()
	d := filepath.Join(dir, table)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range o.Parts {
		var buf bytes.Buffer
		var err error
		if table == "uservisits" {
			err = GenUservisits(&buf, o, p)
		} else {
			err = GenRankings(&buf, o, p)
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(d, PartName(p))
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

// refQ2 is the straightforward single-process Q2: strings.Split, big.Rat sums, 8 decimals.
func refQ2(t *testing.T, paths []string, x int) map[string]string {
	t.Helper()
	sums := map[string]*big.Rat{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSuffix(line, "\r")
			if line == "" {
				continue
			}
			f := strings.Split(line, ",")
			key := f[0]
			if len(key) > x {
				key = key[:x]
			}
			v, ok := new(big.Rat).SetString(f[3])
			if !ok {
				t.Fatalf("bad revenue %q", f[3])
			}
			if sums[key] == nil {
				sums[key] = new(big.Rat)
			}
			sums[key].Add(sums[key], v)
		}
	}
	out := map[string]string{}
	for k, v := range sums {
		s := v.FloatString(8)
		// the job prints at least two fraction digits, without trailing zeros
		for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
			s = strings.TrimSuffix(s, "0")
		}
		out[k] = s
	}
	return out
}

func readTable(t *testing.T, dir, name string) map[string][]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Columns map[string][]any `json:"columns"`
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc.Columns
}

func runJob(t *testing.T, spec Spec, o Options) *Outcome {
	t.Helper()
	out, err := Run(context.Background(), spec, o)
	if err != nil {
		t.Fatalf("run %s: %v", spec.Job, err)
	}
	return out
}

// checkNoTemp: the intermediate objects are gone after the run.
func checkNoTemp(t *testing.T, outDir string) {
	t.Helper()
	var left []string
	_ = filepath.Walk(filepath.Join(outDir, TempDirName), func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("intermediate objects left: %v", left[:min(5, len(left))])
	}
}

// lowerSpillMinimum lets the test's specs spill every few KiB (many runs per map task on
// small inputs) until it ends.
func lowerSpillMinimum(t *testing.T) {
	minSpillBytes = 1 << 10
	t.Cleanup(func() { minSpillBytes = MinSpillBytes })
}

func TestQ2MatchesReference(t *testing.T) {
	lowerSpillMinimum(t)
	dir := t.TempDir()
	paths := writeParts(t, dir, "uservisits", GenOptions{Rows: 20000, Parts: 3, Seed: 7})
	for _, x := range []int{8, 3} {
		want := refQ2(t, paths, x)
		for _, c := range []struct {
			name       string
			reducers   int
			split      int64
			spill      int
			concurrent int
		}{
			{"defaults", 0, 0, 0, 0},
			{"small-splits-spills", 3, 50_000, 64 << 10, 4},
			{"one-reducer-tiny-splits", 1, 7_777, 4 << 10, 3},
		} {
			t.Run(fmt.Sprintf("x%d/%s", x, c.name), func(t *testing.T) {
				out := t.TempDir()
				res := runJob(t, Spec{Job: "bdb-q2", Params: map[string]string{"x": strconv.Itoa(x)}, Inputs: []string{"file://" + filepath.Join(dir, "uservisits")},
					Out: out, Reducers: c.reducers, SplitSize: c.split, SpillBytes: c.spill, Concurrency: c.concurrent}, Options{})
				cols := readTable(t, out, "bdb-q2")
				keys, sums := cols["sourceIP_prefix"], cols["adRevenue"]
				if len(keys) != len(want) {
					t.Fatalf("%d groups, want %d", len(keys), len(want))
				}
				for i, k := range keys {
					if got := sums[i].(string); got != want[k.(string)] {
						t.Fatalf("group %q: sum %s, want %s", k, got, want[k.(string)])
					}
					if i > 0 && keys[i-1].(string) >= k.(string) {
						t.Fatalf("rows not sorted by key at %d: %q then %q", i, keys[i-1], k)
					}
				}
				if res.Records != 20000 {
					t.Errorf("records %d, want 20000", res.Records)
				}
				for _, f := range []string{"bdb-q2.arrow", "bdb-q2.tsv", "manifest.json"} {
					if _, err := os.Stat(filepath.Join(out, f)); err != nil {
						t.Error(err)
					}
				}
				checkNoTemp(t, out)
			})
		}
	}
}

// TestFaultsGiveIdenticalOutputs: failures, throttles, lost replies (the work is done twice, its
// objects written twice) and speculative duplicates change nothing in the outputs.
func TestFaultsGiveIdenticalOutputs(t *testing.T) {
	lowerSpillMinimum(t)
	dir := t.TempDir()
	writeParts(t, dir, "uservisits", GenOptions{Rows: 8000, Parts: 2, Seed: 3})
	spec := Spec{Job: "bdb-q2", Inputs: []string{"file://" + filepath.Join(dir, "uservisits") + "/part-*.csv"}, Reducers: 3, SplitSize: 30_000, SpillBytes: 16 << 10, Concurrency: 4, MaxAttempts: 20}
	base := t.TempDir()
	spec.Out = base
	runJob(t, spec, Options{})
	want, _ := os.ReadFile(filepath.Join(base, "bdb-q2.tsv"))
	tune := func(o *fanout.Options) {
		o.BackoffBase, o.BackoffMax, o.SpeculateAfter, o.SpeculateFraction = time.Millisecond, 5*time.Millisecond, 50*time.Millisecond, 0.5
	}
	for i, f := range []fanout.Faults{
		{Seed: 1, FailRate: 0.3},
		{Seed: 2, ThrottleRate: 0.3},
		{Seed: 3, LostReplyRate: 0.4},
		{Seed: 4, FailRate: 0.1, ThrottleRate: 0.1, LostReplyRate: 0.2},
		{Seed: 5, SlowRate: 0.2, SlowDelay: 400 * time.Millisecond},
	} {
		out := t.TempDir()
		spec.Out = out
		spec.Speculate = i == 4
		t0 := time.Now()
		res := runJob(t, spec, Options{Faults: &f, Tune: tune})
		t.Logf("faults %+v: %.2fs, %+v", f, time.Since(t0).Seconds(), res.Stats.Counts)
		got, _ := os.ReadFile(filepath.Join(out, "bdb-q2.tsv"))
		if !bytes.Equal(got, want) {
			t.Errorf("faults %+v: outputs differ (%d vs %d bytes)", f, len(got), len(want))
		}
		if res.Stats.Retries == 0 && res.Stats.Throttles == 0 && res.Stats.Speculative == 0 {
			t.Errorf("faults %+v: nothing was injected", f)
		}
		if spec.Speculate && (res.Stats.Speculative == 0 || res.Stats.DuplicatesIgnored+res.Stats.Speculative == 0) {
			t.Errorf("stragglers: %d speculative copies, %d duplicates ignored", res.Stats.Speculative, res.Stats.DuplicatesIgnored)
		}
		checkNoTemp(t, out)
	}
}

func TestLostTaskFailsNamingIt(t *testing.T) {
	dir := t.TempDir()
	writeParts(t, dir, "uservisits", GenOptions{Rows: 2000, Parts: 2, Seed: 3})
	out := t.TempDir()
	_, err := Run(context.Background(), Spec{Job: "bdb-q2", Inputs: []string{"file://" + filepath.Join(dir, "uservisits")}, Out: out, MaxAttempts: 2},
		Options{Faults: &fanout.Faults{FailTasks: map[int]int{1: -1}}})
	if err == nil || !strings.Contains(err.Error(), "lost map task 1 (") || !strings.Contains(err.Error(), "part-00001.csv") {
		t.Fatalf("error %v: want the lost map task 1 named with its split", err)
	}
	for _, f := range []string{"bdb-q2.json", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("a failed run left %s", f)
		}
	}
	checkNoTemp(t, out)
}

func TestInputErrors(t *testing.T) {
	dir := t.TempDir()
	writeParts(t, dir, "uservisits", GenOptions{Rows: 10, Parts: 1, Seed: 3})
	for _, in := range []string{"file://" + dir + "/uservisits/*.tsv", "file://" + dir + "/nothing/", "file://" + dir + "/uservisits/part-9"} {
		_, err := Run(context.Background(), Spec{Job: "bdb-q2", Inputs: []string{in}, Out: t.TempDir()}, Options{})
		if err == nil || !strings.Contains(err.Error(), in) || !strings.Contains(err.Error(), "matches no object") {
			t.Errorf("input %s: error %v, want one naming it", in, err)
		}
	}
	// An output location that cannot be written fails before any task runs.
	file := filepath.Join(dir, "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	res, err := Run(context.Background(), Spec{Job: "bdb-q2", Inputs: []string{"file://" + dir + "/uservisits/"}, Out: file}, Options{})
	if err == nil || !strings.Contains(err.Error(), file) || res.Map.Tasks != 0 {
		t.Errorf("unwritable output: %v", err)
	}
	_, err = Run(context.Background(), Spec{Job: "nope", Inputs: []string{"file://" + dir}, Out: t.TempDir()}, Options{})
	if err == nil || !strings.Contains(err.Error(), "wordcount") {
		t.Errorf("unknown job: %v", err)
	}
}

func TestQ1MatchesReference(t *testing.T) {
	dir := t.TempDir()
	paths := writeParts(t, dir, "rankings", GenOptions{Rows: 30000, Parts: 2, Seed: 5})
	want := map[string]int64{}
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			f := strings.Split(line, ",")
			r, _ := strconv.ParseInt(f[1], 10, 64)
			if r > 1000 {
				want[f[0]] = r
			}
		}
	}
	out := t.TempDir()
	runJob(t, Spec{Job: "bdb-q1", Inputs: []string{"file://" + filepath.Join(dir, "rankings")}, Out: out, SplitSize: 100_000, Reducers: 2}, Options{})
	cols := readTable(t, out, "bdb-q1")
	if len(cols["pageURL"]) != len(want) || len(want) == 0 {
		t.Fatalf("%d rows, want %d", len(cols["pageURL"]), len(want))
	}
	for i, u := range cols["pageURL"] {
		r, _ := cols["pageRank"][i].(json.Number).Int64()
		if want[u.(string)] != r {
			t.Fatalf("%s: rank %d, want %d", u, r, want[u.(string)])
		}
	}
}

func TestWordCountMatchesReference(t *testing.T) {
	dir := t.TempDir()
	var text strings.Builder
	ws := []string{"the", "a", "fan", "out", "HSDS", "map", "reduce", "über"}
	for i := range 5000 {
		for j := range i % 7 {
			text.WriteString(ws[(i*j+i)%len(ws)])
			text.WriteString([]string{" ", "\t", "  "}[j%3])
		}
		text.WriteString([]string{"\n", "\r\n", "\n\n"}[i%3])
	}
	text.WriteString("last line without newline")
	if err := os.MkdirAll(filepath.Join(dir, "text"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "text", "a.txt"), []byte(text.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "text", "empty.txt"), nil, 0o644)
	// Markers and hidden directories (an earlier run's .hsfan-tmp) are not inputs of a prefix.
	os.WriteFile(filepath.Join(dir, "text", "_SUCCESS"), []byte("junk"), 0o644)
	os.MkdirAll(filepath.Join(dir, "text", ".hsfan-tmp", "b"), 0o755)
	os.WriteFile(filepath.Join(dir, "text", ".hsfan-tmp", "b", "x"), []byte("junk"), 0o644)
	want := map[string]int64{}
	for _, w := range strings.Fields(text.String()) {
		want[w]++
	}
	out := t.TempDir()
	runJob(t, Spec{Job: "wordcount", Inputs: []string{"file://" + filepath.Join(dir, "text")}, Out: out, SplitSize: 997, Reducers: 40}, Options{}) // more reducers than words: empty partitions
	cols := readTable(t, out, "wordcount")
	got := map[string]int64{}
	for i, w := range cols["word"] {
		n, _ := cols["count"][i].(json.Number).Int64()
		got[w.(string)] = n
	}
	if len(got) != len(want) {
		t.Fatalf("%d words, want %d: %v", len(got), len(want), got)
	}
	for w, n := range want {
		if got[w] != n {
			t.Errorf("%q: %d, want %d", w, got[w], n)
		}
	}
}

// TestOutputsRecordTheRun: manifest and meta carry the run id and inputs; the TSV has a header.
func TestOutputsRecordTheRun(t *testing.T) {
	dir := t.TempDir()
	writeParts(t, dir, "uservisits", GenOptions{Rows: 100, Parts: 1, Seed: 1})
	out := t.TempDir()
	res := runJob(t, Spec{Job: "bdb-q2", Inputs: []string{"file://" + filepath.Join(dir, "uservisits")}, Out: out}, Options{})
	var m output.Manifest
	data, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.RunID != res.RunID || m.Counts.Tasks != 1+DefaultReducers || len(m.Outputs) != 3 {
		t.Errorf("manifest %+v", m)
	}
	tsv, _ := os.ReadFile(filepath.Join(out, "bdb-q2.tsv"))
	if !strings.HasPrefix(string(tsv), "sourceIP_prefix\tadRevenue\tadRevenue_units\n") {
		t.Errorf("tsv header: %q", tsv[:min(len(tsv), 60)])
	}
	if n := strings.Count(string(tsv), "\n"); n != int(res.Rows)+1 {
		t.Errorf("tsv has %d lines, want %d", n, res.Rows+1)
	}
	_ = slices.Sort[[]string]
	_ = store.ErrNotFound
}

// TestSpecLimits: Validate refuses a spill bound below MinSpillBytes (minutes of tiny spills) or
// above mrwork.MaxSpillBytes, naming the allowed range.
func TestSpecLimits(t *testing.T) {
	for _, c := range []struct {
		spill int
		want  string
	}{
		{MinSpillBytes, ""},
		{64 << 20, ""},
		{1 << 30, ""},
		{1024, "spill bytes 1024: want 65536 (64 KiB) to 1073741824 (1 GiB)"},
		{MinSpillBytes - 1, "spill bytes 65535: want 65536 (64 KiB)"},
		{1<<30 + 1, "spill bytes 1073741825: want 65536 (64 KiB) to 1073741824 (1 GiB)"},
	} {
		err := Spec{Job: "bdb-q2", Inputs: []string{"file:///x"}, Out: "/tmp/o", SpillBytes: c.spill}.WithDefaults().Validate()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("spill %d: error %v, want %q", c.spill, err, c.want)
		}
	}
}
