package awslambda

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// inputFor builds an Invoke input for inv's function without the local
// payload check.
func inputFor(inv *Invoker, payload []byte) *lambda.InvokeInput {
	return &lambda.InvokeInput{FunctionName: aws.String(inv.cfg.Function), Payload: payload}
}
