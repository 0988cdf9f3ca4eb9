package awslambda

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ThrottleError reports that Lambda refused the invocation with 429
// TooManyRequestsException on every attempt. It is retryable.
type ThrottleError struct {
	// Reason is Lambda's throttle reason, e.g.
	// "ReservedFunctionConcurrentInvocationLimitExceeded".
	Reason string
	// RetryAfter is the server's hint, 0 if none.
	RetryAfter time.Duration
	// Err is the last SDK error.
	Err error
}

func (e *ThrottleError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("throttled (%s): %v", e.Reason, e.Err)
	}
	return fmt.Sprintf("throttled: %v", e.Err)
}

// Unwrap returns the SDK error.
func (e *ThrottleError) Unwrap() error { return e.Err }

// Retryable reports true.
func (e *ThrottleError) Retryable() bool { return true }

// ServiceError is a failed Invoke call other than a throttle: an error
// answer of the Lambda service or a transport failure (StatusCode 0).
type ServiceError struct {
	StatusCode int    // HTTP status, 0 for transport errors
	Code       string // Lambda error code, e.g. ResourceNotFoundException
	Retry      bool   // 5xx and transport errors
	Err        error  // the SDK error
}

func (e *ServiceError) Error() string {
	switch {
	case e.StatusCode == 0:
		return fmt.Sprintf("lambda transport error: %v", e.Err)
	case e.Code != "":
		return fmt.Sprintf("lambda service error %d %s: %v", e.StatusCode, e.Code, e.Err)
	default:
		return fmt.Sprintf("lambda service error %d: %v", e.StatusCode, e.Err)
	}
}

// Unwrap returns the SDK error.
func (e *ServiceError) Unwrap() error { return e.Err }

// Retryable reports whether a retry may succeed.
func (e *ServiceError) Retryable() bool { return e.Retry }

// FunctionError is a failure reported by the function: Lambda answered
// with X-Amz-Function-Error and an error document.
type FunctionError struct {
	// Kind is the X-Amz-Function-Error value ("Unhandled" or "Handled").
	Kind string
	// Type and Message are the document's errorType and errorMessage.
	Type, Message string
	// StackTrace is the document's stackTrace, if any.
	StackTrace json.RawMessage
	// Retry is the retry decision (see the package doc).
	Retry bool
}

func (e *FunctionError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("function error (%s): %s", e.Kind, e.Message)
	}
	return fmt.Sprintf("function error %s: %s", e.Type, e.Message)
}

// Retryable reports the retry decision.
func (e *FunctionError) Retryable() bool { return e.Retry }

// Timeout reports whether the function exceeded its timeout.
func (e *FunctionError) Timeout() bool {
	return e.Type == "Sandbox.Timedout" || strings.Contains(e.Message, "Task timed out after")
}

// PayloadTooLargeError reports a request over Lambda's 6 MB limit; it is
// never sent and never retryable.
type PayloadTooLargeError struct{ Size, Limit int }

func (e *PayloadTooLargeError) Error() string {
	return fmt.Sprintf("lambda payload of %d bytes exceeds the %d byte limit", e.Size, e.Limit)
}

// Retryable reports false.
func (e *PayloadTooLargeError) Retryable() bool { return false }

// The errorType values of hsfan's worker (worker.ErrorTypePermanent and worker.ErrorTypeRetryable,
// which cmd/worker reports as Lambda's errorType): a refused or invalid task is permanent, however
// Lambda marks the error (aws-lambda-go reports every returned error as "Unhandled").
const (
	ErrorTypePermanent = "hsfan.Permanent"
	ErrorTypeRetryable = "hsfan.Retryable"
)

// maxErrorDoc bounds the error documents parsed (Lambda payloads are at
// most 6 MB anyway).
const maxErrorDoc = MaxPayload + 1024

// parseFunctionError builds a FunctionError from the X-Amz-Function-Error
// value and the payload.
func parseFunctionError(kind string, payload []byte) *FunctionError {
	fe := &FunctionError{Kind: kind}
	var doc struct {
		ErrorMessage string          `json:"errorMessage"`
		ErrorType    string          `json:"errorType"`
		StackTrace   json.RawMessage `json:"stackTrace"`
		Retryable    *bool           `json:"retryable"`
	}
	if len(payload) > maxErrorDoc || json.Unmarshal(payload, &doc) != nil {
		msg := string(payload)
		if len(msg) > 1024 {
			msg = msg[:1024] + "..."
		}
		fe.Message = msg
		fe.Retry = kind != "Handled"
		return fe
	}
	fe.Type, fe.Message, fe.StackTrace = doc.ErrorType, doc.ErrorMessage, doc.StackTrace
	switch {
	case doc.Retryable != nil:
		fe.Retry = *doc.Retryable
	case doc.ErrorType == ErrorTypePermanent:
		fe.Retry = false
	case doc.ErrorType == ErrorTypeRetryable:
		fe.Retry = true
	case doc.ErrorType == "Function.ResponseSizeTooLarge":
		fe.Retry = false
	case kind == "Handled":
		fe.Retry = false
	default: // Unhandled errors, timeouts, Runtime.ExitError crashes
		fe.Retry = true
	}
	return fe
}
