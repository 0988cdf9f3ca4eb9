package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

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
			cfg.Endpoint = "http://" + defaultLambdaLocalAddr
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
	}
	if awslambda.IsLoopback(cfg.Endpoint) && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		// hsfan lambda-local ignores signatures: do not require credentials.
		cfg.Credentials = aws.AnonymousCredentials{}
	}
	if name == "local" || awslambda.IsLoopback(cfg.Endpoint) {
		// Without a service at the endpoint every task would be retried for about a minute:
		// find out now, before the run, with one connection.
		if err := awslambda.Probe(ctx, cfg.Endpoint); err != nil {
			return nil, nil, noLambdaService(cfg.Endpoint, cfg.Function, err)
		}
	}
	inv, err := awslambda.New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return inv, func() {}, nil
}

// noLambdaService is the error for an endpoint where no Lambda service answers: how to start
// one (hsfan lambda-local) or point to one.
func noLambdaService(endpoint, function string, err error) error {
	addr := strings.TrimPrefix(strings.TrimPrefix(endpoint, "http://"), "https://")
	return fmt.Errorf("no Lambda service answers at %s (%w): start one in another terminal with\n"+
		"  hsfan lambda-local --addr %s --function %s=bin/bootstrap --store URL --bucket NAME   (make worker builds bin/bootstrap)\n"+
		"or point to a running one with --lambda-endpoint URL (env AWS_ENDPOINT_URL_LAMBDA); --invoker inproc needs no service",
		endpoint, err, strings.TrimSuffix(addr, "/"), function)
}
