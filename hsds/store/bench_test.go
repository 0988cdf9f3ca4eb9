package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

const benchSize = 4 << 20 // one 4 MiB chunk

func benchData() []byte {
	data := make([]byte, benchSize)
	for i := range data {
		data[i] = byte(i * 31)
	}
	return data
}

// benchGet reads one 4 MiB object b.N times, in parallel if asked.
func benchGet(b *testing.B, s store.Store, bucket string, parallel bool) {
	ctx := context.Background()
	if _, err := s.Put(ctx, bucket, "bench/0_0", benchData(), store.PutOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchSize)
	b.ReportAllocs()
	b.ResetTimer()
	get := func() {
		data, _, err := s.Get(ctx, bucket, "bench/0_0")
		if err != nil || len(data) != benchSize {
			b.Errorf("get: %d bytes, %v", len(data), err)
		}
	}
	if !parallel {
		for b.Loop() {
			get()
		}
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get()
		}
	})
}

func newBenchPosix(b *testing.B) *store.Posix {
	root := b.TempDir()
	if err := os.Mkdir(filepath.Join(root, "bkt"), 0o755); err != nil {
		b.Fatal(err)
	}
	s, err := store.NewPosix(root, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkPosixGet(b *testing.B) { benchGet(b, newBenchPosix(b), "bkt", false) }

func BenchmarkPosixGetParallel(b *testing.B) { benchGet(b, newBenchPosix(b), "bkt", true) }

func BenchmarkS3Get(b *testing.B) {
	srv := s3test.Start(b)
	srv.CreateBucket(b, "bkt")
	benchGet(b, srv.Store(b), "bkt", false)
}

// BenchmarkS3GetParallel runs 8 requests per GOMAXPROCS at once, which only
// scales if the connection pool does not serialise them.
func BenchmarkS3GetParallel(b *testing.B) {
	srv := s3test.Start(b)
	srv.CreateBucket(b, "bkt")
	b.SetParallelism(8)
	benchGet(b, srv.Store(b), "bkt", true)
}

// BenchmarkPosixPut measures an unconditional 4 MiB write (temp file, lock,
// rename).
func BenchmarkPosixPut(b *testing.B) {
	s := newBenchPosix(b)
	data := benchData()
	b.SetBytes(benchSize)
	for b.Loop() {
		if _, err := s.Put(context.Background(), "bkt", "bench/w", data, store.PutOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPosixConfinement compares the confined store (os.Root, the default) with
// FollowSymlinks (plain paths) side by side, on small objects at HSDS's key depth, where the
// per-element resolution cost shows most.
func BenchmarkPosixConfinement(b *testing.B) {
	const key = "db/0a1b2c3d-4e5f6071/d/8293-a4b5c6-d7e8f9/3_4_5"
	small := make([]byte, 4096)
	ctx := context.Background()
	for _, mode := range []struct {
		name   string
		follow bool
	}{{"confined", false}, {"follow", true}} {
		root := b.TempDir()
		if err := os.Mkdir(filepath.Join(root, "bkt"), 0o755); err != nil {
			b.Fatal(err)
		}
		s, err := store.NewPosix(root, store.Options{FollowSymlinks: mode.follow})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Put(ctx, "bkt", key, small, store.PutOptions{}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Put(ctx, "bkt", key+"_big", benchData(), store.PutOptions{}); err != nil {
			b.Fatal(err)
		}
		b.Run("Get4MiB/"+mode.name, func(b *testing.B) {
			b.SetBytes(benchSize)
			for b.Loop() {
				if _, _, err := s.Get(ctx, "bkt", key+"_big"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Get/"+mode.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.Get(ctx, "bkt", key); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Stat/"+mode.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Stat(ctx, "bkt", key); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Put/"+mode.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Put(ctx, "bkt", key, small, store.PutOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("List/"+mode.name, func(b *testing.B) {
			for b.Loop() {
				if err := s.List(ctx, "bkt", "db/", "", func(store.Entry) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
