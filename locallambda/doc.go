// Package locallambda is a local AWS Lambda service: it serves the Lambda
// Invoke API over HTTP and runs each function's real bootstrap executable
// (for example an aws-lambda-go binary built for provided.al2023) as
// sandbox processes that talk to their own Lambda Runtime API endpoint on
// 127.0.0.1.
//
// # Invoke API
//
// POST /2015-03-31/functions/{name}/invocations, where name is a function
// name, "name:qualifier" or a function ARN. X-Amz-Invocation-Type selects
// RequestResponse (default), Event (202, run in the background) or DryRun
// (204). X-Amz-Log-Type: Tail returns X-Amz-Log-Result, the base64 of the
// last 4 KB of the invocation's log ending with AWS's START/END/REPORT
// lines. Function errors answer 200 with X-Amz-Function-Error: Unhandled
// and the error JSON as body. Service errors use the JSON shapes and
// X-Amzn-ErrorType header that aws-sdk-go-v2 decodes into typed errors:
// ResourceNotFoundException (404), RequestEntityTooLargeException (413, body
// over 6,291,456 bytes, 1 MB for Event), TooManyRequestsException (429, all
// sandboxes of the function busy) and ServiceException (500).
//
// # Sandboxes
//
// Each function has at most Concurrency sandboxes. A sandbox is one process
// of the bootstrap in its own process group, with the Lambda environment
// variables set. Idle sandboxes are reused (warm starts); a sandbox whose
// invocation times out, or whose process exits, is killed and replaced on
// next use by a cold start; a warm sandbox found dead before it took the
// invocation (its runtime exited after a panic, say) is replaced
// transparently. Each invocation's process output goes to its log tail.
// Close kills every sandbox process group.
//
// # Fault injection
//
// [Faults] injects throttles (429 before running), function failures,
// crashes (the sandbox is killed in the middle of the invocation) and a
// fixed delay before dispatch, from a seeded random source.
//
// # Stats
//
// GET /stats answers the per-function counters of [Stats] as JSON.
package locallambda
