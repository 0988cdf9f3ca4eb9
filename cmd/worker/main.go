// Command worker is the hsfan AWS Lambda function: build it as "bootstrap" for the
// provided.al2023 runtime (make worker, make cross, or the Dockerfile). It answers coordinator
// task events (and, through the same handler, everything package worker serves).
//
// Configuration comes from the environment only: HSFAN_STORE and HSFAN_BUCKET (defaults for
// events that name none), the standard AWS variables for S3 (AWS_REGION, AWS_ENDPOINT_URL_S3,
// credentials), and HSFAN_LOG_LEVEL (debug, info, warn, error). Nothing is read or dialled at
// start-up, so a cold start costs only the process start.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/hsfan/hsfan/worker"
)

func main() {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("HSFAN_LOG_LEVEL"))); err != nil {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg := worker.ConfigFromEnv()
	cfg.Logger = log
	lambda.Start(lambdaHandler{worker.NewHandler(cfg)})
}

// lambdaHandler reports worker errors with their retry decision as the Lambda errorType.
type lambdaHandler struct{ h *worker.Handler }

func (l lambdaHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, err := l.h.Invoke(ctx, payload)
	if err == nil {
		return out, nil
	}
	var we *worker.Error
	if errors.As(err, &we) {
		return nil, messages.InvokeResponse_Error{Message: we.Error(), Type: we.ErrorType()}
	}
	return nil, messages.InvokeResponse_Error{Message: err.Error(), Type: worker.ErrorTypeRetryable}
}
