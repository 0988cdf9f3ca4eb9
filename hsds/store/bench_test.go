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
