// Command echofn is a test Lambda function for the locallambda tests, built
// with aws-lambda-go. The event selects a mode:
//
//	{"mode":"echo","data":X}        -> {"echo":X,"requestId":ID,"pid":P,"env":{...}}
//	{"mode":"sleep","ms":N}         -> sleeps N ms, then echoes
//	{"mode":"sleepctx","ms":N}      -> the same, but returns the context error at the deadline
//	{"mode":"crash"}                -> os.Exit(3) in the middle of the invocation
//	{"mode":"error","message":M}    -> returns an error of type *fnError
//	{"mode":"panic"}                -> panics (the process exits after reporting)
//	{"mode":"big","size":N}         -> a JSON string of N bytes
//	{"mode":"log","message":M}      -> prints M to stdout and stderr, then echoes
//
// Environment: ECHOFN_INIT_SLEEP_MS delays start-up (to exercise init timing).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Mode    string          `json:"mode"`
	Data    json.RawMessage `json:"data,omitempty"`
	MS      int             `json:"ms,omitempty"`
	Size    int             `json:"size,omitempty"`
	Message string          `json:"message,omitempty"`
}

type reply struct {
	Echo      json.RawMessage   `json:"echo,omitempty"`
	RequestID string            `json:"requestId"`
	ARN       string            `json:"arn"`
	PID       int               `json:"pid"`
	Deadline  int64             `json:"deadlineMs"`
	Env       map[string]string `json:"env"`
	Client    map[string]string `json:"client,omitempty"`
}

type fnError struct{ msg string }

func (e *fnError) Error() string { return e.msg }

func handle(ctx context.Context, ev event) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	dl, _ := ctx.Deadline()
	r := reply{Echo: ev.Data, PID: os.Getpid(), Deadline: dl.UnixMilli(), Env: map[string]string{}}
	if lc != nil {
		r.RequestID = lc.AwsRequestID
		r.ARN = lc.InvokedFunctionArn
		r.Client = lc.ClientContext.Custom
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "ECHOFN_") || k == "_HANDLER" || k == "LAMBDA_TASK_ROOT" {
			r.Env[k] = v
		}
	}
	switch ev.Mode {
	case "", "echo":
	case "sleep":
		time.Sleep(time.Duration(ev.MS) * time.Millisecond)
	case "sleepctx":
		select {
		case <-time.After(time.Duration(ev.MS) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "crash":
		fmt.Println("crashing now")
		os.Exit(3)
	case "error":
		return nil, &fnError{msg: ev.Message}
	case "panic":
		panic("echofn panic: " + ev.Message)
	case "big":
		return strings.Repeat("x", ev.Size), nil
	case "log":
		fmt.Println("stdout: " + ev.Message)
		fmt.Fprintln(os.Stderr, "stderr: "+ev.Message)
	default:
		return nil, fmt.Errorf("unknown mode %q", ev.Mode)
	}
	return r, nil
}

func main() {
	if ms, err := strconv.Atoi(os.Getenv("ECHOFN_INIT_SLEEP_MS")); err == nil && ms > 0 {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	lambda.Start(handle)
}
