// Package output writes a run's results: a [Table] of columns as <name>.arrow (Arrow IPC file),
// <name>.json ({"columns": ..., "meta": ...}), optional PNG and SVG plots and, last,
// manifest.json ([Manifest]: inputs, plan, counts, timings, cost) to a [Sink] (a local
// directory or an object store prefix); [WriteOutputs] writes them in that order, so a
// directory whose manifest.json exists is complete.
package output
