package mapreduce

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// benchData returns the 8 x 1M-row uservisits parts of the BDB Q2 goal: generated once into
// $HSFAN_BDB_DIR (default a folder in the OS temp dir), reused while their sizes match.
func benchData(b *testing.B) (string, []string) {
	b.Helper()
	dir := os.Getenv("HSFAN_BDB_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "hsfan-bdb-8x1M")
	}
	o := GenOptions{Rows: 8_000_000, Parts: 8, Seed: 1}
	var paths []string
	for p := range o.Parts {
		path := filepath.Join(dir, "uservisits", PartName(p))
		paths = append(paths, path)
		if _, err := os.Stat(path); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(path + ".tmp")
		if err != nil {
			b.Fatal(err)
		}
		if err := GenUservisits(f, o, p); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			b.Fatal(err)
		}
	}
	return dir, paths
}

func inputBytes(b *testing.B, paths []string) int64 {
	var n int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		n += fi.Size()
	}
	return n
}

// BenchmarkQ2 runs BDB Q2 (x = 8) over the 8 x 1M uservisits rows side by side: the floor
// (PlainScanQ2) and hsfan mapreduce in process through the whole machinery. Report the ratio
// of the two ns/op of one run: go test -run - -bench Q2 -benchtime 3x ./jobs/mapreduce.
func BenchmarkQ2(b *testing.B) {
	dir, paths := benchData(b)
	size := inputBytes(b, paths)
	var groups int
	b.Run("floor", func(b *testing.B) {
		b.SetBytes(size)
		c0 := cpuTime()
		for b.Loop() {
			m, _, err := PlainScanQ2(paths, 8)
			if err != nil {
				b.Fatal(err)
			}
			groups = len(m)
		}
		b.ReportMetric(float64(groups), "groups")
		b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
	})
	b.Run("hsfan", func(b *testing.B) {
		b.SetBytes(size)
		out := b.TempDir()
		c0 := cpuTime()
		for b.Loop() {
			res, err := Run(context.Background(), Spec{Job: "bdb-q2", Inputs: []string{"file://" + filepath.Join(dir, "uservisits")}, Out: out,
				Concurrency: runtime.NumCPU()}, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if groups != 0 && int(res.Rows) != groups {
				b.Fatalf("%d rows, the floor found %d groups", res.Rows, groups)
			}
			b.ReportMetric(float64(res.Rows), "groups")
		}
		b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
	})
	_ = strconv.Itoa
}

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
