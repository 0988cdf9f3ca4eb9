package rest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
)

// benchCube writes the scaled seed-001 cube (10000 x 160 x 160 float32 in 25 x 160 x 160
// chunks: 400 chunks, 1.024 GB) on a POSIX store once per benchmark binary run.
func benchCube(b *testing.B) (store.Store, *hdf.Dataset, string) {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "hsfan-rest-bench")
	if err := os.MkdirAll(filepath.Join(dir, testBucket), 0o755); err != nil {
		b.Fatal(err)
	}
	st, err := store.NewPosix(dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dom := "/bench/cube.h5"
	f, err := hdf.Open(ctx, st, testBucket, dom)
	if err != nil {
		if f, err = hdf.Create(ctx, st, testBucket, dom, hdf.CreateOptions{Owner: "u", Parents: true}); err != nil {
			b.Fatal(err)
		}
		if err := synth.WriteCube(ctx, f, synth.CubeOptions{Shape: []int{10000, 160, 160}, Chunks: []int{25, 160, 160}, Type: "float32"}); err != nil {
			b.Fatal(err)
		}
	}
	d, err := f.OpenDatasetPath(ctx, "/data")
	if err != nil {
		b.Fatal(err)
	}
	return st, d, dom
}

// BenchmarkGetValueColumn: GET /datasets/{id}/value?select=[:,80,80] (binary) over HTTP on the
// POSIX store; MB/s counts the chunk bytes read (400 chunks of 1,024,000 bytes).
func BenchmarkGetValueColumn(b *testing.B) {
	st, d, dom := benchCube(b)
	srv, err := New(Config{Store: st, Bucket: testBucket, Users: map[string]string{"u": "p"}})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	url := ts.URL + "/datasets/" + d.ID + "/value?domain=" + dom + "&select=[:,80,80]"
	b.SetBytes(int64(400 * d.ChunkBytes()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", url, nil)
		req.SetBasicAuth("u", "p")
		req.Header.Set("Accept", "application/octet-stream")
		res, err := ts.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || n != 40000 {
			b.Fatalf("status %d, %d bytes", res.StatusCode, n)
		}
	}
}

// BenchmarkEngineReadColumn is the same read through hdf.Dataset.Read (what hsfan get does).
func BenchmarkEngineReadColumn(b *testing.B) {
	_, d, _ := benchCube(b)
	sel, err := selection.Parse("[:,80,80]", d.Dims)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(400 * d.ChunkBytes()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := d.Read(context.Background(), sel, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSmallJSONGet measures requests/s of GET /datasets/{id} with parallel clients.
func BenchmarkSmallJSONGet(b *testing.B) {
	ctx := context.Background()
	st := store.NewMemory()
	f, err := hdf.Create(ctx, st, testBucket, "/b/small.h5", hdf.CreateOptions{Owner: "u", Parents: true})
	if err != nil {
		b.Fatal(err)
	}
	d, err := f.CreateDataset(ctx, f.RootID(), "x", hdf.DatasetSpec{Type: []byte(`"H5T_STD_I32LE"`), Dims: []int{100, 100}})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Config{Store: st, Bucket: testBucket, Users: map[string]string{"u": "p"}})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	url := ts.URL + "/datasets/" + d.ID + "?domain=/b/small.h5"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.SetBasicAuth("u", "p")
			res, err := ts.Client().Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
