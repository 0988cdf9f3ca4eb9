// Package spec reads job spec files: YAML documents that say everything `hsfan run` (kind
// reduce) or `hsfan mapreduce` (kind mapreduce) take on the command line, plus a schedule (a cron
// expression in an explicit time zone) and a window over the time axis (absolute, relative to the
// run time, or "not yet computed"). Parsing is strict: an unknown key, a value of the wrong type
// or a bad value is an error naming the file, the line and the key.
//
// The reduce section's keys are the flag names of `hsfan run` (cmd/hsfan's round-trip test pins
// that every run flag has a key here): `hsfan run --spec FILE` turns the section into flags and
// parses them through the command's own validated flags, so the spec and the command line are
// two spellings of one thing.
package spec
