package h5index

import (
	"context"
	"fmt"

	"github.com/hsfan/hsfan/hsds/h5file"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
)

func (w *writer) checkConcat() (map[uint64]bool, error) {
	return nil, fmt.Errorf("--concat: %w", h5file.ErrUnsupported)
}

func (w *writer) concatDataset(ctx context.Context, o *h5file.Object) (string, error) {
	return "", fmt.Errorf("--concat: %w", h5file.ErrUnsupported)
}

// Append adds granules to a domain written by Index with Options.Concat.
func Append(ctx context.Context, st store.Store, f *hdf.File, gs []Granule, o Options) (Report, error) {
	return Report{}, fmt.Errorf("--append: %w", h5file.ErrUnsupported)
}
