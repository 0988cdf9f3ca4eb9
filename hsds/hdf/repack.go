package hdf

import (
	"context"
	"errors"
	"fmt"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// RepackOptions selects what Repack examines and whether it writes.
type RepackOptions struct {
	// Dataset is the h5path of the one dataset to repack; "" means every dataset of the domain
	// (linked or not).
	Dataset string
	// Check only counts legacy chunks and writes nothing.
	Check bool
	// Concurrency bounds the chunks handled at once (0: 2 x GOMAXPROCS).
	Concurrency int
}

// RepackDataset is what Repack found in one dataset whose filters can hold legacy chunks (a
// compressor with the shuffle filter and an item size > 1).
type RepackDataset struct {
	// Path is an h5path that links to the dataset ("" for a dataset no group links to).
	Path string
	// ID is the dataset id.
	ID string
	// Chunks is the number of stored chunks examined.
	Chunks int
	// Legacy is the number of legacy chunks found.
	Legacy int
	// Rewritten is the number of legacy chunks rewritten in the current format (0 with Check).
	Rewritten int
	// Raced is the number of legacy chunks another writer replaced with a current one while
	// Repack was converting them (left as that writer wrote them).
	Raced int
}

// Repack finds the chunks hsfan wrote before its chunk format fix (codec.ErrLegacyShuffle:
// HDF5-shuffled bytes in a blosc frame without blosc's shuffle flag, which HSDS and h5pyd read
// as garbage) and, unless opts.Check, rewrites each one in place in the current format
// (codec.Pipeline.Encode), which both hsfan and HSDS read as the same values. A chunk is read
// whole, decoded the legacy way (codec.Pipeline.DecodeLegacyShuffle), re-encoded and written
// with If-Match on the ETag read, so a concurrent writer is never overwritten: on a conflict the
// chunk is read again and converted only if it is still legacy. Check reads the 16-byte blosc
// header of each chunk only. Repack is idempotent: current chunks are left alone.
//
// It returns one entry per examined dataset (those whose filters cannot hold legacy chunks,
// reference layouts and variable-length types are not examined), sorted by path then id.
func (f *File) Repack(ctx context.Context, opts RepackOptions) ([]RepackDataset, error) {
	if f.Domain.IsFolder() {
		return nil, fmt.Errorf("repack %s: %w", f.path, ErrIsFolder)
	}
	paths, err := f.datasetPaths(ctx)
	if err != nil {
		return nil, fmt.Errorf("repack %s: %w", f.path, err)
	}
	var ids []string
	if opts.Dataset != "" {
		id, err := f.Resolve(ctx, opts.Dataset)
		if err != nil {
			return nil, fmt.Errorf("repack %s: %w", opts.Dataset, err)
		}
		if schema.Kind(id) != schema.KindDataset {
			return nil, fmt.Errorf("repack %s: %s is not a dataset (id %s)", f.path, opts.Dataset, id)
		}
		ids = []string{id}
		paths[id] = opts.Dataset
	} else if ids, err = f.datasetIDs(ctx); err != nil {
		return nil, fmt.Errorf("repack %s: %w", f.path, err)
	}
	conc := opts.Concurrency
	if conc <= 0 {
		conc = 2 * runtime.GOMAXPROCS(0)
	}
	var out []RepackDataset
	for _, id := range ids {
		obj, err := f.DatasetObject(ctx, id)
		if err != nil {
			return out, fmt.Errorf("repack: %w", err)
		}
		if !canHoldLegacy(obj) {
			continue
		}
		d, err := OpenDataset(f.st, f.bucket, obj)
		if err != nil {
			return out, fmt.Errorf("repack: %w", err)
		}
		if d.ref != nil || d.Pipeline.Shuffle != codec.ShuffleByte || d.ItemSize <= 1 || d.Pipeline.Compressor == "" {
			continue
		}
		r := RepackDataset{Path: paths[id], ID: id}
		if err := d.repack(ctx, &r, opts.Check, conc); err != nil {
			return out, fmt.Errorf("repack dataset %s (%s): %w", r.Path, id, err)
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// canHoldLegacy reports whether a dataset's JSON says its chunks may be legacy ones: a filter
// list with shuffle and a compressor, a layout of its own and a fixed-size type of more than one
// byte (HSDS applies no shuffle to variable-length types: dsetUtil.getFilterOps).
func canHoldLegacy(obj *schema.Dataset) bool {
	if _, isRef := obj.RefLayout(); isRef {
		return false
	}
	filters, err := obj.Filters()
	if err != nil {
		return true // OpenDataset reports the error
	}
	comp, _, shuffle := schema.Compression(filters)
	if comp == "" || shuffle != codec.ShuffleByte {
		return false
	}
	t, err := h5type.Parse(obj.Type)
	return err != nil || t.Size() > 1
}

// repack examines (and with !check converts) every stored chunk of d.
func (d *Dataset) repack(ctx context.Context, r *RepackDataset, check bool, conc int) error {
	var keys []string
	prefix := schema.DatasetPrefix(d.ID)
	err := d.st.List(ctx, d.bucket, prefix, "", func(e store.Entry) error {
		if !e.IsPrefix && !strings.HasSuffix(e.Key, ".json") {
			keys = append(keys, e.Key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list chunks: %w", err)
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for _, key := range keys {
		g.Go(func() error {
			legacy, outcome, err := d.repackChunk(gctx, key, check)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			r.Chunks++
			if legacy {
				r.Legacy++
			}
			switch outcome {
			case repackRewritten:
				r.Rewritten++
			case repackRaced:
				r.Raced++
			}
			return nil
		})
	}
	return g.Wait()
}

type repackOutcome int

const (
	repackNone repackOutcome = iota
	repackRewritten
	repackRaced
)

// repackAttempts bounds the conditional writes of one chunk that lose to other writers.
const repackAttempts = 20

// repackChunk examines one chunk and converts it when it is legacy and check is false.
func (d *Dataset) repackChunk(ctx context.Context, key string, check bool) (bool, repackOutcome, error) {
	if check {
		head, err := d.st.GetRange(ctx, d.bucket, key, 0, codec.BloscHeaderSize)
		if errors.Is(err, store.ErrNotFound) {
			return false, repackNone, nil
		}
		if err != nil {
			return false, repackNone, fmt.Errorf("read chunk %s: %w", key, err)
		}
		return d.Pipeline.IsLegacyShuffle(head), repackNone, nil
	}
	first := true
	for range repackAttempts {
		raw, info, err := d.st.Get(ctx, d.bucket, key)
		if errors.Is(err, store.ErrNotFound) {
			if first {
				return false, repackNone, nil // deleted since it was listed
			}
			return true, repackRaced, nil
		}
		if err != nil {
			return false, repackNone, fmt.Errorf("read chunk %s: %w", key, err)
		}
		if !d.Pipeline.IsLegacyShuffle(raw) {
			if first {
				return false, repackNone, nil
			}
			return true, repackRaced, nil
		}
		first = false
		vals, err := d.Pipeline.DecodeLegacyShuffle(nil, raw, d.chunkBytes)
		if err != nil {
			return true, repackNone, fmt.Errorf("%w %s of dataset %s: %w", ErrCorrupt, key, d.ID, err)
		}
		enc, err := d.Pipeline.Encode(nil, vals)
		if err != nil {
			return true, repackNone, fmt.Errorf("encode chunk %s: %w", key, err)
		}
		_, err = d.st.Put(ctx, d.bucket, key, enc, store.PutOptions{IfMatch: info.ETag})
		switch {
		case err == nil:
			return true, repackRewritten, nil
		case errors.Is(err, store.ErrPreconditionFailed), errors.Is(err, store.ErrNotFound):
			continue // another writer got there first: look again
		default:
			return true, repackNone, fmt.Errorf("write chunk %s: %w", key, err)
		}
	}
	return true, repackNone, fmt.Errorf("write chunk %s: %d conditional writes lost to other writers: %w",
		key, repackAttempts, store.ErrPreconditionFailed)
}

// datasetIDs lists the ids of every dataset stored in the domain, linked or not: the
// directories under db/<A>/d/, each holding its .dataset.json.
func (f *File) datasetIDs(ctx context.Context) ([]string, error) {
	prefix := schema.RootPrefix(f.Domain.Root)
	if prefix == "" {
		return nil, fmt.Errorf("domain %s has no root group", f.path)
	}
	var dirs []string
	err := f.st.List(ctx, f.bucket, prefix+"d/", "/", func(e store.Entry) error {
		if e.IsPrefix {
			dirs = append(dirs, e.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	ids := make([]string, 0, len(dirs))
	for _, dir := range dirs {
		b, _, err := f.st.Get(ctx, f.bucket, dir+".dataset.json")
		if errors.Is(err, store.ErrNotFound) {
			continue // chunks left behind by a deleted dataset
		}
		if err != nil {
			return nil, fmt.Errorf("read %s.dataset.json: %w", dir, err)
		}
		var obj schema.Dataset
		if err := obj.UnmarshalJSON(b); err != nil {
			return nil, fmt.Errorf("%s.dataset.json: %w", dir, err)
		}
		if schema.DatasetPrefix(obj.ID) != dir {
			return nil, fmt.Errorf("%s.dataset.json holds id %q", dir, obj.ID)
		}
		ids = append(ids, obj.ID)
	}
	sort.Strings(ids)
	return ids, nil
}

// datasetPaths maps the id of every dataset reachable from the root group through hard links to
// the first h5path (in sorted link order) that reaches it.
func (f *File) datasetPaths(ctx context.Context) (map[string]string, error) {
	paths := map[string]string{}
	seen := map[string]bool{}
	var walk func(id, p string) error
	walk = func(id, p string) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		switch schema.Kind(id) {
		case schema.KindDataset:
			paths[id] = p
		case schema.KindGroup:
			g, err := f.Group(ctx, id)
			if err != nil {
				return err
			}
			names := make([]string, 0, len(g.Links))
			for n, l := range g.Links {
				if l.Class == schema.LinkHard {
					names = append(names, n)
				}
			}
			sort.Strings(names)
			for _, n := range names {
				if err := walk(g.Links[n].ID, path.Join(p, n)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return paths, walk(f.RootID(), "/")
}
