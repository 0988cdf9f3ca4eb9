package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunChecksOutFirst: an --out that cannot be written is reported before the fan-out starts
// (the run's "N tasks over M chunks" line never appears), and a writable one is left without the
// probe object.
func TestRunChecksOutFirst(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + filepath.Join(dir, "store"), "--bucket", "hsfan"}
	if code, _, errs := run(t, append([]string{"gen", "cube", "--domain", "/c.h5", "--shape", "8,8", "--chunks", "4,8"}, st...)...); code != 0 {
		t.Fatal(errs)
	}
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	outs := []string{filepath.Join(file, "out"), filepath.Join(file, "deeper", "out")}
	if os.Geteuid() != 0 { // root writes into read-only directories
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, ro, filepath.Join(ro, "sub"))
	}
	for _, out := range outs {
		code, _, errs := run(t, append([]string{"run", "mean", "--domain", "/c.h5", "--dataset", "/data", "--out", out}, st...)...)
		if code != 1 || !strings.Contains(errs, "--out "+out+": cannot write there (checked before the run)") || strings.Contains(errs, "tasks over") {
			t.Errorf("--out %s: exit %d\n%s", out, code, errs)
		}
	}
	out := filepath.Join(dir, "new", "out")
	if code, _, errs := run(t, append([]string{"run", "mean", "--domain", "/c.h5", "--dataset", "/data", "--out", out, "--no-plot"}, st...)...); code != 0 {
		t.Fatalf("run: %s", errs)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), "probe") {
			t.Errorf("the write probe %s was left in --out", e.Name())
		}
	}
}
