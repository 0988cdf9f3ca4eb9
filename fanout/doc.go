// Package fanout is the generic fan-out engine, the ground floor of every
// job kind: it cuts an enumeration of chunks into tasks, invokes a function
// for each with bounded concurrency and retries, and delivers each task's
// result exactly once. It knows nothing of what a task computes (the job
// kinds, e.g. jobs/reduce, encode the payloads and merge the results), of
// outputs (package output) or of reports and prices (package report); it
// imports no other hsfan package.
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
// [Options.Concurrency] attempts in flight. Retryable failures
// ([IsRetryable]) are retried with jittered exponential backoff, stragglers
// may be duplicated ([Options.Speculate]), and the result callback is
// called exactly once per task, never concurrently, whatever the retries and
// duplicates. A task that is finally lost makes Run fail with a
// [*LostTasksError] naming it: there are no silently partial results.
//
// # Invokers
//
// [Invoker] is the one contract of the worker transports: in-process
// (transport/inproc) and AWS Lambda or the local Lambda service
// (transport/awslambda) return [Result] and the error types of this
// package. [FaultInjector] wraps an invoke function with deterministic
// faults for tests.
package fanout
