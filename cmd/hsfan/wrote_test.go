package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestWroteListsEveryFile: the "wrote OUT: ..." line of hsfan run, hsfan run --spec (windowed)
// and hsfan schedule run names exactly the files in OUT afterwards, plots included.
func TestWroteListsEveryFile(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	writeDailyStore(t, data, 40)
	st := []string{"--store", "file://" + data, "--bucket", "hsfan"}
	for _, tc := range []struct {
		name string
		args func(out string) []string
	}{
		{"run", func(out string) []string {
			return append([]string{"run", "mean", "--domain", "/daily.h5", "--dataset", "/sst", "--reduce", "lat,lon", "--out", out}, st...)
		}},
		{"run no plot", func(out string) []string {
			return append([]string{"run", "mean", "--domain", "/daily.h5", "--dataset", "/sst", "--reduce", "lat,lon", "--no-plot", "--out", out}, st...)
		}},
		{"run --spec windowed", func(out string) []string {
			p := windowSpec(t, t.TempDir(), data, out, "w1")
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, []byte(strings.Replace(string(b), "last 3 months", "2022-01-01..2022-01-31", 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			return append([]string{"run", "--spec", p}, st...)
		}},
		{"schedule run", func(out string) []string {
			return append([]string{"schedule", "run", "--once", "--now", "2022-02-01T06:00:00Z"}, append(st, windowSpec(t, t.TempDir(), data, out, "w2"))...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, errs := run(t, tc.args(out)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
			}
			m := regexp.MustCompile(`(?m)^wrote ` + regexp.QuoteMeta(out) + `: (.*)$`).FindStringSubmatch(stdout)
			if m == nil {
				t.Fatalf("no wrote line:\n%s", stdout)
			}
			said := strings.Fields(m[1])
			ents, err := os.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			var there []string
			for _, e := range ents {
				there = append(there, e.Name())
			}
			slices.Sort(said)
			if !slices.Equal(said, there) {
				t.Fatalf("wrote line names %v, %s holds %v", said, out, there)
			}
		})
	}
}
