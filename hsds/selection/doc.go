// Package selection implements HSDS dataset selections: the select syntax of
// the HDF REST API ("[0:100,620,1401]", "[1:3,0:8:3]", "[[0,3],1]",
// "[:,[1,4,5],[2,8,6]]"), the grid of chunks a selection touches (enumerated
// lazily), the part of each chunk it covers, and copies between chunk
// buffers and the selection-shaped output buffer.
//
// Semantics follow HSDS dsetUtil.getSelectionList: one element per
// dimension, start in [0, extent), start < stop <= extent, step > 0, a
// single index keeps its dimension (count 1) and a coordinate list selects
// the listed indices in the given order (repeats allowed).
//
// Several coordinate lists are paired element by element, as numpy does
// with several index arrays and as HSDS 0.9.4 reads them (chunkUtil
// getChunkIds, getDataCoverage): they must have one length N and form one
// output axis of N points. Its position follows numpy: in place of the
// lists when they are adjacent, first when a slice separates them. The
// element order always equals numpy's; HSDS 0.9.4 returns the same bytes,
// but for separated lists not starting at dimension 0 its JSON nests them
// in a shape with the point axis at the first list's position (HSDS
// dsetUtil.getSelectionShape), which does not match the element order.
// This package uses numpy's shape there (see Selection).
//
// Scalar datasets (no dims) have a one-element selection stored as chunk
// index [0] with chunk dims [1].
package selection
