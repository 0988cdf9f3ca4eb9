package fanout

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// InvokeStats describes one invocation of a worker as reported by the
// invoker (for AWS Lambda: from the response and the REPORT log line).
type InvokeStats struct {
	// ColdStart is true when the invocation initialised a new execution environment.
	ColdStart bool
	// InitDuration is the initialisation time of a cold start.
	InitDuration time.Duration
	// Duration is the run time of the handler.
	Duration time.Duration
	// BilledDuration is the billed time (Lambda bills per 1 ms).
	BilledDuration time.Duration
	// MemoryMB is the memory size of the function, 0 when unknown;
	// MaxMemoryUsedMB the peak memory the invocation used (Lambda's Max Memory
	// Used), 0 when unknown.
	MemoryMB, MaxMemoryUsedMB int
	// Retries and Throttles count retries made inside the invoker (for
	// example by the AWS SDK) before this result.
	Retries, Throttles int
	// BytesRead is the number of bytes the worker read from storage.
	BytesRead int64
	// Gets is the number of storage GET requests the worker made.
	Gets int64
}

// Result is the answer of one invocation: the worker's payload and its stats.
type Result struct {
	Payload []byte
	Stats   InvokeStats
	// Value is what a job's invoke function decoded from Payload, handed unchanged to the
	// result callback of [Run], so that a reply is decoded once; transports leave it nil.
	Value any
}

// Invoker runs one worker invocation with a JSON payload. Implementations
// must be safe for concurrent use and return promptly when ctx is done.
// Errors that may be retried implement interface{ Retryable() bool }.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) (Result, error)
}

// IsRetryable reports whether err is worth retrying: an error in the chain
// with a Retryable() bool method decides; otherwise context.DeadlineExceeded
// (a per-attempt timeout) and errors with Timeout() true are retryable, and
// everything else, context.Canceled included, is not. Callers must check
// their own parent context first: a deadline of the parent context is not a
// reason to retry ([Run] does this).
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	if errors.As(err, &t) {
		return t.Timeout()
	}
	return false
}

// isThrottle reports whether err is (or wraps) a [*ThrottleError].
func isThrottle(err error) bool {
	var t *ThrottleError
	return errors.As(err, &t)
}

// ThrottleError reports that the platform refused the invocation for lack of
// capacity (Lambda 429 TooManyRequestsException, S3 503 SlowDown). It is
// always retryable and counted as a throttle.
type ThrottleError struct {
	// RetryAfter is the server's hint for the earliest retry, 0 if none.
	RetryAfter time.Duration
	// Err is the underlying error, may be nil.
	Err error
}

func (e *ThrottleError) Error() string {
	if e.Err == nil {
		return "throttled"
	}
	return "throttled: " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ThrottleError) Unwrap() error { return e.Err }

// Retryable reports true: throttles are always retried.
func (e *ThrottleError) Retryable() bool { return true }

// TaskError is a function error reported by the worker (Lambda's
// X-Amz-Function-Error, or a failed task answer). The worker decides whether
// a retry can help.
type TaskError struct {
	// Type is the worker's error type, e.g. "Unhandled" or "InvalidSelection".
	Type string
	// Message is the worker's error message.
	Message string
	// Retry is true when the failure is transient.
	Retry bool
	// Err is the transport's own error behind it (e.g. awslambda.FunctionError), may be nil.
	Err error
}

func (e *TaskError) Error() string {
	if e.Type == "" {
		return "task error: " + e.Message
	}
	return fmt.Sprintf("task error %s: %s", e.Type, e.Message)
}

// Retryable reports whether the worker marked the failure as transient.
func (e *TaskError) Retryable() bool { return e.Retry }

// Unwrap returns the transport's error, may be nil.
func (e *TaskError) Unwrap() error { return e.Err }

// TimeoutError reports that one attempt exceeded [Options.TaskTimeout]
// while the job itself was still running. It is retryable.
type TimeoutError struct {
	After time.Duration
	Err   error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("attempt timed out after %s: %v", e.After, e.Err)
}

// Unwrap returns the underlying error (usually context.DeadlineExceeded).
func (e *TimeoutError) Unwrap() error { return e.Err }

// Retryable reports true.
func (e *TimeoutError) Retryable() bool { return true }

// Timeout reports true.
func (e *TimeoutError) Timeout() bool { return true }
