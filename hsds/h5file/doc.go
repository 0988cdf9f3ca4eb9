// Package h5file reads the metadata of HDF5 files (netCDF-4 files are HDF5 files) with ranged
// reads only, so that their datasets can be indexed by reference: where each chunk of a dataset
// lies inside the file, its filters, type, shape, fill value and attributes. It never reads raw
// chunk data except compact layouts (stored in the object header) and attribute values.
//
// Supported (the subset netCDF4-python/libnetcdf and h5py write by default; names follow the
// HDF5 File Format Specification version 3, "spec" below):
//   - superblock versions 0, 1, 2 and 3 (spec II.A), at offset 0, 512, 1024, ... ; base address;
//     sizes of offsets and lengths of 2, 4 or 8 bytes;
//   - object headers version 1 and 2 with continuation blocks (spec IV.A); v2 checksums are not
//     verified (lengths and signatures are);
//   - groups: symbol tables (v1 B-tree type 0, symbol nodes, local heap) and link messages,
//     compact and dense (fractal heap managed and tiny objects + v2 B-tree type 5);
//     hard links only: soft and external links are reported as such and not followed;
//   - dataspace (scalar, simple, null), datatype classes fixed-point, floating-point, string,
//     reference, opaque, bitfield, enum, compound, array and variable-length (decoded for the
//     descriptions below; attribute values are decoded for fixed-point, float, fixed and
//     variable-length strings, object references and vlen sequences of those);
//   - fill value messages (old 0x04 and versions 1-3 of 0x05);
//   - filter pipeline versions 1 and 2: every filter is reported by id and client data;
//     IsSupportedFilter tells which a reader can decode (deflate, shuffle, fletcher32);
//   - data layout versions 3 and 4: compact, contiguous and chunked. Chunk indexes: v1 B-tree
//     (type 1 nodes), single chunk, implicit, fixed array (unpaged and paged), extensible array
//     (index block, data and super blocks; unlimited dimension anywhere; paged data blocks
//     refused) and v2 B-tree (record types 10 and 11). Virtual layouts and external data files
//     are refused with an error naming them (ErrUnsupported);
//   - attributes: compact (in the header) and dense (fractal heap + v2 B-tree type 8);
//     shared (committed) datatypes and shared messages are refused (ErrUnsupported).
//
// Never trust the file: every address is checked against the file size, every count against
// what the bytes can hold, loops (a B-tree node or header visited twice) are errors, and one
// metadata read is at most MaxMetadataRead bytes. All errors name the file and the object.
package h5file
