package h5index

import (
	"context"
	"fmt"

	"github.com/hsfan/hsfan/hsds/h5file"
)

func (w *writer) checkConcat() (map[uint64]bool, error) {
	return nil, fmt.Errorf("--concat: %w", h5file.ErrUnsupported)
}

func (w *writer) concatDataset(ctx context.Context, o *h5file.Object) (string, error) {
	return "", fmt.Errorf("--concat: %w", h5file.ErrUnsupported)
}
