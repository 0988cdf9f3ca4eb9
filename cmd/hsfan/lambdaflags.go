package main

import (
	"context"
	"flag"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/transport/awslambda"
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
	if awslambda.IsLoopback(cfg.Endpoint) && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		// hsfan lambda-local ignores signatures: do not require credentials.
		cfg.Credentials = aws.AnonymousCredentials{}
	}
	inv, err := awslambda.New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return inv, func() {}, nil
}
