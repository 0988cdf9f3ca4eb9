// Package mrwork is the worker side of hsfan's map-reduce (package jobs/mapreduce is the
// driver): the registry of jobs (map, optional combine and reduce functions by name), the
// built-in jobs (wordcount, bdb-q1, bdb-q2), byte-range splits with line fix-up, the map-side
// combiner with spill, the stable partitioner, the sorted intermediate runs and the streaming
// reduce. It is linked into the one worker binary (cmd/worker registers Tasks with
// worker.Config.Tasks), so it does not import the fan-out engine.
//
// Data flow of one job: the driver cuts the inputs into splits; a map task reads its split's
// records (lines), calls Map on each, folds equal keys with Combine in a bounded hash table,
// and spills the table as key-sorted runs, one object per reduce partition (Partition: FNV-1a
// 64 of the key bytes), under its attempt's own prefix. The driver commits the winning attempt
// of each map task (fanout.Run calls onResult exactly once per task) and hands each reduce task
// the committed runs of its partition; the reduce task merges them by key, calls Reduce per
// key, and writes its rows, sorted by key, under its attempt's prefix; the driver commits one
// attempt per partition and merges the rows into the outputs.
package mrwork
