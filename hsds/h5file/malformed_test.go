package h5file

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformed: broken files are errors naming the file (and the kind of problem), never
// panics or silent partial answers.
func TestMalformed(t *testing.T) {
	dir, _ := generated(t)
	good, err := os.ReadFile(filepath.Join(dir, "mur.nc"))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name string
		data []byte
		want error
		text string
	}{
		{"empty", nil, ErrFormat, "no HDF5 signature"},
		{"text", []byte("CDF\x01 a netCDF-3 file"), ErrFormat, "no HDF5 signature"},
		{"superblock version 9", edit(func(b []byte) []byte { b[8] = 9; return b }), ErrUnsupported, "superblock version 9"},
		{"offsets of 3 bytes", edit(func(b []byte) []byte { b[9] = 3; return b }), ErrFormat, "size of offsets 3"},
		{"truncated", good[:len(good)/3], ErrFormat, "beyond"},
		{"root beyond the file", edit(func(b []byte) []byte {
			for i := 0; i < 8; i++ {
				b[36+i] = 0x7f // v2 superblock: root object header address (offset 36, 8 bytes)
			}
			return b
		}), ErrFormat, "beyond"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f, err := Open(ctx, BytesSource(tc.data), "bad.nc")
			if err == nil {
				err = f.Walk(ctx, func(o *Object) error {
					if o.Dataset != nil && o.Dataset.Layout.Class == LayoutChunked {
						_, err := f.Chunks(ctx, o.Dataset)
						return err
					}
					return nil
				})
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "bad.nc") || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("got %v, want %v naming bad.nc and %q", err, tc.want, tc.text)
			}
		})
	}
}
