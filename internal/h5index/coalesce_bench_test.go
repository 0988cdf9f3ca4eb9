package h5index

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// remoteStore counts Get and GetRange calls and charges each a fixed latency, as S3's first byte
// costs.
type remoteStore struct {
	store.Store
	latency time.Duration
	ranges  atomic.Int64
	gets    atomic.Int64
}

func (r *remoteStore) Get(ctx context.Context, bucket, key string) ([]byte, store.ObjectInfo, error) {
	r.gets.Add(1)
	time.Sleep(r.latency)
	return r.Store.Get(ctx, bucket, key)
}

func (r *remoteStore) GetRange(ctx context.Context, bucket, key string, off, n int64) ([]byte, error) {
	r.ranges.Add(1)
	time.Sleep(r.latency)
	return r.Store.GetRange(ctx, bucket, key, off, n)
}

// BenchmarkCoalescedRefReads reads every chunk of /analysed_sst of an indexed domain (4 netCDF-4
// granules of netCDF4-python, 720 x 1440 with 90 x 180 chunks, zlib: 256 referenced chunks) the
// way the worker's reduction does: 8 goroutines, each claiming chunks; "single" fetches each chunk
// with its own ranged GET (before), "coalesced" claims runs of 16 consecutive chunks and fetches
// them with FetchChunks (joined GETs), "+tablememo" also keeps the chunk table (as the worker
// does, DatasetOptions.TableMemo). The store charges 5 ms per request, ranged or not. Reported side by side:
// requests/op (ranged GETs), metadata-gets/op (the domain's objects: chunk table) and ns/op.
func BenchmarkCoalescedRefReads(b *testing.B) {
	ctx := context.Background()
	_, st := makeGranules(b, 720, 1440, 90, 180, 0, 1, 2, 3)
	f, err := hdf.Create(ctx, st, testBucket, "/mur.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Index(ctx, st, f, []Granule{granule(0), granule(1), granule(2), granule(3)}, Options{Concat: "time"}); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name  string
		batch int64
		opt   hdf.CoalesceOptions
		memo  bool
	}{{"single", 1, hdf.CoalesceOptions{MaxGap: -1}, false}, {"coalesced", 16, hdf.CoalesceOptions{}, false},
		{"coalesced+tablememo", 16, hdf.CoalesceOptions{}, true}} {
		b.Run(mode.name, func(b *testing.B) {
			rs := &remoteStore{Store: st, latency: 5 * time.Millisecond}
			rf, err := hdf.Open(ctx, st, testBucket, "/mur.h5")
			if err != nil {
				b.Fatal(err)
			}
			id, err := rf.Resolve(ctx, "/analysed_sst")
			if err != nil {
				b.Fatal(err)
			}
			plain, err := rf.Dataset(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			grid := selection.All(plain.Dims).Grid(plain.ChunkDims)
			n := grid.Count()
			rs.ranges.Store(0)
			rs.gets.Store(0)
			b.ResetTimer()
			var stored atomic.Int64
			for range b.N {
				// One task: the worker opens the dataset for each.
				ds, err := hdf.OpenDatasetWith(rs, testBucket, &plain.Obj, hdf.DatasetOptions{TableMemo: mode.memo})
				if err != nil {
					b.Fatal(err)
				}
				var next atomic.Int64
				errs := make(chan error, 8)
				for range 8 {
					go func() {
						for {
							k := next.Add(mode.batch) - mode.batch
							if k >= n {
								errs <- nil
								return
							}
							var idx [][]int
							for j := k; j < min(k+mode.batch, n); j++ {
								idx = append(idx, grid.ChunkIndex(j, nil))
							}
							raws, rds, err := ds.FetchChunks(ctx, idx, mode.opt)
							if err != nil {
								errs <- err
								return
							}
							for i := range idx {
								if _, err := ds.DecodeChunk(idx[i], raws[i], rds[i].Exists, nil); err != nil {
									errs <- err
									return
								}
								stored.Add(rds[i].StoredBytes)
							}
						}
					}()
				}
				for range 8 {
					if err := <-errs; err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(rs.ranges.Load())/float64(b.N), "requests/op")
			b.ReportMetric(float64(n), "chunks/op")
			b.ReportMetric(float64(rs.gets.Load())/float64(b.N), "metadata-gets/op")
		})
	}
}
