package awslambda

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// MaxEventPayload is Lambda's request limit of asynchronous (Event) invocations, 1 MB (as
// locallambda.MaxEventPayload).
const MaxEventPayload = 1024 * 1024

// InvokeAsync queues one asynchronous invocation of the function (InvocationType Event: Lambda
// answers 202 and runs it later, retrying it twice on a function error) with payload, at most
// MaxEventPayload bytes. It is outside the admission control of Invoke: it starts no
// fan-out, it hands work to a later invocation (the Lambda coordinator continuing after its
// deadline).
func (i *Invoker) InvokeAsync(ctx context.Context, payload []byte) error {
	if len(payload) > MaxEventPayload {
		return &PayloadTooLargeError{Size: len(payload), Limit: MaxEventPayload}
	}
	in := &lambda.InvokeInput{FunctionName: aws.String(i.cfg.Function), InvocationType: types.InvocationTypeEvent, Payload: payload}
	if i.cfg.Qualifier != "" {
		in.Qualifier = aws.String(i.cfg.Qualifier)
	}
	out, err := i.client.Invoke(ctx, in)
	if err != nil {
		return fmt.Errorf("invoke %s asynchronously: %w", i.cfg.Function, classify(err))
	}
	if out.StatusCode != 202 {
		return fmt.Errorf("invoke %s asynchronously: status %d, want 202", i.cfg.Function, out.StatusCode)
	}
	return nil
}
