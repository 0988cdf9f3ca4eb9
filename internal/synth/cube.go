package synth

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/hsfan/hsfan/hsds/hdf"
)

// CubeOptions configure WriteCube.
type CubeOptions struct {
	// Name of the dataset under the root group ("data" when empty).
	Name string
	// Shape and Chunks of the dataset (Chunks are kept exactly).
	Shape, Chunks []int
	// Type is one of int16, int32, float32, float64.
	Type string
	// Compressor is a filter name ("gzip", "zstd", "lz4", ... or "" for none); Shuffle adds
	// the HDF5 shuffle filter.
	Compressor string
	Shuffle    bool
	// Concurrency bounds the chunks generated at once (GOMAXPROCS when 0).
	Concurrency int
}

// CubeValue is the value of element idx of a generated cube, before conversion to its type.
func CubeValue(idx []int) float64 {
	v := 0.0
	for d, i := range idx {
		v += math.Sin(float64(i)*0.013*float64(d+1)) * float64(10*(d+1))
	}
	var h uint64
	for _, i := range idx {
		h = h*1000003 + uint64(i)
	}
	return v + unitNoise(h, 7, 11)
}

var cubeTypes = map[string]struct {
	json json.RawMessage
	size int
}{
	"int16": {typeI16, 2}, "int32": {typeI32, 4}, "float32": {typeF32, 4}, "float64": {typeF64, 8},
}

// WriteCube writes a dense benchmark cube (e.g. the seed-001 shape scaled down:
// 10000 x 160 x 160 float32 in chunks of 25 x 160 x 160) into f.
func WriteCube(ctx context.Context, f *hdf.File, o CubeOptions) error {
	ct, ok := cubeTypes[o.Type]
	if !ok {
		return fmt.Errorf("cube: type %q: want int16, int32, float32 or float64", o.Type)
	}
	if len(o.Shape) == 0 || len(o.Chunks) != len(o.Shape) {
		return fmt.Errorf("cube: shape %v and chunks %v must have the same non-zero rank", o.Shape, o.Chunks)
	}
	for i := range o.Shape {
		if o.Shape[i] <= 0 || o.Chunks[i] <= 0 {
			return fmt.Errorf("cube: shape %v and chunks %v must be positive", o.Shape, o.Chunks)
		}
	}
	if o.Name == "" {
		o.Name = "data"
	}
	var filters []string
	if o.Shuffle {
		filters = append(filters, "shuffle")
	}
	if o.Compressor != "" {
		filters = append(filters, o.Compressor)
	}
	spec := hdf.DatasetSpec{Type: ct.json, Dims: o.Shape, ChunkDims: o.Chunks, ExactChunks: true}
	if len(filters) > 0 {
		b, _ := json.Marshal(filters)
		spec.Filters = b
	}
	ds, err := f.CreateDataset(ctx, f.RootID(), o.Name, spec)
	if err != nil {
		return fmt.Errorf("cube: %w", err)
	}
	grid := make([]int, len(o.Shape))
	total := 1
	for i := range grid {
		grid[i] = (o.Shape[i] + o.Chunks[i] - 1) / o.Chunks[i]
		total *= grid[i]
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for k := 0; k < total && gctx.Err() == nil; k++ {
		g.Go(func() error {
			cidx := unravel(k, grid)
			buf := make([]byte, ds.ChunkBytes())
			fillCubeChunk(buf, cidx, o.Chunks, o.Shape, o.Type)
			return ds.WriteChunk(gctx, cidx, buf)
		})
	}
	return g.Wait()
}

func unravel(k int, dims []int) []int {
	idx := make([]int, len(dims))
	for i := len(dims) - 1; i >= 0; i-- {
		idx[i] = k % dims[i]
		k /= dims[i]
	}
	return idx
}

// fillCubeChunk writes the cube values of chunk cidx into buf (elements outside the dataset stay 0).
func fillCubeChunk(buf []byte, cidx, chunks, shape []int, typ string) {
	n := 1
	for _, c := range chunks {
		n *= c
	}
	idx := make([]int, len(chunks))
	for e := 0; e < n; e++ {
		rem, inside := e, true
		for i := len(chunks) - 1; i >= 0; i-- {
			idx[i] = cidx[i]*chunks[i] + rem%chunks[i]
			rem /= chunks[i]
			if idx[i] >= shape[i] {
				inside = false
			}
		}
		if !inside {
			continue
		}
		v := CubeValue(idx)
		switch typ {
		case "int16":
			binary.LittleEndian.PutUint16(buf[2*e:], uint16(int16(math.Round(v*100))))
		case "int32":
			binary.LittleEndian.PutUint32(buf[4*e:], uint32(int32(math.Round(v*1000))))
		case "float32":
			binary.LittleEndian.PutUint32(buf[4*e:], math.Float32bits(float32(v)))
		case "float64":
			binary.LittleEndian.PutUint64(buf[8*e:], math.Float64bits(v))
		}
	}
}
