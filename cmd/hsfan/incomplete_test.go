package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKilledGen kills a real `hsfan gen sst` process (SIGINT, as Ctrl-C in make run, and
// SIGKILL) after its first chunks are written, then checks that nothing trusts the half-made
// domain: hsfan run refuses it, hsfan ls marks it, and the next gen (as make run calls it, with
// --keep-existing) replaces it, after which the run succeeds.
func TestKilledGen(t *testing.T) {
	if testing.Short() {
		t.Skip("runs and kills hsfan processes")
	}
	for _, sig := range []os.Signal{os.Interrupt, os.Kill} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
			const dom = "/shared/sst/k.h5"
			cmd := exec.Command(os.Args[0], append([]string{"gen", "sst", "--domain", dom, "--days", "300"}, st...)...)
			cmd.Env = append(os.Environ(), "HSFAN_TEST_AS_CLI=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for the first chunks of /analysed_sst (keys db/<root>/d/<dataset>/<index>).
			deadline := time.Now().Add(60 * time.Second)
			for chunks(t, dir) < 2 {
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatal("no chunk written within 60 s")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("gen was not interrupted (exit %v): raise --days\n%s", err, stderr.String())
			}
			if sig == os.Interrupt && !strings.Contains(stderr.String(), "marked incomplete") {
				t.Errorf("interrupted gen does not say the domain is marked incomplete:\n%s", stderr.String())
			}
			if sig == os.Kill && ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("gen ended with %v, not by SIGKILL", err)
			}
			t.Logf("gen killed by %v after %d chunks of 300", sig, chunks(t, dir))

			runArgs := append([]string{"run", "mean", "--domain", dom, "--dataset", "/analysed_sst", "--reduce", "lat,lon",
				"--weights", "coslat:60", "--out", filepath.Join(dir, "out"), "--no-plot"}, st...)
			code, out, errs := run(t, runArgs...)
			if code != 1 || !strings.Contains(errs, "incomplete") || !strings.Contains(errs, incompleteAttr) {
				t.Errorf("run on the killed gen's domain: exit %d\n%s%s", code, out, errs)
			}
			if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
				t.Errorf("a refused run wrote outputs: %v", err)
			}
			if code, out, errs := run(t, append([]string{"ls", "/shared/sst"}, st...)...); code != 0 || !strings.Contains(out, "INCOMPLETE") {
				t.Errorf("ls does not mark the domain incomplete: exit %d\n%s%s", code, out, errs)
			}
			// (The kill may come before /time is linked: only the warning is certain.)
			if _, _, errs := run(t, append([]string{"get", "--domain", dom, "--dataset", "/time"}, st...)...); !strings.Contains(errs, "warning: "+dom+" is incomplete") {
				t.Errorf("get on the killed gen's domain: no warning: %s", errs)
			}
			code, out, errs = run(t, append([]string{"gen", "sst", "--domain", dom, "--days", "3", "--keep-existing"}, st...)...)
			if code != 0 || !strings.Contains(errs, "replacing the incomplete domain") || !strings.Contains(out, "wrote sst") {
				t.Fatalf("gen --keep-existing after the kill: exit %d\n%s%s", code, out, errs)
			}
			if code, out, errs := run(t, append([]string{"ls", "-r", "/shared/sst"}, st...)...); code != 0 || strings.Contains(out, "INCOMPLETE") {
				t.Errorf("ls after the regeneration: exit %d\n%s%s", code, out, errs)
			}
			if code, out, errs = run(t, runArgs...); code != 0 {
				t.Fatalf("run after the regeneration: exit %d\n%s%s", code, out, errs)
			}
			code, out, errs = run(t, append([]string{"gen", "sst", "--domain", dom, "--days", "3", "--keep-existing"}, st...)...)
			if code != 0 || !strings.Contains(out, "using the existing complete domain") {
				t.Errorf("gen --keep-existing of a complete domain: exit %d\n%s%s", code, out, errs)
			}
			code, _, errs = run(t, append([]string{"gen", "sst", "--domain", dom, "--days", "3"}, st...)...)
			if code != 1 || !strings.Contains(errs, "already exists and is complete") {
				t.Errorf("gen of a complete domain: exit %d %s", code, errs)
			}
		})
	}
}

// chunks counts the chunk objects under dir (files under a d/ directory of db/).
func chunks(t *testing.T, dir string) int {
	n := 0
	_ = filepath.WalkDir(filepath.Join(dir, "hsfan", "db"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/d/") && !strings.HasSuffix(p, ".json") {
			n++
		}
		return nil
	})
	return n
}

// TestGenInvalidWritesNothing: every invalid gen is refused before the store is touched, so the
// corrected command then succeeds (it used to fail with "already exists").
func TestGenInvalidWritesNothing(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan"}
	for _, bad := range [][]string{{"--days", "0"}, {"--start", "2022-02-30"}, {"--level", "99"}} {
		if code, _, errs := run(t, append(append([]string{"gen", "sst", "--domain", "/g.h5"}, bad...), st...)...); code != 2 {
			t.Errorf("gen sst %v: exit %d %s", bad, code, errs)
		}
	}
	if code, _, errs := run(t, append([]string{"gen", "cube", "--domain", "/g.h5", "--compressor", "foo"}, st...)...); code != 2 {
		t.Errorf("gen cube --compressor foo: exit %d %s", code, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused gens wrote %d entries into the store", len(entries))
	}
	if code, _, errs := run(t, append([]string{"gen", "sst", "--domain", "/g.h5", "--days", "1"}, st...)...); code != 0 {
		t.Fatalf("the corrected gen: %s", errs)
	}
	// One root group: no orphans from the refused attempts or from a repeated gen.
	if code, _, _ := run(t, append([]string{"gen", "sst", "--domain", "/g.h5", "--days", "1"}, st...)...); code != 1 {
		t.Errorf("gen of an existing domain: exit %d", code)
	}
	roots, _ := os.ReadDir(filepath.Join(dir, "hsfan", "db"))
	if len(roots) != 1 {
		t.Errorf("%d root prefixes under db/, want 1", len(roots))
	}
}
