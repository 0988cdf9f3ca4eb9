// Package schema implements the HSDS storage schema v2: object ids, object
// keys, domain paths and the JSON objects HSDS stores (.domain.json,
// .group.json, .dataset.json, .datatype.json), together with filter
// normalisation and the server-side chunk sizing rules.
//
// Every fact encoded here comes from shared/reference/hsds-format.md
// (sections 1.1-1.10 and 2.1). Stored objects are written the way HSDS
// writes them: one JSON line with Python's default separators and
// float-second timestamps, and unknown fields are kept on a round trip.
// Types are kept as json.RawMessage; package h5type parses them. Stored
// objects hold Python's NaN, Infinity and -Infinity tokens; Unmarshal and
// Marshal translate them (package pyjson) so that every json.RawMessage in
// memory is standard JSON with sentinel strings in their place.
package schema
