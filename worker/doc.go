// Package worker is the hsfan worker: one handler that answers every event a worker receives,
// whether it runs under AWS Lambda (cmd/worker), under `hsfan lambda-local`, or in process.
//
// # Events
//
//   - Task events {"hsfan_task": {...}} from the coordinator: reduce a range of the chunks of a
//     selection into a partial state (package ops) and answer {"hsfan_result": {...}}.
//   - Task events of other job kinds, by their top-level member (Config.Tasks): the map-reduce
//     tasks {"hsfan_mr": {...}} of jobs/mapreduce/mrwork, answered {"hsfan_mr_result": {...}},
//     with the stores the worker is configured with (TaskEnv).
//   - HSDS REST events {"method","path","params","headers","body"} and API Gateway HTTP API v2
//     events, answered by Config.Events (cmd/worker wires the HDF REST API of hsds/rest, which
//     answers them as HSDS's Lambda function does); package worker does not import hsds/rest.
//
// # Errors
//
// A task that cannot succeed (bad selection, unknown op) fails with a non-retryable TaskError;
// I/O failures are retryable. Under Lambda the error becomes a function error whose errorType
// carries the retry decision ("hsfan.Retryable" or "hsfan.Permanent").
package worker
