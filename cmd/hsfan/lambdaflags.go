package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/transport/awslambda"
	"github.com/hsfan/hsfan/worker"
)

// lambdaFlags select the Lambda function for --invoker lambda|local.
type lambdaFlags struct {
	function  string
	qualifier string
	endpoint  string
}

func (l *lambdaFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.function, "function", envOr("HSFAN_FUNCTION", "hsfan-worker"), "Lambda function name or ARN (env HSFAN_FUNCTION)")
	fs.StringVar(&l.qualifier, "qualifier", "", "Lambda version or alias")
	fs.StringVar(&l.endpoint, "lambda-endpoint", envOr("AWS_ENDPOINT_URL_LAMBDA", ""), "Lambda endpoint; --invoker local defaults to http://127.0.0.1:9001")
}

// invoker builds the AWS Lambda invoker (for "local", pointed at hsfan lambda-local).
func (l *lambdaFlags) invoker(ctx context.Context, name string, spec reduce.Spec, logger *slog.Logger) (fanout.Invoker, func(), error) {
	cfg := awslambda.Config{Function: l.function, Qualifier: l.qualifier, MaxConcurrency: spec.Concurrency,
		Endpoint: l.endpoint, Logger: logger}
	if name == "local" {
		if cfg.Endpoint == "" {
			cfg.Endpoint = "http://127.0.0.1:9001"
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
	}
	inv, err := awslambda.New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return lambdaAdapter{inv}, func() {}, nil
}

// lambdaAdapter maps lambdainvoke results onto the coordinator's Invoker contract.
type lambdaAdapter struct{ inv *awslambda.Invoker }

func (a lambdaAdapter) Invoke(ctx context.Context, payload []byte) (fanout.Result, error) {
	r, err := a.inv.Invoke(ctx, payload)
	s := r.Stats
	return fanout.Result{Payload: r.Payload, Stats: fanout.InvokeStats{ColdStart: s.ColdStart,
		InitDuration: s.InitDuration, Duration: s.Duration, BilledDuration: s.BilledDuration,
		MemoryMB: s.MemoryMB, MaxMemoryUsedMB: s.MaxMemoryUsedMB, Retries: s.Retries, Throttles: s.Throttles}}, permanentByType(err)
}

// permanentByType maps the invoker's errors onto the coordinator's types: throttles are counted
// as throttles, and a function error keeps the worker's own retry decision (its errorType).
func permanentByType(err error) error {
	var fe *awslambda.FunctionError
	var te *awslambda.ThrottleError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return &fanout.ThrottleError{RetryAfter: te.RetryAfter, Err: err}
	case errors.As(err, &fe):
		retry := fe.Retryable()
		if fe.Type == worker.ErrorTypePermanent {
			retry = false
		}
		return &fanout.TaskError{Type: fe.Type, Message: fe.Message, Retry: retry}
	}
	return err
}
