// Package selection implements HSDS dataset selections: the select syntax of
// the HDF REST API ("[0:100,620,1401]", "[1:3,0:8:3]", "[[0,3],1]"), the
// grid of chunks a selection touches (enumerated lazily in row-major
// order), the part of each chunk it covers, and copies between chunk
// buffers and the selection-shaped output buffer.
//
// Semantics follow HSDS dsetUtil.getSelectionList: one element per
// dimension, start in [0, extent), start < stop <= extent, step > 0, a
// single index keeps its dimension (count 1) and a coordinate list selects
// the listed indices in the given order. Scalar datasets (no dims) have a
// one-element selection stored as chunk index [0] with chunk dims [1].
package selection
