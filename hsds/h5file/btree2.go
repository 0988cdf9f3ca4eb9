package h5file

import (
	"bytes"
	"context"
	"fmt"
	"math/bits"
)

// limitEncSize is HDF5's H5VM_limit_enc_size: bytes to encode values up to l.
func limitEncSize(l uint64) int {
	if l == 0 {
		return 1
	}
	return (bits.Len64(l)-1)/8 + 1
}

// btree2Records calls fn with every record of the v2 B-tree whose header is at addr, in key
// order (spec III.A.2).
func (f *File) btree2Records(ctx context.Context, addr uint64, fn func(typ int, rec []byte) error) error {
	hlen := 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + f.SizeOffsets + 2 + f.SizeLengths + 4
	h, err := f.read(ctx, addr, int64(hlen))
	if err != nil {
		return fmt.Errorf("v2 B-tree header at %d: %w", addr, err)
	}
	c := &cursor{b: h}
	if !bytes.Equal(c.bytes(4), []byte("BTHD")) {
		return fmt.Errorf("v2 B-tree header at %d: bad signature: %w", addr, ErrFormat)
	}
	c.skip(1)
	typ := int(c.u8())
	nodeSize := int(c.u32())
	recSize := int(c.u16())
	depth := int(c.u16())
	c.skip(2)
	root := c.uint(f.SizeOffsets)
	rootN := int(c.u16())
	total := c.uint(f.SizeLengths)
	if c.err != nil {
		return c.err
	}
	if nodeSize < 16 || nodeSize > 1<<20 || recSize < 1 || recSize > nodeSize || depth > maxDepth || total > maxChunks {
		return fmt.Errorf("v2 B-tree at %d: node size %d, record size %d, depth %d, %d records: %w", addr, nodeSize, recSize, depth, total, ErrFormat)
	}
	if total == 0 || root == undef(f.SizeOffsets) {
		return nil
	}
	// Per-depth record limits (H5B2__hdr_init).
	maxNrec := make([]uint64, depth+1)
	cumMax := make([]uint64, depth+1)
	cumSize := make([]int, depth+1)
	maxNrec[0] = uint64((nodeSize - 10) / recSize)
	cumMax[0] = maxNrec[0]
	maxNrecSize := limitEncSize(maxNrec[0])
	for u := 1; u <= depth; u++ {
		ptr := f.SizeOffsets + maxNrecSize + cumSize[u-1]
		if nodeSize-10-ptr <= 0 {
			return fmt.Errorf("v2 B-tree at %d: node size %d too small for depth %d: %w", addr, nodeSize, depth, ErrFormat)
		}
		maxNrec[u] = uint64((nodeSize - 10 - ptr) / (recSize + ptr))
		cumMax[u] = (maxNrec[u]+1)*cumMax[u-1] + maxNrec[u]
		if cumMax[u] > 1<<56 {
			cumMax[u] = 1 << 56
		}
		cumSize[u] = limitEncSize(cumMax[u])
	}
	seen := map[uint64]bool{}
	var walk func(node uint64, n, d int) error
	walk = func(node uint64, n, d int) error {
		if uint64(n) > maxNrec[d] {
			return fmt.Errorf("v2 B-tree node at %d: %d records, at most %d: %w", node, n, maxNrec[d], ErrFormat)
		}
		if seen[node] {
			return fmt.Errorf("v2 B-tree node at %d reached twice: %w", node, ErrFormat)
		}
		seen[node] = true
		if err := f.spend(1 + n); err != nil {
			return err
		}
		b, err := f.read(ctx, node, int64(nodeSize))
		if err != nil {
			return fmt.Errorf("v2 B-tree node at %d: %w", node, err)
		}
		sig := "BTLF"
		if d > 0 {
			sig = "BTIN"
		}
		nc := &cursor{b: b}
		if !bytes.Equal(nc.bytes(4), []byte(sig)) {
			return fmt.Errorf("v2 B-tree node at %d: want %s: %w", node, sig, ErrFormat)
		}
		nc.skip(1)
		if int(nc.u8()) != typ {
			return fmt.Errorf("v2 B-tree node at %d: record type differs from header: %w", node, ErrFormat)
		}
		recs := make([][]byte, n)
		for i := range recs {
			recs[i] = nc.bytes(recSize)
		}
		if nc.err != nil {
			return nc.err
		}
		if d == 0 {
			for _, r := range recs {
				if err := fn(typ, r); err != nil {
					return err
				}
			}
			return nil
		}
		type child struct {
			addr uint64
			n    int
		}
		kids := make([]child, n+1)
		for i := range kids {
			kids[i].addr = nc.uint(f.SizeOffsets)
			kids[i].n = int(nc.uint(maxNrecSize))
			if d > 1 {
				nc.skip(cumSize[d-1])
			}
		}
		if nc.err != nil {
			return nc.err
		}
		for i, k := range kids {
			if err := walk(k.addr, k.n, d-1); err != nil {
				return err
			}
			if i < n {
				if err := fn(typ, recs[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(root, rootN, depth)
}
