package mapreduce

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
)

func TestRunIDTime(t *testing.T) {
	id := newRunID()
	if got, ok := runIDTime(id); !ok || time.Since(got) > time.Minute || time.Since(got) < -time.Second {
		t.Fatalf("%s: %v %v", id, got, ok)
	}
	for _, bad := range []string{"", "mr-", "mr-20250101T000000Z", "mr-20250101T000000Z-deadbee", "mr-20250101T000000Z-deadbeeg",
		"mr-2025-01-01-deadbeef", "r-20250101T000000Z-deadbeef", "run-1", "mr-20251301T000000Z-deadbeef"} {
		if _, ok := runIDTime(bad); ok {
			t.Errorf("%q taken for a run id", bad)
		}
	}
}

// TestSweepStaleRuns: a run removes what earlier runs older than --sweep-temp-age left under the
// temporary prefix (objects and a put's temporary file), and nothing else: not a recent run's,
// not objects of other names (hsfan run's results share the prefix), not with the sweep off.
func TestSweepStaleRuns(t *testing.T) {
	in := t.TempDir()
	if err := os.WriteFile(filepath.Join(in, "a.txt"), []byte("a b a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	root := filepath.Join(out, TempDirName, DefaultTempBucket, DefaultTempPrefix)
	old := "mr-" + time.Now().UTC().Add(-48*time.Hour).Format(runIDLayout) + "-0badc0de"
	recent := "mr-" + time.Now().UTC().Add(-time.Hour).Format(runIDLayout) + "-00c0ffee"
	leftovers := []string{
		filepath.Join(old, "map", "0", "a1", "r0"),
		filepath.Join(old, "map", "1", "a1", ".r0.tmp123"), // an interrupted put's temporary file
		filepath.Join(recent, "map", "0", "a1", "r0"),
		filepath.Join("j-1234", "result.json"), // not a map-reduce run's
		"loose-object",
	}
	put := func() {
		for _, p := range leftovers {
			p = filepath.Join(root, p)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	exists := func(p string) bool {
		_, err := os.Stat(filepath.Join(root, p))
		return err == nil
	}
	spec := Spec{Job: "wordcount", Inputs: []string{"file://" + in}, Out: out}

	put()
	o := runJob(t, spec, Options{}) // SweepTempAge 0: nothing swept
	if len(o.Swept) != 0 || !exists(leftovers[0]) {
		t.Fatalf("sweep off: swept %v", o.Swept)
	}

	spec.SweepTempAge = 24 * time.Hour
	var rep bytes.Buffer
	o = runJob(t, spec, Options{Report: &rep})
	if !slices.Equal(o.Swept, []string{old}) || !strings.Contains(rep.String(), "removed the intermediate objects of 1 earlier runs") {
		t.Fatalf("swept %v, report %q", o.Swept, rep.String())
	}
	if exists(old) {
		t.Errorf("%s is still there", old)
	}
	for _, p := range leftovers[2:] {
		if !exists(p) {
			t.Errorf("%s was removed", p)
		}
	}
	if _, err := Run(t.Context(), Spec{Job: "wordcount", Inputs: spec.Inputs, Out: out, SweepTempAge: -time.Second}, Options{}); err == nil ||
		!strings.Contains(err.Error(), "sweep temp age") {
		t.Errorf("a negative age: %v", err)
	}
}

// TestSweepStaleRunsObjectStore: the same in an object store (no directories: the run prefixes
// are listed with a delimiter and their objects deleted one by one).
func TestSweepStaleRunsObjectStore(t *testing.T) {
	ctx := t.Context()
	in := t.TempDir()
	if err := os.WriteFile(filepath.Join(in, "a.txt"), []byte("a b a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mem := store.NewMemory() // buckets exist on first put
	old := "mr-" + time.Now().UTC().Add(-48*time.Hour).Format(runIDLayout) + "-0badc0de"
	recent := "mr-" + time.Now().UTC().Add(-time.Hour).Format(runIDLayout) + "-00c0ffee"
	keys := []string{"p/" + old + "/map/0/a1/r0", "p/" + old + "/map/1/a1/r0", "p/" + recent + "/map/0/a1/r0", "p/" + old}
	for _, k := range keys {
		if _, err := mem.Put(ctx, "tmpb", k, []byte("x"), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	open := func(ctx context.Context, url string) (store.Store, error) {
		if url == "mem://" {
			return mem, nil
		}
		return store.Open(ctx, url, store.Options{})
	}
	o := runJob(t, Spec{Job: "wordcount", Inputs: []string{"file://" + in}, Out: t.TempDir(), TempStore: "mem://", TempBucket: "tmpb",
		TempPrefix: "p", SweepTempAge: 24 * time.Hour}, Options{OpenStore: open})
	if !slices.Equal(o.Swept, []string{old}) {
		t.Fatalf("swept %v", o.Swept)
	}
	var left []string
	if err := mem.List(ctx, "tmpb", "", "", func(e store.Entry) error { left = append(left, e.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	// The recent run's object stays, and so does an object named like a run (not a prefix).
	if want := []string{"p/" + old, "p/" + recent + "/map/0/a1/r0"}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}
