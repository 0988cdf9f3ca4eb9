package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMapReduceCommand: hsfan gen uservisits writes deterministic parts, hsfan mapreduce bdb-q2
// reads them by glob and writes the outputs; bad command lines are usage errors naming the flag
// or value.
func TestMapReduceCommand(t *testing.T) {
	dir := t.TempDir()
	for _, out := range []string{"a", "b"} {
		code, stdout, errs := run(t, "gen", "uservisits", "--rows", "500", "--parts", "2", "--seed", "9", "--out", filepath.Join(dir, out))
		if code != 0 || !strings.Contains(stdout, "500 rows in 2 parts") {
			t.Fatalf("gen: exit %d, %s %s", code, stdout, errs)
		}
	}
	for _, p := range []string{"part-00000.csv", "part-00001.csv"} {
		a, _ := os.ReadFile(filepath.Join(dir, "a", p))
		b, _ := os.ReadFile(filepath.Join(dir, "b", p))
		if len(a) == 0 || !bytes.Equal(a, b) || bytes.Count(a, []byte("\n")) != 250 {
			t.Errorf("%s: %d lines, not deterministic or empty", p, bytes.Count(a, []byte("\n")))
		}
	}
	out := filepath.Join(dir, "q2")
	code, stdout, errs := run(t, "mapreduce", "bdb-q2", "--x", "5", "--input", "file://"+dir+"/a/part-*.csv", "--out", out, "--reducers", "3", "--split-size", "5000")
	if code != 0 || !strings.Contains(stdout, "bdb-q2.tsv") {
		t.Fatalf("mapreduce: exit %d\n%s\n%s", code, stdout, errs)
	}
	for _, f := range []string{"manifest.json", "bdb-q2.json", "bdb-q2.arrow", "bdb-q2.tsv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(errs, "map tasks") || !strings.Contains(errs, "MB/s of input") {
		t.Errorf("no run report on stderr:\n%s", errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"mapreduce", "nope", "--input", "file:///x", "--out", out}, `JOB "nope": want one of`},
		{[]string{"mapreduce", "bdb-q2", "--out", out}, "--input is required"},
		{[]string{"mapreduce", "bdb-q2", "--input", "file:///x"}, "--out is required"},
		{[]string{"mapreduce", "wordcount", "--x", "3", "--input", "file:///x", "--out", out}, "has no parameter x"},
		{[]string{"mapreduce", "bdb-q2", "--reducers", "0", "--input", "file:///x", "--out", out}, "--reducers"},
		{[]string{"mapreduce", "bdb-q2", "--spill-bytes", "1024", "--input", "file:///x", "--out", out}, "--spill-bytes: out of range: want an integer in [65536, 1073741824]"},
		{[]string{"mapreduce", "bdb-q2", "--input", "http://x", "--out", out}, "want a file:// or s3:// URL"},
		{[]string{"mapreduce", "bdb-q2", "--param", "y=1", "--input", "file:///x", "--out", out}, `unknown parameter "y"`},
		{[]string{"mapreduce", "bdb-q2", "--x", "99", "--input", "file:///x", "--out", out}, "want an integer in [1, 64]"},
		{[]string{"gen", "rankings", "--rows", "10"}, "--out is required"},
		// Job parameters: nonsense values and duplicates are refused before the run, naming them.
		{[]string{"mapreduce", "bdb-q3", "--param", "from=1980-13-01", "--input", "file:///x", "--out", out}, `parameter from "1980-13-01": want a calendar date YYYY-MM-DD`},
		{[]string{"mapreduce", "bdb-q3", "--param", "from=1981-01-01", "--param", "to=1980-01-01", "--input", "file:///x", "--out", out}, "want from <= to"},
		{[]string{"mapreduce", "bdb-q3", "--param", "limit=-1", "--input", "file:///x", "--out", out}, `parameter limit "-1": want an integer >= 0`},
		{[]string{"mapreduce", "bdb-q3", "--param", "limit=1", "--param", "limit=2", "--input", "file:///x", "--out", out}, "parameter limit given twice"},
		{[]string{"mapreduce", "bdb-q2", "--x", "0", "--input", "file:///x", "--out", out}, `parameter x "0": want an integer in [1, 64]`},
		{[]string{"mapreduce", "bdb-q2", "--x", "3", "--param", "x=4", "--input", "file:///x", "--out", out}, "parameter x given twice"},
		{[]string{"mapreduce", "bdb-q1", "--param", "x=-5", "--input", "file:///x", "--out", out}, `parameter x "-5": want an integer >= 0`},
	} {
		code, _, errs := run(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
	code, _, errs = run(t, "mapreduce", "bdb-q2", "--input", "file://"+dir+"/a/*.tsv", "--out", out)
	if code != 1 || !strings.Contains(errs, "matches no object") {
		t.Errorf("empty glob: exit %d, %s", code, errs)
	}
	// An object given twice, an --out inside an --input: refused before the run, naming them.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--input", "file://" + dir + "/a/", "--input", "file://" + dir + "/a/part-00000.csv", "--out", out},
			`is matched by --input "file://` + dir + `/a/" and by --input "file://` + dir + `/a/part-00000.csv"`},
		{[]string{"--input", "file://" + dir + "/a/", "--out", filepath.Join(dir, "a", "q2")},
			`--out "` + filepath.Join(dir, "a", "q2") + `" is inside --input "file://` + dir + `/a/"`},
	} {
		code, _, errs := run(t, append([]string{"mapreduce", "bdb-q2"}, c.args...)...)
		if code != 1 || !strings.Contains(errs, c.want) || strings.Contains(errs, "map tasks") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q before any task", c.args, code, errs, c.want)
		}
	}
	// bdb-q3 with its default limit 1: every count reported is the one row written.
	if code, stdout, errs := run(t, "gen", "rankings", "--rows", "2000", "--parts", "1", "--out", filepath.Join(dir, "rk")); code != 0 {
		t.Fatalf("gen: exit %d, %s %s", code, stdout, errs)
	}
	out3 := filepath.Join(dir, "q3")
	code, stdout, errs = run(t, "mapreduce", "bdb-q3", "--param", "from=1970-01-01", "--param", "to=2010-01-01",
		"--input", "file://"+dir+"/rk/", "--input", "file://"+dir+"/a/", "--out", out3)
	tsv, _ := os.ReadFile(filepath.Join(out3, "bdb-q3.tsv"))
	if code != 0 || !strings.Contains(stdout, "bdb-q3.tsv (1 rows)") || !strings.Contains(errs, "-> 1 rows;") || strings.Count(string(tsv), "\n") != 2 {
		t.Errorf("bdb-q3 limit 1: exit %d, TSV %q\n%s\n%s", code, tsv, stdout, errs)
	}
}
