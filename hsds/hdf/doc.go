// Package hdf reads and writes HDF objects stored in the HSDS schema v2 layout through a
// store.Store: domains and folders, groups and links, datasets and their chunks, attributes.
//
// # Layout
//
// A domain is the object <path>/.domain.json; its root group, datasets and chunks live under
// db/<root>/ (see package schema for the keys). Data written here is byte-compatible with what
// HSDS writes and reads, so HSDS, h5pyd and hsfan can share one bucket.
//
// # Concurrency
//
// Chunk writes are read-modify-write cycles guarded by conditional puts (store.Update), so two
// writers of one chunk never lose each other's update; object JSON updates (links, attributes)
// use the same mechanism. A File and a Dataset are safe for concurrent use.
//
// # Errors
//
// Missing objects wrap ErrNotFound; malformed stored objects are errors naming the object.
// Chunks that do not decode wrap ErrCorrupt and name the dataset and the chunk key; chunks written
// by hsfan before its chunk format fix also wrap codec.ErrLegacyShuffle, and File.Repack
// converts them in place.
package hdf
