package awslambda

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/internal/awsconf"
)

var _ fanout.Invoker = (*Invoker)(nil)

// Invoker invokes one Lambda function. It is safe for concurrent use.
type Invoker struct {
	cfg    Config
	client API
	adm    *admission
	log    *slog.Logger
}

// New returns an Invoker for cfg. Without cfg.Client it loads the
// standard AWS configuration (so AWS_REGION, AWS_ENDPOINT_URL_LAMBDA and
// profiles apply), with an HTTP transport sized for MaxConcurrency
// concurrent requests and the SDK retryer reduced to one attempt.
func New(ctx context.Context, cfg Config) (*Invoker, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	client := cfg.Client
	if client == nil {
		client, err = newClient(ctx, cfg)
		if err != nil {
			return nil, err
		}
	}
	return &Invoker{
		cfg:    cfg,
		client: client,
		adm:    newAdmission(cfg.MaxConcurrency, cfg.ScaleBurst, cfg.ScaleRate, cfg.DecreaseInterval, time.Now),
		log:    cfg.Logger,
	}, nil
}

// newClient builds the Lambda client from the standard configuration.
func newClient(ctx context.Context, cfg Config) (*lambda.Client, error) {
	n := cfg.MaxConcurrency
	// One attempt inside the SDK: Invoke retries throttles and 5xx itself (admission control).
	awsCfg, err := awsconf.Load(ctx, awsconf.Options{IdleConns: n + n/4, MaxAttempts: 1,
		Region: cfg.Region, Credentials: cfg.Credentials})
	if err != nil {
		return nil, fmt.Errorf("awslambda: load AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, errors.New("awslambda: no AWS region: set AWS_REGION or Config.Region")
	}
	return lambda.NewFromConfig(awsCfg, func(o *lambda.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	}), nil
}

// IsLoopback reports whether endpoint is an http(s) URL on a loopback host.
func IsLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Admission returns a snapshot of the admission controller.
func (i *Invoker) Admission() AdmissionState { return i.adm.state() }

// Invoke runs the function once with payload (RequestResponse, log tail
// on) and returns its answer and stats. Throttles and retryable service
// errors are retried inside, up to MaxRetries; see the package doc for
// the errors. The stats are filled in on errors too, as far as known.
func (i *Invoker) Invoke(ctx context.Context, payload []byte) (fanout.Result, error) {
	var res fanout.Result
	if len(payload) > MaxPayload {
		return res, &PayloadTooLargeError{Size: len(payload), Limit: MaxPayload}
	}
	in := &lambda.InvokeInput{
		FunctionName:   aws.String(i.cfg.Function),
		InvocationType: types.InvocationTypeRequestResponse,
		LogType:        types.LogTypeTail,
		Payload:        payload,
	}
	if i.cfg.Qualifier != "" {
		in.Qualifier = aws.String(i.cfg.Qualifier)
	}
	for attempt := 0; ; attempt++ {
		if err := i.adm.acquire(ctx); err != nil {
			return res, fmt.Errorf("invoke %s: wait for admission: %w", i.cfg.Function, err)
		}
		out, err := i.client.Invoke(ctx, in)
		if err == nil {
			i.adm.release(outcomeSuccess)
			return i.answer(out, res.Stats)
		}
		if ctx.Err() != nil {
			i.adm.release(outcomeNone)
			return res, fmt.Errorf("invoke %s: %w", i.cfg.Function, ctx.Err())
		}
		cerr := classify(err)
		var se *ServiceError
		if errors.As(cerr, &se) && se.StatusCode == 0 && refusedOnLoopback(err, i.cfg.Endpoint) {
			se.Retry = false
		}
		var te *ThrottleError
		if errors.As(cerr, &te) {
			res.Stats.Throttles++
			i.adm.release(outcomeThrottled)
		} else {
			i.adm.release(outcomeNone)
		}
		var r interface{ Retryable() bool }
		if !errors.As(cerr, &r) || !r.Retryable() || attempt >= i.cfg.MaxRetries {
			err := fmt.Errorf("invoke %s: %w", i.cfg.Function, cerr)
			if te != nil {
				// counted as a throttle by the fan-out, the retry hint kept
				err = &fanout.ThrottleError{RetryAfter: te.RetryAfter, Err: err}
			}
			return res, err
		}
		wait := i.backoff(attempt + 1)
		if te != nil && te.RetryAfter > wait {
			wait = te.RetryAfter
		}
		i.log.LogAttrs(ctx, slog.LevelInfo, "lambda invoke retry",
			slog.String("function", i.cfg.Function), slog.Int("attempt", attempt+1),
			slog.Duration("wait", wait), slog.String("error", cerr.Error()))
		res.Stats.Retries++
		if err := sleepCtx(ctx, wait); err != nil {
			return res, fmt.Errorf("invoke %s: %w", i.cfg.Function, err)
		}
	}
}

// answer turns a successful Invoke call into a result or function error.
func (i *Invoker) answer(out *lambda.InvokeOutput, st fanout.InvokeStats) (fanout.Result, error) {
	res := fanout.Result{Payload: out.Payload, Stats: st}
	if out.LogResult != nil {
		if b, err := base64.StdEncoding.DecodeString(*out.LogResult); err == nil {
			if rep, ok := ParseReport(string(b)); ok {
				res.Stats.ColdStart = rep.ColdStart
				res.Stats.InitDuration = rep.InitDuration
				res.Stats.Duration = rep.Duration
				res.Stats.BilledDuration = rep.BilledDuration
				res.Stats.MemoryMB = rep.MemoryMB
				res.Stats.MaxMemoryUsedMB = rep.MaxMemoryMB
			}
		}
	}
	if out.FunctionError != nil {
		fe := parseFunctionError(*out.FunctionError, out.Payload)
		res.Payload = nil
		// The worker's own retry decision: a hsfan.Permanent error is never retried, whatever
		// else the error document says.
		return res, &fanout.TaskError{Type: fe.Type, Message: fe.Message, Retry: fe.Retry && fe.Type != ErrorTypePermanent,
			Err: fmt.Errorf("invoke %s: %w", i.cfg.Function, fe)}
	}
	return res, nil
}

// classify maps an SDK error to ThrottleError or ServiceError.
func classify(err error) error {
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	code := ""
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var tm *types.TooManyRequestsException
	if errors.As(err, &tm) || status == http.StatusTooManyRequests || code == "TooManyRequestsException" {
		te := &ThrottleError{Err: err}
		if tm != nil {
			te.Reason = string(tm.Reason)
			if s, perr := strconv.Atoi(aws.ToString(tm.RetryAfterSeconds)); perr == nil && s > 0 && s < 3600 {
				te.RetryAfter = time.Duration(s) * time.Second
			}
		}
		return te
	}
	switch {
	case status == 0 && code == "":
		return &ServiceError{Retry: true, Err: err} // transport error
	case status >= 500:
		return &ServiceError{StatusCode: status, Code: code, Retry: true, Err: err}
	default:
		return &ServiceError{StatusCode: status, Code: code, Err: err}
	}
}

// backoff returns the jittered exponential wait before retry k (k >= 1):
// uniform in [c/2, c) with c = min(BackoffMax, BackoffBase*2^(k-1)).
func (i *Invoker) backoff(k int) time.Duration {
	c := i.cfg.BackoffBase
	for j := 1; j < k && c < i.cfg.BackoffMax; j++ {
		c *= 2
	}
	if c > i.cfg.BackoffMax {
		c = i.cfg.BackoffMax
	}
	half := c / 2
	return half + time.Duration(rand.Float64()*float64(c-half))
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
