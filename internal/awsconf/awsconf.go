// Package awsconf is hsfan's one configuration of AWS SDK clients, shared by the S3 store
// (hsds/store) and the Lambda invoker (transport/awslambda): the standard AWS configuration
// chain (environment, profiles, instance roles: read by the SDK, the only place outside a main
// package that reads AWS_* variables) plus an HTTP connection pool sized for the fan-out and the
// SDK's standard retryer without its retry token bucket (under a fan-out of 1000 the bucket runs
// dry and turns transient errors into failures; hsfan bounds retries itself).
package awsconf

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Options tune one client.
type Options struct {
	// IdleConns is the number of idle connections kept, in all and per host.
	IdleConns int
	// MaxConnsPerHost caps the connections per host; 0: no cap.
	MaxConnsPerHost int
	// MaxAttempts is the attempts of the SDK's retryer per call (1: no retry inside the SDK).
	MaxAttempts int
	// Region overrides the configured region when not empty.
	Region string
	// Credentials overrides the credential chain when not nil.
	Credentials aws.CredentialsProvider
	// More are further load options (e.g. checksum modes).
	More []func(*config.LoadOptions) error
}

// IdleConnTimeout is how long an idle pooled connection is kept.
const IdleConnTimeout = 90 * time.Second

// Load returns the AWS configuration with o applied. The HTTP client has no overall timeout:
// the caller's context bounds every call (Lambda invocations run up to 900 s).
func Load(ctx context.Context, o Options) (aws.Config, error) {
	hc := awshttp.NewBuildableClient().
		WithTimeout(0).
		WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConns = o.IdleConns
			t.MaxIdleConnsPerHost = o.IdleConns
			t.MaxConnsPerHost = o.MaxConnsPerHost
			t.IdleConnTimeout = IdleConnTimeout
		})
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(hc),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.MaxAttempts
				so.RateLimiter = ratelimit.None
			})
		}),
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(o.Credentials))
	}
	opts = append(opts, o.More...)
	return config.LoadDefaultConfig(ctx, opts...)
}
