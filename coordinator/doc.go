// Package coordinator turns a chunk selection into tasks, fans them out to
// workers with bounded concurrency and retries, merges their partial results
// exactly once, and writes the run's outputs, manifest and report.
//
// # Planning
//
// [MakePlan] is a pure, deterministic function: the touched chunk grid is
// enumerated row-major and cut into consecutive ranges ([Task]) of about
// [PlanInput.TargetBytes] each, never more than [PlanInput.MaxChunksPerTask]
// chunks, and never fewer tasks than min(chunks, concurrency) so that the
// fan-out has parallelism.
//
// # Fan-out
//
// [Run] invokes a function for every task with at most
// [FanoutOptions.Concurrency] attempts in flight. Retryable failures
// ([IsRetryable]) are retried with jittered exponential backoff, stragglers
// may be duplicated ([FanoutOptions.Speculate]), and the result callback is
// called exactly once per task, never concurrently, whatever the retries and
// duplicates. A task that is finally lost makes Run fail with a
// [*LostTasksError] naming it: there are no silently partial results.
//
// # Invokers
//
// [Invoker] is the contract of the worker transports (in-process, AWS Lambda,
// local Lambda service). [FaultInjector] wraps an invoke function with
// deterministic faults for tests.
//
// # Outputs
//
// [WriteOutputs] writes <name>.arrow (Arrow IPC file), <name>.json, an
// optional <name>.png plot and, last, manifest.json to a [Sink]. A directory
// whose manifest.json exists is complete.
//
// # Report and cost
//
// [Reporter] shows progress (a bar on a terminal, log lines otherwise);
// [FormatReport] renders the final summary; [RunCost] and [EstimateCost]
// price a run from measured or planned work with the AWS Lambda prices in
// this package's constants.
package coordinator
