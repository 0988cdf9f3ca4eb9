package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // schedule time zones resolve without the system's zoneinfo (a scratch image)

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/hsfan/hsfan/deploy"
	"github.com/hsfan/hsfan/internal/awsconf"
	"github.com/hsfan/hsfan/internal/awsfake"
	"github.com/hsfan/hsfan/internal/version"
	"github.com/hsfan/hsfan/jobs/spec"
	"github.com/hsfan/hsfan/transport/awslambda"
)

// deployCommands are the subcommands of hsfan deploy.
var deployCommands = []struct{ name, summary string }{
	{"role", "create or update the execution role and the scheduler role (IAM)"},
	{"function", "create the ECR repository, push the image, create or update the function (Lambda)"},
	{"invoke", "invoke the function once and print its answer and log tail (REPORT line)"},
	{"status", "print what is deployed: the function's configuration and the roles"},
	{"schedule", "create, update (or --delete) the EventBridge Scheduler schedule of a job spec"},
}

const deployUsage = `Usage: hsfan deploy SUBCOMMAND [flags]

Deploys the hsfan worker to AWS Lambda through aws-sdk-go-v2 (credentials and region from the
standard AWS configuration chain: AWS_PROFILE, AWS_REGION, ...). Every subcommand reads the current
state first and changes only what differs: running it twice changes nothing the second time.
--dry-run prints every AWS call (service, operation, parameters) that a fresh account would see,
without sending any to AWS (the calls go to an empty in-process account), and where the real run in
a fresh account would stop, its error (deploy function without --push: the new ECR repository has
no image yet). 'hsfan undeploy' removes
what these create.

Subcommands:
`

const deployExamples = `  make image                                             # docker build (the Lambda container image)
  hsfan deploy role --buckets my-data --write-buckets my-results
  hsfan deploy function --push --bucket my-data --memory 2048 --timeout 300 --reserved 100
  hsfan deploy invoke
  hsfan deploy status
  hsfan deploy schedule jobs/sst-monthly.yaml
  hsfan undeploy --all
`

// awsDeployFlags are the flags every deploy subcommand shares.
type awsDeployFlags struct {
	region, endpoint string
	dryRun           bool
	wait             time.Duration
}

func (a *awsDeployFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.region, "region", "", "AWS region (default: the AWS configuration chain, AWS_REGION)")
	fs.StringVar(&a.endpoint, "aws-endpoint", "", "`URL` every AWS client is sent to instead of AWS (a local test endpoint)")
	fs.BoolVar(&a.dryRun, "dry-run", false, "print every AWS call a fresh account would see; send none to AWS")
	durationVar(fs, &a.wait, "wait", 5*time.Minute, time.Second, time.Hour, "longest wait for the function to become active or updated")
}

var awsGroup = flagGroup{"AWS", []string{"region", "aws-endpoint", "dry-run", "wait"}}

// clients builds the deploy clients: against AWS (or --aws-endpoint), or for --dry-run against an
// empty in-process account whose calls are printed to stdout. The returned func releases them.
func (a *awsDeployFlags) clients(ctx context.Context, stdout io.Writer) (deploy.Clients, deploy.Options, *awsfake.Fake, func(), error) {
	opts := deploy.Options{Out: stdout, Wait: a.wait}
	endpoint := a.endpoint
	region := a.region
	var fake *awsfake.Fake
	var rec *deploy.Recorder
	var creds aws.CredentialsProvider
	release := func() {}
	if a.dryRun {
		if region == "" {
			region = awsfake.Region
		}
		fake = awsfake.New()
		fake.Region = region // the ARNs and registry of the region the real run would use
		// No AssumeImages: in a fresh account the repository the run creates is empty, so
		// without --push the real run stops at DescribeImages, and so does the dry run.
		fake.PendingPolls = 0
		u, err := fake.Start()
		if err != nil {
			return deploy.Clients{}, opts, nil, nil, err
		}
		release = fake.Close
		endpoint = u
		creds = credentials.NewStaticCredentialsProvider("DRYRUN", "dry-run", "")
		rec = &deploy.Recorder{W: stdout}
		opts.Out = prefixWriter{stdout, "# "}
		opts.WaitMinDelay, opts.WaitMaxDelay = time.Millisecond, time.Millisecond
		fmt.Fprintln(stdout, "# dry run: the AWS calls of a fresh account, one a line (service operation input); nothing is sent to AWS")
	} else if endpoint != "" && awslambda.IsLoopback(endpoint) && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		// A local endpoint needs signed requests but no real credentials.
		creds = credentials.NewStaticCredentialsProvider("LOCAL", "local", "")
	}
	cfg, err := awsconf.Load(ctx, awsconf.Options{IdleConns: 4, MaxAttempts: 5, Region: region, Credentials: creds})
	if err != nil {
		release()
		return deploy.Clients{}, opts, nil, nil, fmt.Errorf("aws configuration: %w", err)
	}
	if cfg.Region == "" {
		release()
		return deploy.Clients{}, opts, nil, nil, usagef("no AWS region: give --region or set AWS_REGION")
	}
	return deploy.NewClients(cfg, endpoint, rec), opts, fake, release, nil
}

// prefixWriter prefixes every write (one progress line) with p.
type prefixWriter struct {
	w io.Writer
	p string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.p); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}

// listFlag is a comma-separated list flag (repeatable: the lists are joined).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// runDeploy dispatches hsfan deploy SUBCOMMAND.
func runDeploy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, rest := args[0], args[1:]
		switch sub {
		case "role":
			return runDeployRole(ctx, rest, stdout)
		case "function":
			return runDeployFunction(ctx, rest, stdout, stderr)
		case "invoke":
			return runDeployInvoke(ctx, rest, stdout)
		case "status":
			return runDeployStatus(ctx, rest, stdout)
		case "schedule":
			return runDeploySchedule(ctx, rest, stdout)
		}
		return usagef("unknown subcommand %q: want one of %s (see 'hsfan deploy -h')", sub, deployNames())
	}
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	var b strings.Builder
	b.WriteString(deployUsage)
	for _, c := range deployCommands {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'hsfan deploy SUBCOMMAND -h' for its flags.\n")
	pos, err := parseCommand(fs, args, helpDoc{usage: b.String(), examples: deployExamples}, stdout)
	if err != nil {
		return err
	}
	return usagef("a subcommand is required: one of %s (unexpected %q)", deployNames(), pos)
}

func deployNames() string {
	var n []string
	for _, c := range deployCommands {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}

const deployRoleUsage = `Usage: hsfan deploy role [--buckets B,...] [--write-buckets B,...] [--efs] [flags]

Creates or updates two IAM roles so that each has exactly these policies and no other:
  --role (hsfan-worker): the function's execution role, trusted by lambda.amazonaws.com, with
    AWSLambdaBasicExecutionRole (CloudWatch logs), and the inline policy hsfan-s3:
    s3:ListBucket on every bucket of --buckets and --write-buckets, s3:GetObject on their objects,
    s3:PutObject and s3:DeleteObject on the objects of --write-buckets (REST writes; partials above
    the 6 MB response limit under hsfan-results/); with --efs also AWSLambdaVPCAccessExecutionRole
    and AmazonElasticFileSystemClientReadWriteAccess (a function in a VPC mounting EFS).
  --scheduler-role (hsfan-scheduler): trusted by scheduler.amazonaws.com (this account only), with
    the inline policy hsfan-invoke: lambda:InvokeFunction on --function.
`

func runDeployRole(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("deploy role", flag.ContinueOnError)
	var af awsDeployFlags
	af.register(fs)
	role := fs.String("role", "hsfan-worker", "execution role name")
	schedRole := fs.String("scheduler-role", "hsfan-scheduler", "EventBridge Scheduler role name (\"\" for none)")
	function := fs.String("function", "hsfan-worker", "function the scheduler role may invoke")
	var read, write listFlag
	fs.Var(&read, "buckets", "`BUCKET,...` the worker reads (repeatable)")
	fs.Var(&write, "write-buckets", "`BUCKET,...` the worker reads and writes (repeatable)")
	efs := fs.Bool("efs", false, "add the VPC access and EFS client policies (hsfan deploy function --efs-access-point)")
	pos, err := parseCommand(fs, args, helpDoc{deployRoleUsage, []flagGroup{{"Roles", []string{"role", "scheduler-role", "function", "buckets", "write-buckets", "efs"}}, awsGroup},
		"  hsfan deploy role --buckets my-data --write-buckets my-results\n  hsfan deploy role --buckets my-data --efs --dry-run\n"}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q", pos)
	}
	if err := checkNames(map[string]string{"role": *role, "scheduler-role": *schedRole}); err != nil {
		return err
	}
	cl, o, _, release, err := af.clients(ctx, stdout)
	if err != nil {
		return err
	}
	defer release()
	arn, err := deploy.EnsureRole(ctx, cl, o, deploy.RoleConfig{Name: *role, ReadBuckets: read, WriteBuckets: write, EFS: *efs})
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "execution role %s\n", arn)
	if *schedRole == "" {
		return nil
	}
	sarn, err := deploy.EnsureSchedulerRole(ctx, cl, o, *schedRole, *function)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "scheduler role %s\n", sarn)
	return nil
}

// checkNames validates IAM role names (1-64 of letters, digits and +=,.@_-; IAM API Reference,
// CreateRole RoleName); an empty name passes (it means "none" where allowed).
func checkNames(names map[string]string) error {
	for _, flagName := range slices.Sorted(maps.Keys(names)) {
		n := names[flagName]
		if len(n) > 64 || strings.IndexFunc(n, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+=,.@_-", r))
		}) >= 0 {
			return usagef("invalid value %q for flag --%s: want 1 to 64 of letters, digits and +=,.@_-", n, flagName)
		}
	}
	return nil
}

const deployFunctionUsage = `Usage: hsfan deploy function --bucket B [--push | --image-uri URI] [flags]

Creates the ECR repository (the function's name) if absent; with --push, logs the local Docker into
it (ECR GetAuthorizationToken), tags --local-image and pushes it (docker push; build the image
first with 'make image'); without --push the tag must already be in the repository (or give
--image-uri). Then creates the function from the image, or updates its code and configuration
where they differ (image digest, architecture, role, memory, timeout, environment, file system,
VPC), waiting until it is active and each update done, and sets its reserved concurrency.

The worker's environment is HSFAN_STORE (--store) and HSFAN_BUCKET (--bucket) plus --env. With
--efs-access-point the function mounts the EFS access point at --mount and runs in the VPC of
--subnet-ids and --security-group-ids (which must reach the file system's mount targets); its store
is then file://MOUNT unless --store says otherwise (run 'hsfan deploy role --efs' for its policies).
`

func runDeployFunction(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deploy function", flag.ContinueOnError)
	var af awsDeployFlags
	af.register(fs)
	function := fs.String("function", "hsfan-worker", "function name (and ECR repository name)")
	imageURI := fs.String("image-uri", "", "run this image (no ECR repository is made or read)")
	tag := fs.String("tag", version.Version, "image tag in the ECR repository")
	push := fs.Bool("push", false, "push --local-image to the ECR repository with the local docker")
	localImage := fs.String("local-image", "", "local image to push (default FUNCTION:TAG, what 'make image' builds)")
	docker := fs.String("docker", "docker", "docker executable for --push")
	role := fs.String("role", "hsfan-worker", "execution role name in the caller's account (hsfan deploy role)")
	roleARN := fs.String("role-arn", "", "execution role ARN (instead of --role)")
	memory, timeout, reserved := new(int), new(int), new(int)
	intVar(fs, memory, "memory", 2048, 128, 10240, "memory in MB")
	intVar(fs, timeout, "timeout", 300, 1, 900, "timeout in seconds")
	intVar(fs, reserved, "reserved", 0, 0, 1000000, "reserved concurrency (0: none, the account's unreserved pool)")
	var arch string
	choiceVar(fs, &arch, "arch", "arm64", []string{"arm64", "x86_64", "amd64"}, "architecture (amd64 is x86_64)")
	store := fs.String("store", "", "the worker's HSFAN_STORE (default s3://, or file://MOUNT with --efs-access-point)")
	bucket := fs.String("bucket", "", "the worker's HSFAN_BUCKET (required: a worker without one refuses every task)")
	env := map[string]string{}
	fs.Func("env", "`KEY=VALUE` added to the function's environment (repeatable)", func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return fmt.Errorf("want KEY=VALUE, got %q", v)
		}
		env[k] = val
		return nil
	})
	efsAP := fs.String("efs-access-point", "", "EFS access point `ARN` to mount")
	mount := fs.String("mount", "/mnt/data", "where the file system is mounted (/mnt/NAME)")
	var subnets, sgs listFlag
	fs.Var(&subnets, "subnet-ids", "`SUBNET,...` of the function's VPC (with --efs-access-point)")
	fs.Var(&sgs, "security-group-ids", "`SG,...` of the function's VPC (with --efs-access-point)")
	pos, err := parseCommand(fs, args, helpDoc{deployFunctionUsage, []flagGroup{
		{"Image", []string{"function", "image-uri", "tag", "push", "local-image", "docker"}},
		{"Function", []string{"role", "role-arn", "memory", "timeout", "reserved", "arch"}},
		{"Worker environment", []string{"store", "bucket", "env"}},
		{"EFS", []string{"efs-access-point", "mount", "subnet-ids", "security-group-ids"}},
		awsGroup},
		"  make image && hsfan deploy function --push --bucket my-data --memory 2048 --timeout 300\n" +
			"  hsfan deploy function --image-uri 123456789012.dkr.ecr.us-west-2.amazonaws.com/hsfan-worker:v1 --bucket my-data\n" +
			"  hsfan deploy function --push --bucket hsfan --efs-access-point arn:aws:elasticfilesystem:us-west-2:123456789012:access-point/fsap-0123 \\\n" +
			"      --mount /mnt/data --subnet-ids subnet-1,subnet-2 --security-group-ids sg-1 --dry-run\n"}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q", pos)
	}
	if *bucket == "" {
		return usagef("--bucket is required: the worker reads only its configured bucket (HSFAN_BUCKET)")
	}
	if *push && *imageURI != "" {
		return usagef("--push pushes to the function's ECR repository: it cannot be combined with --image-uri")
	}
	if arch == "amd64" {
		arch = "x86_64"
	}
	if *efsAP == "" && (len(subnets) > 0 || len(sgs) > 0) {
		return usagef("--subnet-ids and --security-group-ids are for --efs-access-point")
	}
	if *store == "" {
		*store = "s3://"
		if *efsAP != "" {
			*store = "file://" + *mount
		}
	}
	env["HSFAN_STORE"], env["HSFAN_BUCKET"] = *store, *bucket
	if *localImage == "" {
		*localImage = *function + ":" + *tag
	}
	c := deploy.FunctionConfig{Name: *function, ImageURI: *imageURI, Tag: *tag, LocalImage: *localImage,
		RoleARN: *roleARN, RoleName: *role, MemoryMB: int32(*memory), TimeoutS: int32(*timeout), Arch: arch, Env: env,
		Reserved: int32(*reserved), EFSAccessPoint: *efsAP, SubnetIDs: subnets, SecurityGroupIDs: sgs}
	if *efsAP != "" {
		c.MountPath = *mount
	}
	if err := c.Check(); err != nil {
		return usageError{err.Error()}
	}
	cl, o, fake, release, err := af.clients(ctx, stdout)
	if err != nil {
		return err
	}
	defer release()
	if *push {
		if fake != nil {
			c.Push = dryRunPusher{w: stdout, fake: fake, repo: *function, tag: *tag}
		} else {
			c.Push = dockerPusher{docker: *docker, stdout: stdout, stderr: stderr}
		}
	}
	res, err := deploy.Function(ctx, cl, o, c)
	if err != nil {
		if af.dryRun {
			return fmt.Errorf("dry run: in a fresh account the real run stops at the last call above, with: %w", err)
		}
		return err
	}
	fmt.Fprintf(o.Out, "function %s (%s)\n", res.ARN, res.ImageURI)
	return nil
}

// dockerPusher pushes with the local docker: login (password on stdin), tag, push.
type dockerPusher struct {
	docker         string
	stdout, stderr io.Writer
}

func (d dockerPusher) Push(ctx context.Context, registry, user, password, local, remote string) error {
	login := exec.CommandContext(ctx, d.docker, "login", "--username", user, "--password-stdin", registry)
	login.Stdin, login.Stdout, login.Stderr = strings.NewReader(password), d.stdout, d.stderr
	if err := login.Run(); err != nil {
		return fmt.Errorf("%s login %s: %w", d.docker, registry, err)
	}
	for _, args := range [][]string{{"tag", local, remote}, {"push", remote}} {
		cmd := exec.CommandContext(ctx, d.docker, args...)
		cmd.Stdout, cmd.Stderr = d.stdout, d.stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s %s: %w", d.docker, strings.Join(args, " "), err)
		}
	}
	return nil
}

// dryRunPusher prints the docker commands --push would run and stands for the push in the
// dry run's account.
type dryRunPusher struct {
	w         io.Writer
	fake      *awsfake.Fake
	repo, tag string
}

func (d dryRunPusher) Push(_ context.Context, registry, _, _, local, remote string) error {
	fmt.Fprintf(d.w, "docker login --username AWS --password-stdin %s\ndocker tag %s %s\ndocker push %s\n", registry, local, remote, remote)
	d.fake.PushImage(d.repo, d.tag, "sha256:dry-run")
	return nil
}

const deployInvokeUsage = `Usage: hsfan deploy invoke [--payload JSON] [flags]

Invokes the function once (RequestResponse) and prints its answer and then the tail of its log
(the START, END and REPORT lines: duration, billed duration, memory, init duration of a cold
start), as 'aws lambda invoke --log-type Tail' returns them. The default payload is one no-op task,
which a configured worker answers without reading data. Exit status 1 on a function error.
`

func runDeployInvoke(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("deploy invoke", flag.ContinueOnError)
	var af awsDeployFlags
	af.register(fs)
	function := fs.String("function", "hsfan-worker", "function name or ARN")
	payload := fs.String("payload", deploy.NoopTask, "event `JSON`")
	pos, err := parseCommand(fs, args, helpDoc{deployInvokeUsage, []flagGroup{{"Invocation", []string{"function", "payload"}}, awsGroup},
		"  hsfan deploy invoke\n  hsfan deploy invoke --function hsfan-worker --payload '{\"hsfan_task\": {\"version\": 1, \"noop\": true, \"dataset\": {}, \"op\": \"mean\"}}'\n"}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q", pos)
	}
	cl, o, _, release, err := af.clients(ctx, stdout)
	if err != nil {
		return err
	}
	defer release()
	err = deploy.Invoke(ctx, cl, *function, []byte(*payload), stdout)
	if af.dryRun && isAPICode(err, "ResourceNotFoundException") {
		fmt.Fprintf(o.Out, "dry run: the empty account has no function %s to answer\n", *function)
		return nil
	}
	return err
}

func isAPICode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

const deployStatusUsage = `Usage: hsfan deploy status [flags]

Prints what is deployed: the function's state, image, memory, timeout, architecture, role,
environment names, reserved concurrency, file system and VPC, and whether the roles exist. It only
reads; what is missing is reported as not deployed.
`

func runDeployStatus(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("deploy status", flag.ContinueOnError)
	var af awsDeployFlags
	af.register(fs)
	function := fs.String("function", "hsfan-worker", "function name")
	role := fs.String("role", "hsfan-worker", "execution role name")
	schedRole := fs.String("scheduler-role", "hsfan-scheduler", "scheduler role name")
	pos, err := parseCommand(fs, args, helpDoc{deployStatusUsage, []flagGroup{{"Deployment", []string{"function", "role", "scheduler-role"}}, awsGroup},
		"  hsfan deploy status\n  hsfan deploy status --function hsfan-worker --region us-west-2\n"}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q", pos)
	}
	cl, _, _, release, err := af.clients(ctx, stdout)
	if err != nil {
		return err
	}
	defer release()
	var roles []string
	for _, r := range []string{*role, *schedRole} {
		if r != "" {
			roles = append(roles, r)
		}
	}
	return deploy.Status(ctx, cl, *function, roles, stdout)
}

const deployScheduleUsage = `Usage: hsfan deploy schedule SPEC [--delete] [flags]

Creates or updates the EventBridge Scheduler schedule of the job spec SPEC: named after the spec,
its cron expression (five fields, converted to EventBridge's cron(... *) with Sunday 1 and "?" for
the unrestricted day field; @every D to rate(...)) read in the spec's time_zone, flexible time
window off, invoking --function (whose Lambda coordinator runs the spec) with the event
{"hsfan_spec": {"yaml": "<SPEC file>", "now": "<aws.scheduler.scheduled-time>"}} through the
scheduler role (created or updated: trusted by scheduler.amazonaws.com, allowed
lambda:InvokeFunction on the function). --delete removes the schedule (SPEC or --name names it).
`

// loadScheduleSpec reads what a schedule needs from a job spec file (jobs/spec.Load: the whole
// spec is checked strictly); a variable so that tests can replace it.
var loadScheduleSpec = readScheduleSpec

func runDeploySchedule(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("deploy schedule", flag.ContinueOnError)
	var af awsDeployFlags
	af.register(fs)
	function := fs.String("function", "hsfan-worker", "function the schedule invokes")
	schedRole := fs.String("scheduler-role", "hsfan-scheduler", "role EventBridge Scheduler assumes")
	group := fs.String("group", "default", "schedule group")
	del := fs.Bool("delete", false, "delete the schedule")
	name := fs.String("name", "", "schedule name for --delete without SPEC")
	pos, err := parseCommand(fs, args, helpDoc{deployScheduleUsage, []flagGroup{{"Schedule", []string{"function", "scheduler-role", "group", "delete", "name"}}, awsGroup},
		"  hsfan deploy schedule jobs/sst-monthly.yaml\n  hsfan deploy schedule jobs/sst-monthly.yaml --dry-run\n  hsfan deploy schedule --delete --name sst-monthly\n"}, stdout)
	if err != nil {
		return err
	}
	if err := checkNames(map[string]string{"scheduler-role": *schedRole}); err != nil {
		return err
	}
	var spec deploy.ScheduleSpec
	switch {
	case len(pos) > 1:
		return usagef("one SPEC file at a time, got %q", pos)
	case len(pos) == 1:
		if spec, err = loadScheduleSpec(pos[0]); err != nil {
			return usageError{err.Error()}
		}
		if *name != "" && *name != spec.Name {
			return usagef("--name %q differs from the spec's name %q", *name, spec.Name)
		}
	case *del && *name != "":
		spec.Name = *name
	default:
		return usagef("a job SPEC file is required (or --delete --name NAME)")
	}
	c := deploy.ScheduleConfig{Spec: spec, Group: *group, Function: *function, RoleName: *schedRole}
	if !*del {
		if err := c.Check(); err != nil {
			return usageError{err.Error()}
		}
	}
	cl, o, _, release, err := af.clients(ctx, stdout)
	if err != nil {
		return err
	}
	defer release()
	if *del {
		return deploy.DeleteSchedule(ctx, cl, o, *group, spec.Name)
	}
	arn, err := deploy.Schedule(ctx, cl, o, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "schedule %s\n", arn)
	return nil
}

const undeployUsage = `Usage: hsfan undeploy [--all] [flags]

Deletes the function. With --all (or --roles, --repository) also the execution and scheduler roles
(their policies detached and deleted first) and the ECR repository with its images. What is
already gone is skipped: a second run changes nothing. Schedules are deleted by
'hsfan deploy schedule --delete'.
`

func runUndeploy(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("undeploy", flag.ContinueOnError)
	var af awsDeployFlags
	af.register(fs)
	function := fs.String("function", "hsfan-worker", "function name")
	all := fs.Bool("all", false, "also delete the roles and the ECR repository (--roles --repository)")
	roles := fs.Bool("roles", false, "also delete the execution and scheduler roles")
	repo := fs.Bool("repository", false, "also delete the ECR repository (named after the function) and its images")
	role := fs.String("role", "hsfan-worker", "execution role name")
	schedRole := fs.String("scheduler-role", "hsfan-scheduler", "scheduler role name")
	pos, err := parseCommand(fs, args, helpDoc{undeployUsage, []flagGroup{{"What", []string{"function", "all", "roles", "repository", "role", "scheduler-role"}}, awsGroup},
		"  hsfan undeploy\n  hsfan undeploy --all --dry-run\n"}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q", pos)
	}
	c := deploy.UndeployConfig{Function: *function}
	if *all || *roles {
		for _, r := range []string{*role, *schedRole} {
			if r != "" {
				c.Roles = append(c.Roles, r)
			}
		}
	}
	if *all || *repo {
		c.Repository = *function
	}
	cl, o, _, release, err := af.clients(ctx, stdout)
	if err != nil {
		return err
	}
	defer release()
	return deploy.Undeploy(ctx, cl, o, c)
}

// readScheduleSpec loads and checks a job spec (jobs/spec.Load) and returns its name, schedule and
// bytes (the schedule's payload). The Lambda coordinator runs reduce specs with a window
// (jobs/coordinator.Handle): other specs are refused here, not at their first scheduled run.
func readScheduleSpec(path string) (deploy.ScheduleSpec, error) {
	js, err := spec.Load(path)
	if err != nil {
		return deploy.ScheduleSpec{}, err
	}
	switch {
	case js.Schedule == nil:
		return deploy.ScheduleSpec{}, fmt.Errorf("spec %s: no schedule: a scheduled spec needs schedule: {cron: \"0 3 1 * *\", time_zone: UTC}", path)
	case js.Kind != spec.KindReduce || js.Window == nil:
		return deploy.ScheduleSpec{}, fmt.Errorf("spec %s: kind %s without a window: the Lambda coordinator runs reduce specs with a window (run other specs with hsfan schedule run)", path, js.Kind)
	case js.Reduce == nil || !strings.HasPrefix(spec.Str(js.Reduce.Out), "s3://"):
		out := ""
		if js.Reduce != nil {
			out = spec.Str(js.Reduce.Out)
		}
		return deploy.ScheduleSpec{}, fmt.Errorf("spec %s: reduce.out %q: the Lambda coordinator writes to s3://bucket/prefix in the function's write buckets (a local path would be lost with the Lambda instance)", path, out)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return deploy.ScheduleSpec{}, fmt.Errorf("read spec: %w", err)
	}
	return deploy.ScheduleSpec{Name: js.Name, Cron: js.Schedule.Cron, TimeZone: js.Schedule.TimeZone, Body: body}, nil
}
