// Package awslambda invokes a worker function on AWS Lambda (or on
// hsfan lambda-local) with admission control, and reports per-invocation
// stats read from the REPORT line of the log tail.
//
// # Contract
//
// [*Invoker] implements fanout.Invoker: it returns fanout.Result with
// fanout.InvokeStats (durations and memory from the REPORT line, the
// retries and throttles inside Invoke), and the fan-out's error types, so
// no adapter is needed. Every error it returns implements Retryable() bool:
//
//   - *fanout.ThrottleError wrapping [*ThrottleError]: 429
//     TooManyRequestsException after the invoker's own retries are spent.
//     Retryable, counted as a throttle, with Lambda's retry hint.
//   - [*ServiceError]: other service or transport failures. Retryable for
//     5xx and transport errors, not for 4xx (unknown function, bad
//     parameters, 413 request too large).
//   - *fanout.TaskError wrapping [*FunctionError]: the function failed
//     (X-Amz-Function-Error). The worker decides with a boolean
//     "retryable" field in its error JSON or with hsfan's worker error
//     types (errorType "hsfan.Permanent" is never retried,
//     "hsfan.Retryable" is); without either,
//     Function.ResponseSizeTooLarge and "Handled" errors are not retryable
//     and everything else (Unhandled errors, timeouts, Runtime.ExitError
//     crashes) is.
//   - [*PayloadTooLargeError]: the request exceeds 6 MB; never sent.
//
// Context errors are returned wrapped, unchanged.
//
// # Admission control
//
// Invocations pass three gates: a hard limit of MaxConcurrency in flight;
// an AIMD window (additive increase of 1 per window of successes, halved
// at most once per DecreaseInterval on throttles); and a token bucket on
// new execution environments (Lambda scales a function by at most 1000
// environments per 10 s): an invocation that raises the concurrency above
// its previous high-water mark takes a token first. Throttles and 5xx or
// transport errors are retried inside Invoke with jittered exponential
// backoff, up to MaxRetries; the SDK's own retryer is off (one attempt,
// no retry token bucket).
package awslambda
