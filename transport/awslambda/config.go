package awslambda

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Defaults of [Config].
const (
	DefaultMaxConcurrency   = 1000
	DefaultScaleBurst       = 1000
	DefaultScaleRate        = 100.0 // new environments per second: 1000 per 10 s
	DefaultMaxRetries       = 10
	DefaultBackoffBase      = 50 * time.Millisecond
	DefaultBackoffMax       = 5 * time.Second
	DefaultDecreaseInterval = 200 * time.Millisecond
	// MaxPayload is Lambda's synchronous request limit (6 MB).
	MaxPayload = 6 * 1024 * 1024
)

// API is the part of the Lambda client the invoker uses.
type API interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Config configures an [Invoker].
type Config struct {
	// Function is the function name or ARN (required).
	Function string
	// Qualifier is an optional version or alias.
	Qualifier string
	// MaxConcurrency bounds invocations in flight; 0 means 1000.
	MaxConcurrency int
	// ScaleBurst and ScaleRate form the token bucket for new execution
	// environments: ScaleBurst at once, refilled at ScaleRate per second.
	// 0 means 1000 and 100/s (Lambda's 1000 per 10 s).
	ScaleBurst int
	ScaleRate  float64
	// MaxRetries bounds the retries of throttles and 5xx or transport
	// errors inside one Invoke; 0 means 10, negative means none.
	MaxRetries int
	// BackoffBase and BackoffMax shape the jittered exponential backoff
	// between those retries; 0 means 50 ms and 5 s.
	BackoffBase, BackoffMax time.Duration
	// DecreaseInterval is the minimum time between two multiplicative
	// decreases of the AIMD window; 0 means 200 ms.
	DecreaseInterval time.Duration
	// Region and Endpoint override the standard AWS configuration chain
	// (AWS_REGION, AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, profiles).
	Region, Endpoint string
	// Credentials overrides the credential chain when set. Without it, a
	// loopback Endpoint (hsfan lambda-local) is called unsigned unless
	// AWS_ACCESS_KEY_ID or AWS_PROFILE is set.
	Credentials aws.CredentialsProvider
	// Client replaces the Lambda client built from the AWS configuration
	// (Region, Endpoint and Credentials are then ignored).
	Client API
	// Logger receives retry and throttle events at info level; nil
	// discards.
	Logger *slog.Logger
}

// withDefaults validates c and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.Function == "" {
		errs = append(errs, errors.New("awslambda: no function"))
	}
	if c.MaxConcurrency < 0 {
		errs = append(errs, fmt.Errorf("awslambda: negative max concurrency %d", c.MaxConcurrency))
	}
	if c.ScaleBurst < 0 {
		errs = append(errs, fmt.Errorf("awslambda: negative scale burst %d", c.ScaleBurst))
	}
	if !(c.ScaleRate >= 0) {
		errs = append(errs, fmt.Errorf("awslambda: scale rate %v is not a non-negative number", c.ScaleRate))
	}
	if c.BackoffBase < 0 || c.BackoffMax < 0 || c.DecreaseInterval < 0 {
		errs = append(errs, errors.New("awslambda: negative backoff or decrease interval"))
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if c.MaxConcurrency == 0 {
		c.MaxConcurrency = DefaultMaxConcurrency
	}
	if c.ScaleBurst == 0 {
		c.ScaleBurst = DefaultScaleBurst
	}
	if c.ScaleRate == 0 {
		c.ScaleRate = DefaultScaleRate
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = DefaultBackoffBase
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	if c.BackoffMax < c.BackoffBase {
		c.BackoffMax = c.BackoffBase
	}
	if c.DecreaseInterval == 0 {
		c.DecreaseInterval = DefaultDecreaseInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
