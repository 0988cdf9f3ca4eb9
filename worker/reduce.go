package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hsfan/hsfan/cf"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/ops"
)

// DefaultTaskConcurrency is the number of chunks a worker fetches and reduces at once, and
// MaxTaskConcurrency its bound (each goroutine keeps its own partial state).
const (
	DefaultTaskConcurrency = 8
	MaxTaskConcurrency     = 64
)

// Reduction is what every chunk of a task shares: the dataset, the selection, the geometry and
// the CF decoding.
type Reduction struct {
	Dataset   *hdf.Dataset
	Selection *selection.Selection
	Kind      ops.Kind
	Geom      *ops.Geometry
	CF        ops.CF
	Opts      ops.Options
	Units     string
	// NoFuse turns off the fused CF decode and accumulation of integer chunks (ops.AddBlockRaw),
	// for benchmarks and tests that compare it with the two-pass path.
	NoFuse bool
}

// NewReduction validates a task's parameters against the dataset and prepares the reduction.
// It reads the task's N-D weights dataset, if any, from the dataset's store.
func NewReduction(ctx context.Context, ds *hdf.Dataset, t *Task) (*Reduction, error) {
	r := &Reduction{Dataset: ds}
	var err error
	if t.Select == "" {
		r.Selection = selection.All(ds.Dims)
	} else if r.Selection, err = selection.Parse(t.Select, ds.Dims); err != nil {
		return nil, err
	}
	if r.Kind, err = ops.ParseKind(t.Op); err != nil {
		return nil, err
	}
	if !ds.Type.IsNumeric() {
		return nil, fmt.Errorf("dataset %s: %s values cannot be reduced", ds.ID, ds.Type.Class())
	}
	if err := checkRank(r.Selection, t.Reduce); err != nil {
		return nil, err
	}
	r.Geom = &ops.Geometry{Shape: r.Selection.Shape(), Reduce: t.Reduce, AxisWeights: t.AxisWeights}
	if len(t.WeightsDataset) > 0 {
		w, err := readWeights(ctx, ds, t)
		if err != nil {
			return nil, err
		}
		r.Geom.FullWeights, r.Geom.FullWeightsAxes = w, t.WeightsAxes
	}
	if err := r.Geom.Validate(); err != nil {
		return nil, err
	}
	r.Opts = ops.Options{Bins: t.Bins, Min: t.HistMin, Max: t.HistMax, DDOF: t.DDOF}
	r.CF = ops.NewCF()
	if !t.NoCF {
		if r.CF, err = cf.Decoding(&ds.Obj); err != nil {
			return nil, err
		}
	}
	if t.Units != "" {
		from, _ := cf.AttrString(&ds.Obj, "units")
		if err := cf.ConvertUnits(&r.CF, from, t.Units); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", ds.ID, err)
		}
	}
	if p := ops.NewPartial(r.Kind, r.Geom, r.Opts); p.Err() != nil {
		return nil, p.Err()
	}
	return r, nil
}

// NewPartial returns an empty partial of the reduction.
func (r *Reduction) NewPartial() *ops.Partial { return ops.NewPartial(r.Kind, r.Geom, r.Opts) }

// chunkWorker holds one goroutine's partial and scratch buffers.
type chunkWorker struct {
	p       *ops.Partial
	decoded []byte
	block   []byte
	vals    []float64
}

// Run reduces chunks [first, first+count) of the selection's chunk grid with concurrency
// goroutines and returns the merged partial and the counters.
func (r *Reduction) Run(ctx context.Context, first, count int64, concurrency int) (*ops.Partial, TaskResult, error) {
	var res TaskResult
	grid := r.Selection.Grid(r.Dataset.ChunkDims)
	if err := grid.Err(); err != nil {
		return nil, res, err
	}
	if n := grid.Count(); count > n || first > n-count {
		return nil, res, fmt.Errorf("%w: task chunks %d..%d beyond the %d chunks of the selection", errBadRange, first, first+count, grid.Count())
	}
	if concurrency <= 0 {
		concurrency = DefaultTaskConcurrency
	}
	concurrency = min(concurrency, MaxTaskConcurrency)
	if int64(concurrency) > count {
		concurrency = int(max(count, 1))
	}
	var (
		next               atomic.Int64
		fetchNs, decodeNs  atomic.Int64
		reduceNs, stored   atomic.Int64
		allocated, decoded atomic.Int64
	)
	next.Store(first)
	batch := fetchBatch(count, concurrency)
	workers := make([]*chunkWorker, concurrency)
	g, gctx := errgroup.WithContext(ctx)
	for w := range workers {
		cw := &chunkWorker{p: r.NewPartial()}
		workers[w] = cw
		g.Go(func() error {
			for {
				// Claim a run of consecutive chunks: their byte ranges in a referenced file are
				// often adjacent, and FetchChunks joins those into one ranged GET.
				k := next.Add(batch) - batch
				if k >= first+count {
					return nil
				}
				if err := gctx.Err(); err != nil {
					return err
				}
				indexes := make([][]int, 0, batch)
				for j := k; j < min(k+batch, first+count); j++ {
					indexes = append(indexes, grid.ChunkIndex(j, nil))
				}
				t0 := time.Now()
				raws, rds, err := r.Dataset.FetchChunks(gctx, indexes, hdf.CoalesceOptions{})
				if err != nil {
					return err
				}
				fetchNs.Add(int64(time.Since(t0)))
				for i, index := range indexes {
					t1 := time.Now()
					cw.decoded, err = r.Dataset.DecodeChunk(index, raws[i], rds[i].Exists, cw.decoded)
					if errors.Is(err, hdf.ErrCorrupt) {
						// Maybe caught between the truncation and the write of an in-place
						// rewrite (HSDS on a shared POSIX store): ReadChunk reads it again
						// while it changes, and is ErrCorrupt only for stable bytes.
						cw.decoded, rds[i], err = r.Dataset.ReadChunk(gctx, index, cw.decoded)
					}
					if err != nil {
						return err
					}
					t2 := time.Now()
					if err := r.reduceChunk(cw, index); err != nil {
						return err
					}
					t3 := time.Now()
					decodeNs.Add(int64(t2.Sub(t1)))
					reduceNs.Add(int64(t3.Sub(t2)))
					stored.Add(rds[i].StoredBytes)
					decoded.Add(int64(len(cw.decoded)))
					if rds[i].Exists {
						allocated.Add(1)
					}
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, res, err
	}
	p := workers[0].p
	for _, cw := range workers[1:] {
		if err := p.Merge(cw.p); err != nil {
			return nil, res, err
		}
	}
	res.Chunks = count
	res.Allocated = allocated.Load()
	res.StoredBytes = stored.Load()
	res.DecodedBytes = decoded.Load()
	res.FetchNanos, res.DecodeNanos, res.ReduceNanos = fetchNs.Load(), decodeNs.Load(), reduceNs.Load()
	return p, res, nil
}

// maxFetchBatch bounds the consecutive chunks one goroutine claims and fetches together.
const maxFetchBatch = 16

// fetchBatch is the run of chunks each goroutine claims: count/concurrency, within
// [1, maxFetchBatch], so every goroutine still gets work.
func fetchBatch(count int64, concurrency int) int64 {
	return min(max(count/int64(concurrency), 1), maxFetchBatch)
}

// reduceChunk folds the selected part of one decoded chunk into cw's partial.
func (r *Reduction) reduceChunk(cw *chunkWorker, index []int) error {
	ds := r.Dataset
	if len(ds.Dims) == 0 { // scalar
		cw.vals = growFloats(cw.vals, 1)
		if err := decodeValues(cw.vals, cw.decoded[:ds.ItemSize], ds.Type, &r.CF); err != nil {
			return err
		}
		return cw.p.AddBlock(nil, nil, cw.vals)
	}
	b, ok := r.Selection.Block(index, ds.ChunkDims)
	if !ok {
		return nil
	}
	for _, sb := range denseBlocks(b, ds.ChunkDims) {
		n := 1
		for _, e := range sb.shape {
			n *= e
		}
		var raw []byte
		if coversChunk(sb, ds.ChunkDims) {
			raw = cw.decoded
		} else {
			cw.block = gather(cw.block, cw.decoded, sb, ds.ItemSize)
			raw = cw.block
		}
		if !r.NoFuse {
			done, err := addRaw(cw.p, sb.origin, sb.shape, raw[:n*ds.ItemSize], ds.Type, &r.CF)
			if err != nil {
				return err
			}
			if done {
				continue
			}
		}
		cw.vals = growFloats(cw.vals, n)
		if err := decodeValues(cw.vals, raw[:n*ds.ItemSize], ds.Type, &r.CF); err != nil {
			return err
		}
		if err := cw.p.AddBlock(sb.origin, sb.shape, cw.vals); err != nil {
			return err
		}
	}
	return nil
}

func growFloats(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

var errBadRange = errors.New("bad task range")

// isPermanent reports whether a task error cannot be fixed by retrying: a bad request (an
// invalid selection, range, bucket name or key, a bucket that does not exist, a reference
// outside the allowed locations), or data that cannot be decoded (a corrupt chunk stays corrupt).
func isPermanent(err error) bool {
	for _, target := range []error{selection.ErrInvalid, hdf.ErrUnsupported, errBadRange, hdf.ErrCorrupt,
		hdf.ErrRefNotAllowed, store.ErrInvalidBucket, store.ErrInvalidKey, store.ErrBucketNotFound} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// readWeights reads the selected values of a task's weights dataset as float64, CF-decoded.
func readWeights(ctx context.Context, ds *hdf.Dataset, t *Task) ([]float64, error) {
	var obj schema.Dataset
	if err := json.Unmarshal(t.WeightsDataset, &obj); err != nil {
		return nil, fmt.Errorf("weights dataset: %w", err)
	}
	wd, err := ds.Sibling(&obj)
	if err != nil {
		return nil, fmt.Errorf("weights dataset: %w", err)
	}
	if !wd.Type.IsNumeric() {
		return nil, fmt.Errorf("weights dataset %s: %s values are not numbers", wd.ID, wd.Type.Class())
	}
	sel, err := selection.Parse(t.WeightsSelect, wd.Dims)
	if err != nil {
		return nil, fmt.Errorf("weights selection: %w", err)
	}
	// Weights are CF-decoded like any variable (packed weights, xarray's answer).
	out, err := cf.ReadDecoded(ctx, wd, sel)
	if err != nil {
		return nil, classify(fmt.Errorf("read weights %s: %w", wd.ID, err))
	}
	return out, nil
}
