package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func oldFile(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-3 * time.Hour)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
}

// TestFsckCLI: fsck lists stale temporary files, orphan chunks and orphan objects (exit 1 in a
// dry run), --repair removes them, and the domain still reads afterwards.
func TestFsckCLI(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
	with := func(args ...string) []string { return append(args, st...) }
	if code, _, errs := run(t, with("gen", "sst", "--domain", "/t.h5", "--days", "1", "--start", "2022-12-01")...); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errs)
	}
	if code, out, errs := run(t, with("fsck")...); code != 0 || !strings.Contains(out, "0 stale temporary files, 0 orphan chunks, 0 orphan objects") {
		t.Fatalf("fsck of a clean store: exit %d\n%s%s", code, out, errs)
	}
	b := filepath.Join(dir, "hsfan")
	oldFile(t, filepath.Join(b, "db", ".hsfan-tmp-0123"))
	oldFile(t, filepath.Join(b, "db", "01234567-89abcdef", ".group.json"))                  // no domain has this root
	oldFile(t, filepath.Join(b, "db", "01234567-89abcdef", "d", "0123-456789-abcdef", "0")) // and a chunk under it
	code, out, _ := run(t, with("fsck")...)
	for _, want := range []string{"stale temporary file: hsfan/db/.hsfan-tmp-0123", "orphan object: db/01234567-89abcdef/.group.json",
		"1 stale temporary files, 0 orphan chunks, 2 orphan objects"} {
		if !strings.Contains(out, want) {
			t.Errorf("fsck output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("dry run with problems: exit %d, want 1", code)
	}
	if code, out, errs := run(t, with("fsck", "--repair", "--min-age", "4h")...); code != 0 || !strings.Contains(out, "0 removed") {
		t.Errorf("repair with --min-age 4h: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, with("fsck", "--repair")...); code != 0 || !strings.Contains(out, "3 removed") {
		t.Errorf("repair: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, with("fsck")...); code != 0 {
		t.Errorf("fsck after repair: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, with("ls", "-r", "/")...); code != 0 || !strings.Contains(out, "/analysed_sst") {
		t.Errorf("ls after repair: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := run(t, with("fsck", "--min-age", "-1s")...); code != 2 {
		t.Errorf("negative --min-age: exit %d, want 2", code)
	}
}

// TestServeSweepsStaleTemps: serve removes old temporary files of interrupted writes at
// start-up and leaves young ones (another server's writes in flight) alone.
func TestServeSweepsStaleTemps(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "data", "b", "db", "x", ".hsfan-tmp-old")
	oldFile(t, old)
	young := filepath.Join(dir, "data", "b", ".hsfan-tmp-young")
	if err := os.WriteFile(young, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pwr := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--store", "file://" + filepath.Join(dir, "data"), "--bucket", "b",
			"--addr", "127.0.0.1:0"}, pwr, io.Discard)
		pwr.Close()
	}()
	if _, err := bufio.NewReader(pr).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old temporary file after start-up: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("young temporary file after start-up: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
