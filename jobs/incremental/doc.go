// Package incremental runs a reduction keyed by time steps: it computes only the steps of the
// window that are new or whose input changed since they were computed, merges them into the
// output table, and publishes the new table by swapping the catalog object with a conditional
// put (store.PutOptions.IfMatch), so a run that fails or is killed leaves the previous table
// readable and unchanged.
//
// Storage (bucket and prefix of a Location, default hsfan-catalog/NAME):
//
//	PREFIX/catalog.json          the pointer: the current table object, its steps and their input versions
//	PREFIX/tables/RUN-N.table    one immutable table version (gob; written before the pointer moves)
//
// A step's input version is the SHA-256 of the keys and ETags of the stored chunks that hold it
// (the chunks whose index along the time dimension is the step's chunk), so rewriting a chunk,
// or writing a chunk that was fill before, changes the version of every step in that chunk. The
// configuration digest (op, dataset, reduce, weights, units and the other value-changing
// parameters, and the dataset's type, attributes and chunk shape) invalidates every step when it
// changes. Weights datasets and non-time coordinates are not part of the version.
package incremental
