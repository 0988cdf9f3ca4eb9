package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClearedReportsOnlyRemoved: hsfan run into a folder that does not exist says nothing about
// clearing earlier outputs; a second run names exactly the files the first one wrote; a third
// run with --no-plot into a folder holding only a stray JSON of that name names that one.
func TestClearedReportsOnlyRemoved(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
	if code, _, errs := run(t, append([]string{"gen", "sst", "--domain", "/s.h5", "--days", "2", "--start", "2022-01-01"}, st...)...); code != 0 {
		t.Fatalf("gen sst: %s", errs)
	}
	out := filepath.Join(dir, "out")
	other := filepath.Join(dir, "other")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "m.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"run", "mean", "--domain", "/s.h5", "--dataset", "/analysed_sst", "--reduce", "lat,lon", "--name", "m"}, st...)
	for _, tc := range []struct {
		name  string
		extra []string
		want  string // "" = no clearing line
	}{
		{"new folder", []string{"--out", out}, ""},
		{"second run", []string{"--out", out}, "(manifest.json, m.json, m.arrow, m.png, m.svg)"},
		{"stray json, no plot", []string{"--out", other, "--no-plot"}, "(m.json)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := run(t, append(append([]string{}, args...), tc.extra...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			n := strings.Count(errs, "cleared earlier outputs") + strings.Count(errs, "removed any earlier outputs")
			if tc.want == "" && n != 0 || tc.want != "" && (n != 1 || !strings.Contains(errs, "cleared earlier outputs of this name from the output location "+tc.want)) {
				t.Fatalf("stderr:\n%s\nwant a clearing line %q", errs, tc.want)
			}
		})
	}
}
