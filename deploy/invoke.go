package deploy

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// NoopTask is the Makefile's invoke payload: one no-op task, which a configured worker answers
// without reading data (worker/event.go TaskEvent.Noop).
const NoopTask = `{"hsfan_task": {"version": 1, "noop": true, "dataset": {}, "op": "mean"}}`

// Invoke runs the function once with payload (RequestResponse, LogType Tail) and writes the
// answer and then the log tail (the last 4 KB of the invocation's log, with its REPORT line) to w,
// as `aws lambda invoke --log-type Tail` shows them. A function error is returned after printing.
func Invoke(ctx context.Context, cl Clients, function string, payload []byte, w io.Writer) error {
	out, err := cl.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), Payload: payload, LogType: ltypes.LogTypeTail})
	if err != nil {
		return awsError("lambda", "Invoke", function, err)
	}
	fmt.Fprintf(w, "%s\n", strings.TrimRight(string(out.Payload), "\n"))
	if out.LogResult != nil {
		tail, err := base64.StdEncoding.DecodeString(*out.LogResult)
		if err != nil {
			return fmt.Errorf("lambda Invoke %s: log tail is not base64: %w", function, err)
		}
		fmt.Fprint(w, strings.TrimRight(string(tail), "\n")+"\n")
	}
	if out.FunctionError != nil {
		return fmt.Errorf("lambda Invoke %s: function error %s (answer above)", function, *out.FunctionError)
	}
	return nil
}
