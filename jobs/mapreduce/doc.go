// Package mapreduce runs map-reduce jobs on hsfan's fan-out engine: the second job kind next to
// jobs/reduce, with the same invokers (in process, AWS Lambda, hsfan lambda-local), the same
// exactly-once result callback, retries, speculation and throttling, and the same outputs
// (Arrow, JSON, TSV, manifest.json) and run report.
//
// Run resolves the inputs (file:// or s3:// prefixes or globs) into splits of Spec.SplitSize
// bytes, fans out one map task per split and one reduce task per partition (package mrwork does
// the work on the workers), commits exactly one attempt of each task in the fan-out's onResult,
// merges the reducers' committed rows into one table sorted by key, writes the outputs and then
// removes the intermediate objects. Jobs are registered by name in package mrwork (Register);
// the built-in ones are wordcount, bdb-q1, bdb-q2 and bdb-q3 (two stages: a
// join, then bdb-q3-agg).
//
// PlainScanQ2 is the floor BDB Q2 is measured against: a plain 2-goroutine scan-and-hash of the
// same files, no framework.
package mapreduce
