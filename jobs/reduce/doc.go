// Package reduce is the reduction job kind. It runs one fan-out reduction end to end: it opens the dataset, resolves the axes,
// weights and CF decoding, plans chunk-aligned tasks, fans them out through an Invoker, merges
// the partial states exactly (any arrival order gives the same bits), and writes the Arrow,
// JSON, PNG and manifest outputs.
package reduce
