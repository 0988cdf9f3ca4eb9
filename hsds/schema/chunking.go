package schema

import "math"

// Chunk sizing defaults (hsds admin/config/config.yml and chunkUtil).
const (
	// MinChunkSize is the config min_chunk_size (1 MiB).
	MinChunkSize = 1024 * 1024
	// MaxChunkSize is the config max_chunk_size (4 MiB).
	MaxChunkSize = 4 * 1024 * 1024
	// VlenItemSize is the per-element size assumed for variable-length types.
	VlenItemSize = 128
	// UnlimitedGuess stands in for an unlimited extent in GuessChunk.
	UnlimitedGuess = 1024
	// ContiguousChunkMax is the byte target (exclusive) of ContiguousLayout.
	ContiguousChunkMax = 4000000
)

// maxLoops bounds the sizing loops; each pass at least doubles or halves
// one dimension, so real inputs finish in far fewer passes.
const maxLoops = 256

func effItemSize(itemsize int) int64 {
	if itemsize <= 0 {
		return VlenItemSize
	}
	return int64(itemsize)
}

// chunkBytes is getChunkSize. It is computed in float64 so that huge
// layouts keep shrinking monotonically instead of saturating (Python ints
// do not overflow); comparisons against the byte limits stay exact for any
// realistic chunk.
func chunkBytes(layout []int, itemsize int) float64 {
	n := float64(effItemSize(itemsize))
	for _, d := range layout {
		if d <= 0 {
			return 0
		}
		n *= float64(d)
	}
	return n
}

// dsetBytes is get_dset_size: zero extents count as 1.
func dsetBytes(shape []int, itemsize int) int64 {
	n := effItemSize(itemsize)
	for _, d := range shape {
		if d <= 0 {
			continue
		}
		if n > math.MaxInt64/int64(d) {
			return math.MaxInt64
		}
		n *= int64(d)
	}
	return n
}

// GuessChunk returns HSDS's initial automatic chunk shape: maxdims when
// given, else dims, with unlimited (0) extents replaced by 1024. Scalar
// shapes (no dims) get [1]. itemsize <= 0 means variable length.
func GuessChunk(shape, maxdims []int, itemsize int) []int {
	if len(shape) == 0 {
		return []int{1}
	}
	src := shape
	if len(maxdims) == len(shape) {
		src = maxdims
	}
	out := make([]int, len(src))
	for i, d := range src {
		if d <= 0 {
			d = UnlimitedGuess
		}
		out[i] = d
	}
	return out
}

// ExpandChunk ports HSDS chunkUtil.expandChunk: it grows layout until its
// byte size exceeds minBytes. A non-extensible dataspace no larger than
// minBytes becomes one chunk. Otherwise dims are doubled from the last one:
// only extensible dims while there are any (an unlimited dim grows freely, a
// bounded one up to its maxdim), else dims up to their extent.
func ExpandChunk(layout, shape, maxdims []int, itemsize, minBytes int) []int {
	if len(shape) == 0 {
		return []int{1}
	}
	rank := len(shape)
	out := cloneInts(layout)
	if len(out) != rank {
		return out
	}
	if len(maxdims) != rank {
		maxdims = nil
	}
	extendable := 0
	for n := range maxdims {
		if maxdims[n] == 0 || maxdims[n] > shape[n] {
			extendable++
		}
	}
	min := float64(minBytes)
	if float64(dsetBytes(shape, itemsize)) <= min && extendable == 0 {
		return cloneInts(shape)
	}
	size := chunkBytes(out, itemsize)
	if size >= min {
		return out
	}
	for loop := 0; size < min && loop < maxLoops; loop++ {
		old := size
		for n := 0; n < rank; n++ {
			dim := rank - n - 1
			if extendable > 0 {
				if maxdims[dim] == 0 {
					out[dim] = dbl(out[dim])
					if size = chunkBytes(out, itemsize); size > min {
						break
					}
				} else if maxdims[dim] > out[dim] {
					out[dim] = dbl(out[dim])
					if out[dim] >= shape[dim] {
						out[dim] = maxdims[dim] // HSDS trims back to maxdims
						extendable--
					}
					if size = chunkBytes(out, itemsize); size > min {
						break
					}
				}
			} else if shape[dim] > out[dim] {
				out[dim] = dbl(out[dim])
				if out[dim] > shape[dim] {
					out[dim] = shape[dim]
				}
				if size = chunkBytes(out, itemsize); size > min {
					break
				}
			}
		}
		if size <= old || size > min {
			break
		}
	}
	return out
}

func dbl(v int) int {
	if v > math.MaxInt/4 {
		return v
	}
	return v * 2
}

// ShrinkChunk ports HSDS chunkUtil.shrinkChunk: while the chunk is larger
// than maxBytes, halve (rounding up) each dim > 1, first dim first.
func ShrinkChunk(layout []int, itemsize, maxBytes int) []int {
	out := cloneInts(layout)
	max := float64(maxBytes)
	size := chunkBytes(out, itemsize)
	if size <= max {
		return out
	}
	for loop := 0; size > max && loop < maxLoops; loop++ {
		old := size
		for dim := range out {
			if out[dim] > 1 {
				out[dim] = (out[dim] + 1) / 2
				if size = chunkBytes(out, itemsize); size <= max {
					break
				}
			}
		}
		if size >= old || size <= max {
			break
		}
	}
	return out
}

// ChooseChunk returns the chunk dims HSDS (0.9.4, dset_sn POST_Dataset)
// stores for a new dataset: the requested dims (or GuessChunk), expanded
// when smaller than minBytes and shrunk when larger than maxBytes.
// Pass minBytes/maxBytes <= 0 for the config defaults (1 MiB, 4 MiB) and
// itemsize <= 0 for variable-length types (128 bytes per element). Scalar
// datasets get [1].
func ChooseChunk(requested []int, shape, maxdims []int, itemsize, minBytes, maxBytes int) []int {
	if len(shape) == 0 {
		return []int{1}
	}
	if minBytes <= 0 {
		minBytes = MinChunkSize
	}
	if maxBytes <= 0 {
		maxBytes = MaxChunkSize
	}
	layout := cloneInts(requested)
	if len(layout) != len(shape) {
		layout = GuessChunk(shape, maxdims, itemsize)
	}
	for _, d := range layout {
		if d <= 0 {
			layout = GuessChunk(shape, maxdims, itemsize)
			break
		}
	}
	size := chunkBytes(layout, itemsize)
	switch {
	case size < float64(minBytes):
		layout = ExpandChunk(layout, shape, maxdims, itemsize, minBytes)
	case size > float64(maxBytes):
		layout = ShrinkChunk(layout, itemsize, maxBytes)
	}
	return layout
}

// ContiguousLayout ports HSDS getContiguousLayout, the chunking of an
// H5D_CONTIGUOUS_REF dataset: from the last dimension, take full extents
// while the chunk stays under 4,000,000 bytes, then halve (rounding up) the
// next dimension until it fits and use 1 for the slower ones. A shape with a
// zero extent is returned as is; scalar shapes get [1].
func ContiguousLayout(shape []int, itemsize int) []int {
	return ContiguousLayoutMax(shape, itemsize, ContiguousChunkMax)
}

// ContiguousLayoutMax is ContiguousLayout with the byte target maxBytes (exclusive): HSDS's
// POST_Dataset passes its max_chunk_size (dset_sn.py, chunk_max=max_chunk_size).
func ContiguousLayoutMax(shape []int, itemsize, maxBytes int) []int {
	if len(shape) == 0 {
		return []int{1}
	}
	for _, d := range shape {
		if d <= 0 {
			return cloneInts(shape)
		}
	}
	rank := len(shape)
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	nsize := effItemSize(itemsize)
	for i := 0; i < rank; i++ {
		dim := rank - i - 1
		extent := int64(shape[dim])
		// n*nsize < maxBytes, without overflow
		limit := (int64(maxBytes) + nsize - 1) / nsize
		if extent < limit {
			out[dim] = shape[dim]
			nsize *= extent
			continue
		}
		n := extent
		for n > 1 {
			n = (n + 1) / 2
			if n < limit {
				break
			}
		}
		out[dim] = int(n)
		break
	}
	return out
}
