package incremental

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// config is the digest of what the values depend on besides the chunks.
func (j *Job) config(ds *hdf.Dataset, ax axisInfo) (string, error) {
	s := j.Spec
	attrs, err := json.Marshal(ds.Obj.Attributes)
	if err != nil {
		return "", err
	}
	typ, err := json.Marshal(ds.Obj.Type)
	if err != nil {
		return "", err
	}
	v := map[string]any{
		"format": CatalogFormat, "domain": s.Domain, "dataset": s.Dataset, "dataset_id": ds.ID, "op": s.Op, "reduce": s.Reduce,
		"weights": s.Weights, "units": s.Units, "no_cf": s.NoCF, "bins": s.Bins, "hist_min": s.HistMin, "hist_max": s.HistMax,
		"ddof": s.DDOF, "min_count": s.MinCount, "type": json.RawMessage(typ), "attributes": json.RawMessage(attrs),
		"chunks": ds.ChunkDims, "time_axis": ax.index, "time_units": ax.units, "calendar": ax.calendar,
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// inputVersions lists the dataset's stored chunks once and digests, per step in [first, end),
// the keys and ETags of the chunks of its slab (the chunks whose index along the time axis
// holds the step).
func (j *Job) inputVersions(ctx context.Context, ds *hdf.Dataset, ti, first, end int) ([]string, error) {
	out := make([]string, end)
	if first >= end {
		return out, nil
	}
	ct := ds.ChunkDims[ti]
	slabs := map[int][]string{}
	prefix := schema.DatasetPrefix(ds.ID)
	err := j.Store.List(ctx, j.Spec.Bucket, prefix, "", func(e store.Entry) error {
		_, idx, _, err := schema.ParseChunkKey(e.Key)
		if err != nil || len(idx) != len(ds.Dims) {
			return nil // .dataset.json and other objects
		}
		c := idx[ti]
		if c*ct >= end || (c+1)*ct <= first {
			return nil
		}
		slabs[c] = append(slabs[c], e.Key+" "+e.ETag)
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("list the chunks of %s: %w", j.Spec.Dataset, err)
	}
	digest := map[int]string{}
	for s := first; s < end; s++ {
		c := s / ct
		d, ok := digest[c]
		if !ok {
			keys := slabs[c]
			sort.Strings(keys)
			h := sha256.New()
			fmt.Fprintf(h, "hsfan step input v1\nchunk %d of %d along axis %d\n", c, ct, ti)
			for _, k := range keys {
				fmt.Fprintln(h, k)
			}
			d = hex.EncodeToString(h.Sum(nil))[:32]
			digest[c] = d
		}
		out[s] = d
	}
	return out, nil
}
