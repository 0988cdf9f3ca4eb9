// Command worker is the hsfan AWS Lambda function: build it as "bootstrap" for the
// provided.al2023 runtime (make worker, make cross, or the Dockerfile). It answers coordinator
// task events (and, through the same handler, everything package worker serves).
//
// Configuration comes from the environment only (set at deploy time, never by an event):
//
//   - HSFAN_STORE and HSFAN_BUCKET: the store URL and bucket of events that name none;
//   - HSFAN_ALLOWED_STORES and HSFAN_ALLOWED_BUCKETS (comma-separated): the only other stores
//     and buckets an event may name (any other is refused with a permanent error);
//   - HSFAN_RESULT_BUCKET and HSFAN_RESULT_PREFIX: where partials too large for the response are
//     written (default: the task's bucket, under hsfan-results/);
//   - HSFAN_REF_ALLOW (comma-separated "bucket" or "bucket/prefix"): further locations reference
//     layouts may read (default: the dataset's own bucket), HSFAN_REF_FOLLOW_SYMLINKS=1 to let
//     them through symbolic links of a POSIX store;
//   - the standard AWS variables for S3 (AWS_REGION, AWS_ENDPOINT_URL_S3, credentials), with
//     HSFAN_S3_REGION overriding the region, HSFAN_S3_REQUESTER_PAYS=1 for requester-pays buckets,
//     and HSFAN_S3_CREDENTIALS_URL for temporary credentials from an Earthdata endpoint (e.g.
//     https://archive.podaac.earthdata.nasa.gov/s3credentials; login from EARTHDATA_USERNAME and
//     EARTHDATA_PASSWORD, else machine urs.earthdata.nasa.gov of $NETRC or ~/.netrc; fetched at
//     the first S3 request and renewed before expiry), and
//     HSFAN_LOG_LEVEL (debug, info, warn, error);
//   - HSFAN_PASSWORD_FILE: an HSDS password file (user:password lines) whose users may write
//     through HSDS Lambda events (Basic auth in the event's headers, ACLs as for hsfan serve);
//     without it REST events only read, as "default".
//
// An invalid value stops the process before it serves. Nothing is read or dialled at start-up,
// so a cold start costs only the process start.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/hsds/rest"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/hsds/store/earthdata"
	"github.com/hsfan/hsfan/jobs/coordinator"
	"github.com/hsfan/hsfan/jobs/mapreduce/mrwork"
	"github.com/hsfan/hsfan/jobs/reduce"
	"github.com/hsfan/hsfan/jobs/spec"
	"github.com/hsfan/hsfan/transport/awslambda"
	"github.com/hsfan/hsfan/worker"
)

// restUsers are the users of HSFAN_PASSWORD_FILE (read in main), who may write through REST
// events; none: REST events only read.
var restUsers map[string]string

func main() {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("HSFAN_LOG_LEVEL"))); err != nil {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := worker.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Error("configuration", "error", err)
		os.Exit(1)
	}
	cfg.Logger = log
	if pf := os.Getenv("HSFAN_PASSWORD_FILE"); pf != "" {
		if restUsers, err = rest.LoadPasswordFile(pf); err != nil {
			log.Error("configuration", "error", fmt.Errorf("HSFAN_PASSWORD_FILE: %w", err))
			os.Exit(1)
		}
	}
	cfg.Events = restEvents
	cfg.Tasks = mrwork.Tasks() // map-reduce tasks (jobs/mapreduce): the built-in and registered jobs
	if cfg.StoreOptions, err = s3OptionsFromEnv(os.Getenv); err != nil {
		log.Error("configuration", "error", err)
		os.Exit(1)
	}
	lambda.Start(lambdaHandler{worker.NewHandler(cfg)})
}

// restEvents answers the events that are not tasks: a job spec event ({"hsfan_spec": ...},
// package coordinator: the coordinator of a scheduled analysis, fanning out to this same
// function) and otherwise HSDS Lambda events and API Gateway v2 events with the HDF REST API
// over the worker's confined store.
func restEvents(_ context.Context, ec worker.EventConfig) (worker.EventFunc, error) {
	srv, err := rest.New(rest.Config{Store: ec.Store, Bucket: ec.Bucket, Logger: ec.Logger,
		Lambda: ec.Lambda, LambdaFunction: ec.LambdaFunction, Users: restUsers})
	if err != nil {
		return nil, err
	}
	coord := coordinator.Config{Store: ec.Store, Bucket: ec.Bucket, Logger: ec.Logger,
		Invoker: func(ctx context.Context, rs reduce.Spec, r *spec.Reduce) (fanout.Invoker, error) {
			fn := spec.Str(r.Function)
			if fn == "" {
				fn = ec.LambdaFunction
			}
			return lambdaClient(ctx, fn, r, rs.Concurrency, ec)
		},
		// A run stopped before its deadline continues in an asynchronous invocation of this
		// function (the coordinator), not the worker function the spec may name.
		Continue: func(ctx context.Context, r *spec.Reduce, payload []byte) error {
			fn := ec.LambdaFunction
			if fn == "" {
				fn = spec.Str(r.Function)
			}
			inv, err := lambdaClient(ctx, fn, r, 1, ec)
			if err != nil {
				return err
			}
			return inv.InvokeAsync(ctx, payload)
		}}
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		if coordinator.IsEvent(payload) {
			return coordinator.Handle(ctx, coord, payload)
		}
		return rest.HandleLambdaEvent(ctx, srv, payload)
	}, nil
}

// lambdaClient is the Lambda client of the function fn, at the spec's endpoint (hsfan
// lambda-local: unsigned unless AWS credentials are configured).
func lambdaClient(ctx context.Context, fn string, r *spec.Reduce, concurrency int, ec worker.EventConfig) (*awslambda.Invoker, error) {
	if fn == "" {
		return nil, errors.New("coordinator: no function to invoke (spec key function, or run under Lambda)")
	}
	cfg := awslambda.Config{Function: fn, Qualifier: spec.Str(r.Qualifier), Endpoint: spec.Str(r.LambdaEndpoint),
		MaxConcurrency: concurrency, Logger: ec.Logger}
	if awslambda.IsLoopback(cfg.Endpoint) && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		cfg.Credentials = aws.AnonymousCredentials{}
	}
	return awslambda.New(ctx, cfg)
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

// s3OptionsFromEnv reads the S3 store options: HSFAN_S3_REGION, HSFAN_S3_REQUESTER_PAYS and
// HSFAN_S3_CREDENTIALS_URL (see the package doc).
func s3OptionsFromEnv(getenv func(string) string) (store.Options, error) {
	opts := store.Options{Region: getenv("HSFAN_S3_REGION")}
	switch v := strings.ToLower(getenv("HSFAN_S3_REQUESTER_PAYS")); v {
	case "", "0", "false":
	case "1", "true":
		opts.RequesterPays = true
	default:
		return opts, fmt.Errorf("HSFAN_S3_REQUESTER_PAYS %q: want 1, true, 0 or false", v)
	}
	u := getenv("HSFAN_S3_CREDENTIALS_URL")
	if u == "" {
		return opts, nil
	}
	netrc := getenv("NETRC")
	if netrc == "" {
		if home := getenv("HOME"); home != "" {
			netrc = filepath.Join(home, ".netrc")
		}
	}
	creds, err := earthdata.Config{URL: u, User: getenv("EARTHDATA_USERNAME"), Password: getenv("EARTHDATA_PASSWORD"),
		UserSource: "EARTHDATA_USERNAME/EARTHDATA_PASSWORD", NetrcPath: netrc}.Provider()
	if err != nil {
		return opts, fmt.Errorf("HSFAN_S3_CREDENTIALS_URL: %w", err)
	}
	opts.Credentials = creds
	return opts, nil
}
