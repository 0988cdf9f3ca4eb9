// Package deploy puts the hsfan worker on AWS through aws-sdk-go-v2: the execution role and the
// scheduler role (IAM), the image repository (ECR), the function (Lambda), one test invocation,
// the status, the removal, and EventBridge Scheduler schedules that send a job spec to the
// function. Every step reads the current state first, compares, and changes only what differs, so
// a second run with the same arguments makes no mutating call.
//
// The clients are small interfaces (IAMAPI, LambdaAPI, ECRAPI, SchedulerAPI, STSAPI) satisfied by
// the SDK clients; NewClients builds them from one aws.Config with an optional endpoint (tests and
// --dry-run point them at internal/awsfake) and a Recorder that sees every call the SDK makes.
package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// IAMAPI is the part of the IAM client deploy uses.
type IAMAPI interface {
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	CreateRole(context.Context, *iam.CreateRoleInput, ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	UpdateAssumeRolePolicy(context.Context, *iam.UpdateAssumeRolePolicyInput, ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error)
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	DetachRolePolicy(context.Context, *iam.DetachRolePolicyInput, ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error)
	ListRolePolicies(context.Context, *iam.ListRolePoliciesInput, ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
	GetRolePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	PutRolePolicy(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	DeleteRolePolicy(context.Context, *iam.DeleteRolePolicyInput, ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)
	DeleteRole(context.Context, *iam.DeleteRoleInput, ...func(*iam.Options)) (*iam.DeleteRoleOutput, error)
}

// LambdaAPI is the part of the Lambda client deploy uses (GetFunction also feeds the SDK's
// FunctionActiveV2 and FunctionUpdatedV2 waiters).
type LambdaAPI interface {
	GetFunction(context.Context, *lambda.GetFunctionInput, ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error)
	CreateFunction(context.Context, *lambda.CreateFunctionInput, ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error)
	UpdateFunctionCode(context.Context, *lambda.UpdateFunctionCodeInput, ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error)
	UpdateFunctionConfiguration(context.Context, *lambda.UpdateFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error)
	PutFunctionConcurrency(context.Context, *lambda.PutFunctionConcurrencyInput, ...func(*lambda.Options)) (*lambda.PutFunctionConcurrencyOutput, error)
	DeleteFunctionConcurrency(context.Context, *lambda.DeleteFunctionConcurrencyInput, ...func(*lambda.Options)) (*lambda.DeleteFunctionConcurrencyOutput, error)
	DeleteFunction(context.Context, *lambda.DeleteFunctionInput, ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error)
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// ECRAPI is the part of the ECR client deploy uses.
type ECRAPI interface {
	DescribeRepositories(context.Context, *ecr.DescribeRepositoriesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	CreateRepository(context.Context, *ecr.CreateRepositoryInput, ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
	DeleteRepository(context.Context, *ecr.DeleteRepositoryInput, ...func(*ecr.Options)) (*ecr.DeleteRepositoryOutput, error)
	DescribeImages(context.Context, *ecr.DescribeImagesInput, ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
	GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

// SchedulerAPI is the part of the EventBridge Scheduler client deploy uses.
type SchedulerAPI interface {
	GetSchedule(context.Context, *scheduler.GetScheduleInput, ...func(*scheduler.Options)) (*scheduler.GetScheduleOutput, error)
	CreateSchedule(context.Context, *scheduler.CreateScheduleInput, ...func(*scheduler.Options)) (*scheduler.CreateScheduleOutput, error)
	UpdateSchedule(context.Context, *scheduler.UpdateScheduleInput, ...func(*scheduler.Options)) (*scheduler.UpdateScheduleOutput, error)
	DeleteSchedule(context.Context, *scheduler.DeleteScheduleInput, ...func(*scheduler.Options)) (*scheduler.DeleteScheduleOutput, error)
}

// STSAPI gives the caller's account id (for ARNs and the ECR registry host).
type STSAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Clients are the AWS clients of one deployment and the region they talk to.
type Clients struct {
	IAM       IAMAPI
	Lambda    LambdaAPI
	ECR       ECRAPI
	Scheduler SchedulerAPI
	STS       STSAPI
	Region    string
}

// NewClients builds the SDK clients from cfg. endpoint, when not empty, is every client's
// BaseEndpoint (a local endpoint such as internal/awsfake); rec, when not nil, sees every call.
func NewClients(cfg aws.Config, endpoint string, rec *Recorder) Clients {
	var apiOpts []func(*middleware.Stack) error
	if rec != nil {
		apiOpts = append(apiOpts, rec.middleware)
	}
	var ep *string
	if endpoint != "" {
		ep = aws.String(endpoint)
	}
	region := cfg.Region
	iamCfg := cfg.Copy()
	if iamCfg.Region == "" {
		iamCfg.Region = "us-east-1" // IAM is global: any region resolves to its one endpoint
	}
	return Clients{
		IAM: iam.NewFromConfig(iamCfg, func(o *iam.Options) {
			o.BaseEndpoint = ep
			o.APIOptions = append(o.APIOptions, apiOpts...)
		}),
		Lambda: lambda.NewFromConfig(cfg, func(o *lambda.Options) {
			o.BaseEndpoint = ep
			o.APIOptions = append(o.APIOptions, apiOpts...)
		}),
		ECR: ecr.NewFromConfig(cfg, func(o *ecr.Options) {
			o.BaseEndpoint = ep
			o.APIOptions = append(o.APIOptions, apiOpts...)
		}),
		Scheduler: scheduler.NewFromConfig(cfg, func(o *scheduler.Options) {
			o.BaseEndpoint = ep
			o.APIOptions = append(o.APIOptions, apiOpts...)
		}),
		STS: sts.NewFromConfig(cfg, func(o *sts.Options) {
			o.BaseEndpoint = ep
			o.APIOptions = append(o.APIOptions, apiOpts...)
		}),
		Region: region,
	}
}

// Call is one AWS call as the client made it: the service id, the operation and its input
// parameters (JSON of the SDK input with empty fields left out).
type Call struct {
	Service   string
	Operation string
	Input     string
}

// String is "Service Operation {input}".
func (c Call) String() string { return c.Service + " " + c.Operation + " " + c.Input }

// Recorder collects the calls the SDK clients make, in order, and writes each to W when set.
type Recorder struct {
	W     io.Writer
	mu    sync.Mutex
	calls []Call
}

// Calls returns the calls recorded so far.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

func (r *Recorder) middleware(st *middleware.Stack) error {
	// In the Serialize step: the service metadata is in the context by then for every client
	// generation (older clients register it in the Initialize step), and the step runs once per
	// call (retries are in the Finalize step).
	return st.Serialize.Add(middleware.SerializeMiddlewareFunc("hsfanDeployRecorder",
		func(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
			c := Call{Service: strings.ToLower(awsmiddleware.GetServiceID(ctx)), Operation: awsmiddleware.GetOperationName(ctx), Input: compactInput(in.Parameters)}
			r.mu.Lock()
			r.calls = append(r.calls, c)
			if r.W != nil {
				fmt.Fprintln(r.W, c.String())
			}
			r.mu.Unlock()
			return next.HandleSerialize(ctx, in)
		}), middleware.Before)
}

// compactInput is the JSON of an SDK input with nil, empty and zero fields dropped and the
// ClientToken (an idempotency token made up per call) left out.
func compactInput(v any) string {
	if in, ok := v.(*lambda.InvokeInput); ok {
		// The event as text, not base64.
		c := *in
		b, _ := json.Marshal(struct {
			*lambda.InvokeInput
			Payload string
		}{&c, string(in.Payload)})
		var m any
		_ = json.Unmarshal(b, &m)
		return marshalText(prune(m))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		return string(b)
	}
	m = prune(m)
	if mm, ok := m.(map[string]any); ok {
		delete(mm, "ClientToken")
	}
	if m == nil {
		return "{}"
	}
	return marshalText(m)
}

// marshalText is compact JSON without HTML escaping ("<aws.scheduler.scheduled-time>" stays
// readable, as sent).
func marshalText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if p := prune(e); p == nil {
				delete(x, k)
			} else {
				x[k] = p
			}
		}
		if len(x) == 0 {
			return nil
		}
		return x
	case []any:
		if len(x) == 0 {
			return nil
		}
		for i, e := range x {
			if p := prune(e); p != nil {
				x[i] = p
			}
		}
		return x
	case string:
		if x == "" {
			return nil
		}
	case bool:
		if !x {
			return nil
		}
	case float64:
		if x == 0 {
			return nil
		}
	}
	return v
}

// Options are the knobs common to every step.
type Options struct {
	// Out receives the progress lines ("created role hsfan-worker", "function up to date").
	Out io.Writer
	// WaitMinDelay and WaitMaxDelay are the Lambda waiters' poll delays (defaults 1 s, 10 s); Wait
	// bounds one wait (default 5 min).
	WaitMinDelay, WaitMaxDelay, Wait time.Duration
}

func (o Options) say(format string, a ...any) {
	if o.Out != nil {
		fmt.Fprintf(o.Out, format+"\n", a...)
	}
}

func (o Options) waitBounds() (lo, hi, total time.Duration) {
	lo, hi, total = o.WaitMinDelay, o.WaitMaxDelay, o.Wait
	if lo <= 0 {
		lo = time.Second
	}
	if hi < lo {
		hi = max(lo, 10*time.Second)
	}
	if total <= 0 {
		total = 5 * time.Minute
	}
	return lo, hi, total
}

// apiCode is the AWS error code of err ("" if err is not an API error).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isCode reports whether err is an AWS API error with one of the codes.
func isCode(err error, codes ...string) bool {
	c := apiCode(err)
	return c != "" && contains(codes, c)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// awsError wraps an AWS error with the operation and the resource ("iam CreateRole hsfan-worker:
// ..."); an access-denied error also says which IAM action the caller's policy lacks, and for
// operations that hand a role to a service, that iam:PassRole on that role is needed too.
func awsError(service, op, resource string, err error) error {
	if err == nil {
		return nil
	}
	if isCode(err, "AccessDenied", "AccessDeniedException", "UnauthorizedOperation") {
		need := service + ":" + op
		if m := deniedActionRE.FindStringSubmatch(err.Error()); m != nil {
			// AWS names the action it refused ("... is not authorized to perform:
			// iam:PassRole on resource: ..."): that is the one to grant.
			need = m[1]
		} else if contains([]string{"CreateFunction", "UpdateFunctionConfiguration", "CreateSchedule", "UpdateSchedule"}, op) {
			need += " (and iam:PassRole on the role it passes)"
		}
		return fmt.Errorf("%s %s %s: access denied: the caller's IAM policy needs %s on %s (README: Running on AWS Lambda lists the deploy permissions): %w",
			service, op, resource, need, resource, err)
	}
	return fmt.Errorf("%s %s %s: %w", service, op, resource, err)
}

// deniedActionRE finds the refused action in an AWS access-denied message.
var deniedActionRE = regexp.MustCompile(`not authorized to perform: ([a-z0-9-]+:[A-Za-z0-9]+)`)

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sameJSON reports whether two JSON documents are equal as values (key order and spacing aside).
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(normalizePolicy(x), normalizePolicy(y))
}

// normalizePolicy makes IAM's equivalent spellings equal: a one-element list and its element
// ("Action": ["s3:GetObject"] is "Action": "s3:GetObject"), as IAM may return either.
func normalizePolicy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizePolicy(e)
		}
		return x
	case []any:
		if len(x) == 1 {
			if _, isMap := x[0].(map[string]any); !isMap {
				return normalizePolicy(x[0])
			}
		}
		for i := range x {
			x[i] = normalizePolicy(x[i])
		}
		return x
	}
	return v
}
