package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLsUnreadable: a domain whose .domain.json cannot be read is listed with its error and makes
// ls fail; a dataset whose JSON cannot be read is an error naming it, never skipped.
func TestLsUnreadable(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
	if code, _, errs := run(t, append([]string{"gen", "cube", "--domain", "/c.h5", "--shape", "10,10", "--chunks", "5,5"}, st...)...); code != 0 {
		t.Fatalf("gen cube: %s", errs)
	}
	bad := filepath.Join(dir, "hsfan", "bad.h5")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, ".domain.json"), []byte(`{"owner": Nope}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, append([]string{"ls", "/"}, st...)...)
	if code == 0 || !strings.Contains(out, "?") || !strings.Contains(out, "/bad.h5") || !strings.Contains(out, "/c.h5") || !strings.Contains(errs, "could not be read") {
		t.Errorf("ls with an unreadable domain: exit %d\n%s%s", code, out, errs)
	}
	// Break the dataset's JSON: ls of the domain names the dataset and its object.
	var key string
	_ = filepath.Walk(filepath.Join(dir, "hsfan", "db"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Name() == ".dataset.json" {
			key = p
		}
		return nil
	})
	if key == "" {
		t.Fatal("no .dataset.json written by gen cube")
	}
	if err := os.WriteFile(key, []byte(`{"id": "x", "fillValue": Nan}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, append([]string{"ls", "/c.h5"}, st...)...)
	if code == 0 || !strings.Contains(errs, ".dataset.json") || !strings.Contains(errs, "dataset /") {
		t.Errorf("ls with an unreadable dataset: exit %d\n%s%s", code, out, errs)
	}
}
