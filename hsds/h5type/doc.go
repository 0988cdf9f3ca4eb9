// Package h5type models HDF5 datatypes as HSDS describes them in JSON and
// converts values between three forms: the JSON type description, the binary
// element layout stored in chunks and exchanged in octet-stream bodies, and the
// JSON values of the HDF REST API.
//
// # Types
//
// [Parse] accepts every type form HSDS accepts: a predefined name such as
// "H5T_STD_I16LE" or "H5T_IEEE_F32BE" (the LE/BE suffix may be omitted and
// then means little endian), "H5T_STD_REF_OBJ" / "H5T_STD_REF_DSETREG", and
// the object form of every class (H5T_INTEGER, H5T_FLOAT, H5T_STRING,
// H5T_COMPOUND, H5T_ARRAY, H5T_ENUM, H5T_OPAQUE, H5T_VLEN, H5T_REFERENCE). A
// committed-type id "t-..." is not resolved here: Parse returns an error
// matching [ErrCommittedType] carrying the id (see [CommittedTypeError]).
// A parsed [Type] is immutable and safe for concurrent use.
//
// # Layout
//
// Fixed-size elements are packed exactly like numpy: compound fields follow
// one another with no alignment padding, arrays are inline, byte order is the
// one named by the type (HSDS never swaps). Types that contain a
// variable-length string or sequence have Size -1; their elements are
// serialised as HSDS does in chunks and binary bodies: every variable-length
// piece is a 4-byte little-endian byte count followed by that many bytes
// (UTF-8 for strings; for sequences the count is in bytes, not elements),
// fixed pieces use their item size, no padding. A count is at most
// [MaxVlenElement] bytes.
//
// # Values
//
// [Type.EncodeValue] turns a decoded JSON value (pyjson.DecodeValue, i.e.
// encoding/json with UseNumber and Python's NaN/Infinity/-Infinity as float64,
// or plain float64) into element bytes; [Type.DecodeValue] turns element bytes
// into nested []any ready for [MarshalValueJSON], which writes JSON the way
// HSDS (Python's json.dumps) does: ", " separators, non-ASCII escaped, floats
// in Python repr form and NaN/Infinity/-Infinity as bare tokens (or null).
//
// Value mapping (HSDS-compatible by default, see [DecodeOptions]):
//   - integers: int64 (signed) or uint64 (unsigned), exact;
//   - floats (F16/F32/F64): float64;
//   - fixed strings and references: string, trailing NULs trimmed;
//   - variable-length strings: string; an empty one is the integer 0, as HSDS
//     returns it (DecodeOptions.EmptyVlenAsEmpty gives "" instead);
//   - variable-length sequences: []any of base values (empty: 0, as above);
//   - enums: their integer value; the h5py bool enum ({"FALSE":0,"TRUE":1} on
//     H5T_STD_I8) decodes to bool;
//   - opaque: a string holding the raw bytes (numpy's V type decoded as UTF-8,
//     what HSDS emits), or base64 with DecodeOptions.OpaqueBase64;
//   - compounds: []any of field values; arrays: nested []any.
//
// Bytes that are not valid UTF-8 in a string or opaque element give an error
// matching [ErrNotUTF8], so a caller can fall back to base64 as HSDS does.
//
// # Errors
//
// Every parse or conversion failure is returned as an error naming the
// problem; sentinel errors are [ErrCommittedType], [ErrNotUTF8] and
// [ErrInvalidType]. Nothing in this package panics on bad input, and sizes
// read from untrusted bytes are bounds-checked before any allocation.
package h5type
