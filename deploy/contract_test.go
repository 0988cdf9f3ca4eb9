package deploy

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/hsfan/hsfan/internal/awsconf"
	"github.com/hsfan/hsfan/internal/awsfake"
)

// The contract tests run every deploy step against internal/awsfake, which answers as the AWS API
// references say and records each request as it arrived on the wire (service, operation, key
// parameters). The golden files under testdata/ are those sequences: what AWS sees for a fresh
// account, a second run (reads only), an update, a schedule and an undeploy. go test -update
// rewrites them.

var update = flag.Bool("update", false, "rewrite the golden files of the contract tests")

// env is one fake account and clients pointed at it.
type env struct {
	fake *awsfake.Fake
	cl   Clients
	rec  *Recorder
	out  *bytes.Buffer
	o    Options
}

func newEnv(t *testing.T) *env {
	t.Helper()
	f := awsfake.New()
	f.PendingPolls = 2 // the waiters must poll more than once
	u, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	cfg, err := awsconf.Load(context.Background(), awsconf.Options{IdleConns: 2, MaxAttempts: 1, Region: awsfake.Region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
	if err != nil {
		t.Fatal(err)
	}
	rec := &Recorder{}
	out := &bytes.Buffer{}
	return &env{fake: f, cl: NewClients(cfg, u, rec), rec: rec, out: out,
		o: Options{Out: out, WaitMinDelay: time.Millisecond, WaitMaxDelay: 5 * time.Millisecond, Wait: 10 * time.Second}}
}

// testPusher stands for docker push: it tags digest in the fake registry.
type testPusher struct {
	fake   *awsfake.Fake
	digest string
	pushed []string
}

func (p *testPusher) Push(_ context.Context, registry, user, password, local, remote string) error {
	if registry != awsfake.RegistryHostIn(awsfake.Region) || user != "AWS" || password != "fake-password" {
		return &pushError{registry + " " + user + " " + password}
	}
	name, tag, _ := strings.Cut(strings.TrimPrefix(remote, registry+"/"), ":")
	p.fake.PushImage(name, tag, p.digest)
	p.pushed = append(p.pushed, local+" "+remote)
	return nil
}

type pushError struct{ s string }

func (e *pushError) Error() string { return "unexpected registry login " + e.s }

func baseFunction(p Pusher) FunctionConfig {
	return FunctionConfig{Name: "hsfan-worker", Tag: "v1", Push: p, LocalImage: "hsfan-worker:v1", RoleName: "hsfan-worker",
		MemoryMB: 2048, TimeoutS: 300, Arch: "arm64", Env: map[string]string{"HSFAN_STORE": "s3://", "HSFAN_BUCKET": "my-data"}, Reserved: 100}
}

var baseRole = RoleConfig{Name: "hsfan-worker", ReadBuckets: []string{"my-data"}, WriteBuckets: []string{"my-results"}}

// deployAll runs what `hsfan deploy role` and `hsfan deploy function` run.
func (e *env) deployAll(t *testing.T, r RoleConfig, c FunctionConfig) FunctionResult {
	t.Helper()
	ctx := context.Background()
	if _, err := EnsureRole(ctx, e.cl, e.o, r); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureSchedulerRole(ctx, e.cl, e.o, "hsfan-scheduler", c.Name); err != nil {
		t.Fatal(err)
	}
	res, err := Function(ctx, e.cl, e.o, c)
	if err != nil {
		t.Fatalf("%v\n%s", err, e.out)
	}
	return res
}

// golden compares the recorded calls with testdata/name.golden.
func golden(t *testing.T, name string, calls []awsfake.Call) {
	t.Helper()
	var b strings.Builder
	for _, c := range calls {
		b.WriteString(c.String() + "\n")
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
	}
	if got := b.String(); got != string(want) {
		t.Errorf("AWS calls differ from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// ops is "service Operation" of each call.
func ops(calls []awsfake.Call) []string {
	var s []string
	for _, c := range calls {
		s = append(s, c.Service+" "+c.Operation)
	}
	return s
}

func mutating(calls []awsfake.Call) []string {
	var s []string
	for _, c := range calls {
		if c.Mutating() {
			s = append(s, c.String())
		}
	}
	return s
}

func TestContractDeployFunctionFreshAccount(t *testing.T) {
	e := newEnv(t)
	p := &testPusher{fake: e.fake, digest: "sha256:aaaa"}
	res := e.deployAll(t, baseRole, baseFunction(p))
	golden(t, "fresh_account", e.fake.Calls())
	if !res.Created || res.ARN != "arn:aws:lambda:us-east-1:123456789012:function:hsfan-worker" {
		t.Errorf("result %+v", res)
	}
	if len(p.pushed) != 1 || p.pushed[0] != "hsfan-worker:v1 "+awsfake.RegistryHostIn(awsfake.Region)+"/hsfan-worker:v1" {
		t.Errorf("pushed %q", p.pushed)
	}
	// What the client recorded (and --dry-run prints) is what reached the endpoint, in order.
	var client []string
	for _, c := range e.rec.Calls() {
		client = append(client, c.Service+" "+c.Operation)
	}
	if got, want := strings.Join(client, "\n"), strings.Join(ops(e.fake.Calls()), "\n"); got != want {
		t.Errorf("client-side calls\n%s\ndiffer from the wire\n%s", got, want)
	}
}

func TestContractDeployTwiceChangesNothing(t *testing.T) {
	e := newEnv(t)
	p := &testPusher{fake: e.fake, digest: "sha256:aaaa"}
	e.deployAll(t, baseRole, baseFunction(p))
	e.fake.Reset()
	e.out.Reset()
	res := e.deployAll(t, baseRole, baseFunction(p))
	if m := mutating(e.fake.Calls()); len(m) > 0 {
		t.Errorf("second run made mutating calls:\n%s", strings.Join(m, "\n"))
	}
	if res.Created || len(res.Changed) > 0 {
		t.Errorf("second run: %+v", res)
	}
	golden(t, "second_run", e.fake.Calls())
	for _, want := range []string{"role hsfan-worker up to date", "role hsfan-scheduler up to date", "function hsfan-worker up to date"} {
		if !strings.Contains(e.out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, e.out)
		}
	}
}

// TestContractDeployFunctionUpdate: a new image under the same tag, more memory, another
// environment, another reservation and one bucket fewer: the code, configuration, concurrency and
// inline policy are updated, each Lambda update after the previous one is done (the fake refuses
// an update while one is in progress, as Lambda does).
func TestContractDeployFunctionUpdate(t *testing.T) {
	e := newEnv(t)
	p := &testPusher{fake: e.fake, digest: "sha256:aaaa"}
	e.deployAll(t, baseRole, baseFunction(p))
	e.fake.Reset()
	p.digest = "sha256:bbbb"
	c := baseFunction(p)
	c.MemoryMB, c.Reserved = 4096, 50
	c.Env = map[string]string{"HSFAN_STORE": "s3://", "HSFAN_BUCKET": "my-data", "HSFAN_LOG_LEVEL": "info"}
	r := RoleConfig{Name: "hsfan-worker", ReadBuckets: []string{"my-data"}}
	res := e.deployAll(t, r, c)
	golden(t, "update", e.fake.Calls())
	if strings.Join(res.Changed, ",") != "code,configuration,concurrency" {
		t.Errorf("changed %q", res.Changed)
	}
	// And the update converged: a third run changes nothing.
	e.fake.Reset()
	e.deployAll(t, r, c)
	if m := mutating(e.fake.Calls()); len(m) > 0 {
		t.Errorf("run after the update made mutating calls:\n%s", strings.Join(m, "\n"))
	}
}

// TestContractDeployFunctionEFS: the file system, its VPC and the role's VPC and EFS policies; and
// taking EFS away clears both (the fake, as Lambda, refuses a file system without a VPC).
func TestContractDeployFunctionEFS(t *testing.T) {
	e := newEnv(t)
	p := &testPusher{fake: e.fake, digest: "sha256:aaaa"}
	c := baseFunction(p)
	c.EFSAccessPoint = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"
	c.MountPath = "/mnt/data"
	c.SubnetIDs, c.SecurityGroupIDs = []string{"subnet-2", "subnet-1"}, []string{"sg-1"}
	c.Env = map[string]string{"HSFAN_STORE": "file:///mnt/data", "HSFAN_BUCKET": "hsfan"}
	r := RoleConfig{Name: "hsfan-worker", EFS: true}
	e.deployAll(t, r, c)
	golden(t, "efs_fresh", e.fake.Calls())
	e.fake.Reset()
	e.deployAll(t, r, c)
	if m := mutating(e.fake.Calls()); len(m) > 0 {
		t.Errorf("second EFS run made mutating calls:\n%s", strings.Join(m, "\n"))
	}
	var st bytes.Buffer
	if err := Status(context.Background(), e.cl, "hsfan-worker", nil, &st); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"file system  " + c.EFSAccessPoint + " at /mnt/data", "subnets subnet-1,subnet-2 security groups sg-1"} {
		if !strings.Contains(st.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, st.String())
		}
	}
	// Without EFS again.
	e.fake.Reset()
	e.deployAll(t, baseRole, baseFunction(p))
	e.fake.Reset()
	e.deployAll(t, baseRole, baseFunction(p))
	if m := mutating(e.fake.Calls()); len(m) > 0 {
		t.Errorf("run after removing EFS made mutating calls (the file system was not cleared?):\n%s", strings.Join(m, "\n"))
	}
}

func TestContractDeployFunctionImageURI(t *testing.T) {
	e := newEnv(t)
	c := baseFunction(nil)
	c.ImageURI, c.Tag = "public.example/hsfan-worker:v9", ""
	c.RoleARN = "arn:aws:iam::123456789012:role/custom"
	if _, err := Function(context.Background(), e.cl, e.o, c); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.fake.Calls() {
		if c.Service == "ecr" {
			t.Errorf("--image-uri made an ECR call: %s", c)
		}
	}
}

func TestContractDeployFunctionImageNotPushed(t *testing.T) {
	e := newEnv(t)
	_, err := Function(context.Background(), e.cl, e.o, baseFunction(nil))
	if err == nil || !strings.Contains(err.Error(), "no image tagged v1") || !strings.Contains(err.Error(), "--push") {
		t.Fatalf("err %v", err)
	}
	for _, c := range e.fake.Calls() {
		if c.Service == "lambda" {
			t.Errorf("a function was touched without its image: %s", c)
		}
	}
}

func TestContractAccessDeniedNamesThePolicy(t *testing.T) {
	for _, tc := range []struct{ deny, want string }{
		{"iam:CreateRole", "iam CreateRole hsfan-worker: access denied: the caller's IAM policy needs iam:CreateRole"},
		{"ecr:CreateRepository", "ecr CreateRepository hsfan-worker: access denied: the caller's IAM policy needs ecr:CreateRepository"},
		{"lambda:CreateFunction", "lambda CreateFunction hsfan-worker: access denied: the caller's IAM policy needs lambda:CreateFunction on hsfan-worker"},
		{"iam:PassRole", "lambda CreateFunction hsfan-worker: access denied: the caller's IAM policy needs iam:PassRole on hsfan-worker"},
	} {
		t.Run(tc.deny, func(t *testing.T) {
			e := newEnv(t)
			e.fake.Deny(tc.deny)
			ctx := context.Background()
			_, err := EnsureRole(ctx, e.cl, e.o, baseRole)
			if err == nil {
				_, err = Function(ctx, e.cl, e.o, baseFunction(&testPusher{fake: e.fake, digest: "sha256:aaaa"}))
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestContractSchedule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spec := ScheduleSpec{Name: "sst-monthly", Cron: "0 3 1 * *", TimeZone: "Europe/Paris", Body: []byte("name: sst-monthly\nschedule: {cron: \"0 3 1 * *\", time_zone: Europe/Paris}\n")}
	c := ScheduleConfig{Spec: spec, Function: "hsfan-worker", RoleName: "hsfan-scheduler"}
	if _, err := Schedule(ctx, e.cl, e.o, c); err != nil {
		t.Fatal(err)
	}
	golden(t, "schedule_fresh", e.fake.Calls())
	e.fake.Reset()
	if _, err := Schedule(ctx, e.cl, e.o, c); err != nil {
		t.Fatal(err)
	}
	if m := mutating(e.fake.Calls()); len(m) > 0 {
		t.Errorf("second schedule run made mutating calls:\n%s", strings.Join(m, "\n"))
	}
	e.fake.Reset()
	c.Spec.Cron, c.Spec.Body = "0 4 * * 1-5", []byte("name: sst-monthly\nschedule: {cron: \"0 4 * * 1-5\", time_zone: Europe/Paris}\n")
	if _, err := Schedule(ctx, e.cl, e.o, c); err != nil {
		t.Fatal(err)
	}
	golden(t, "schedule_update", e.fake.Calls())
	e.fake.Reset()
	if err := DeleteSchedule(ctx, e.cl, e.o, "", "sst-monthly"); err != nil {
		t.Fatal(err)
	}
	if err := DeleteSchedule(ctx, e.cl, e.o, "", "sst-monthly"); err != nil {
		t.Fatal(err)
	}
	golden(t, "schedule_delete_twice", e.fake.Calls())
}

func TestContractUndeploy(t *testing.T) {
	e := newEnv(t)
	e.deployAll(t, baseRole, baseFunction(&testPusher{fake: e.fake, digest: "sha256:aaaa"}))
	e.fake.Reset()
	c := UndeployConfig{Function: "hsfan-worker", Roles: []string{"hsfan-worker", "hsfan-scheduler"}, Repository: "hsfan-worker"}
	ctx := context.Background()
	if err := Undeploy(ctx, e.cl, e.o, c); err != nil {
		t.Fatal(err)
	}
	golden(t, "undeploy", e.fake.Calls())
	e.fake.Reset()
	if err := Undeploy(ctx, e.cl, e.o, c); err != nil {
		t.Fatal(err)
	}
	if m := mutating(e.fake.Calls()); len(m) > 0 {
		t.Errorf("second undeploy made mutating calls:\n%s", strings.Join(m, "\n"))
	}
	var st bytes.Buffer
	if err := Status(ctx, e.cl, "hsfan-worker", []string{"hsfan-worker"}, &st); err != nil {
		t.Fatal(err)
	}
	if want := "function hsfan-worker: not deployed\nrole hsfan-worker: not deployed\n"; st.String() != want {
		t.Errorf("status after undeploy %q, want %q", st.String(), want)
	}
}

func TestContractInvokePrintsReport(t *testing.T) {
	e := newEnv(t)
	e.deployAll(t, baseRole, baseFunction(&testPusher{fake: e.fake, digest: "sha256:aaaa"}))
	var got []byte
	e.fake.InvokeResult = func(fn string, payload []byte) ([]byte, string, string) {
		got = payload
		return []byte(`{"noop":true}`), "", "START RequestId: r1\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 3.10 ms\tBilled Duration: 4 ms\n"
	}
	var out bytes.Buffer
	if err := Invoke(context.Background(), e.cl, "hsfan-worker", []byte(NoopTask), &out); err != nil {
		t.Fatal(err)
	}
	if string(got) != NoopTask {
		t.Errorf("payload %q", got)
	}
	want := "{\"noop\":true}\nSTART RequestId: r1\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 3.10 ms\tBilled Duration: 4 ms\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	e.fake.InvokeResult = func(string, []byte) ([]byte, string, string) {
		return []byte(`{"errorMessage":"boom"}`), "Unhandled", "REPORT RequestId: r2\n"
	}
	out.Reset()
	err := Invoke(context.Background(), e.cl, "hsfan-worker", []byte(NoopTask), &out)
	if err == nil || !strings.Contains(err.Error(), "function error Unhandled") || !strings.Contains(out.String(), "boom") {
		t.Errorf("err %v, output %q", err, out.String())
	}
}

// TestContractCreateRetriesWhileRoleNotAssumable: right after CreateRole, Lambda refuses the role
// until IAM has propagated it; the create is retried, not failed.
func TestContractCreateRetriesWhileRoleNotAssumable(t *testing.T) {
	e := newEnv(t)
	e.fake.UnassumableCreates = 2
	res := e.deployAll(t, baseRole, baseFunction(&testPusher{fake: e.fake, digest: "sha256:aaaa"}))
	n := 0
	for _, c := range e.fake.Calls() {
		if c.Operation == "CreateFunction" {
			n++
		}
	}
	if !res.Created || n != 3 || !strings.Contains(e.out.String(), "not yet assumable") {
		t.Errorf("created %v after %d CreateFunction calls; output:\n%s", res.Created, n, e.out)
	}
}

// TestContractWaitsForUpdates: with the update still in progress after the previous deploy, a
// deploy that did not wait would get ResourceConflictException from the fake, as from Lambda.
func TestContractWaitsForUpdates(t *testing.T) {
	e := newEnv(t)
	e.fake.PendingPolls = 4
	p := &testPusher{fake: e.fake, digest: "sha256:aaaa"}
	e.deployAll(t, baseRole, baseFunction(p))
	p.digest = "sha256:cccc"
	c := baseFunction(p)
	c.TimeoutS = 600
	if _, err := Function(context.Background(), e.cl, e.o, c); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range e.fake.Calls() {
		if c.Operation == "GetFunction" {
			n++
		}
	}
	if n < 3*4 {
		t.Errorf("%d GetFunction polls, want at least 12 (create, code and configuration each wait 4 polls)", n)
	}
}

func TestEventBridgeCron(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"0 3 1 * *", "cron(0 3 1 * ? *)", ""},
		{"@monthly", "cron(0 0 1 * ? *)", ""},
		{"@daily", "cron(0 0 * * ? *)", ""},
		{"@weekly", "cron(0 0 ? * 1 *)", ""},
		{"30 6 * * 1-5", "cron(30 6 ? * 2-6 *)", ""},
		{"0 0 * * 0,6", "cron(0 0 ? * 1,7 *)", ""},
		{"0 0 * * 7", "cron(0 0 ? * 1 *)", ""},
		{"0 0 * * 5-7", "cron(0 0 ? * 6-7,1 *)", ""},
		{"0 0 * * MON-FRI", "cron(0 0 ? * MON-FRI *)", ""},
		{"*/15 * * * *", "cron(*/15 * * * ? *)", ""},
		{"0 0 1 * 1", "", "both day-of-month and day-of-week"},
		{"0 0 * * */2", "", "no steps"},
		{"0 0 * *", "", "5 fields"},
		{"0 0 * * 8", "", "want 0-7"},
		{"@every 1h", "rate(1 hour)", ""},
		{"@every 90m", "rate(90 minutes)", ""},
		{"@every 48h", "rate(2 days)", ""},
		{"@every 30s", "", "whole minutes"},
	} {
		got, err := EventBridgeCron(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestScheduleCheck(t *testing.T) {
	ok := ScheduleConfig{Spec: ScheduleSpec{Name: "a", Cron: "@daily", TimeZone: "UTC"}, Function: "f", RoleName: "r"}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	prefixed := ok
	prefixed.Spec.Cron, prefixed.Spec.TimeZone = "CRON_TZ=Asia/Tokyo 0 6 * * *", ""
	if expr, zone, err := prefixed.expression(); err != nil || expr != "cron(0 6 * * ? *)" || zone != "Asia/Tokyo" {
		t.Errorf("CRON_TZ prefix: %q %q %v", expr, zone, err)
	}
	for _, tc := range []struct {
		mod  func(*ScheduleConfig)
		want string
	}{
		{func(c *ScheduleConfig) { c.Spec.Name = "a b" }, "schedule name"},
		{func(c *ScheduleConfig) { c.Spec.TimeZone = "Mars/Base" }, "IANA time zone"},
		{func(c *ScheduleConfig) { c.Spec.TimeZone = "" }, "IANA time zone"},
		{func(c *ScheduleConfig) { c.Spec.Cron = "daily" }, "5 fields"},
		{func(c *ScheduleConfig) { c.Spec.Cron = "CRON_TZ=Europe/Paris @daily" }, "disagree"},
	} {
		c := ok
		tc.mod(&c)
		if err := c.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err %v, want %q", err, tc.want)
		}
	}
	big := ok
	big.Spec.Body = bytes.Repeat([]byte("x"), MaxScheduleInput)
	if _, err := big.Input(); err == nil || !strings.Contains(err.Error(), "at most 8192") {
		t.Errorf("oversized spec: %v", err)
	}
}

func TestSameJSONPolicy(t *testing.T) {
	a := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]}`
	b := `{"Statement":[{"Resource":["arn:aws:s3:::b/*"],"Action":"s3:GetObject","Effect":"Allow"}],"Version":"2012-10-17"}`
	if !sameJSON(a, b) {
		t.Error("equivalent policies differ")
	}
	if sameJSON(a, strings.Replace(b, "GetObject", "PutObject", 1)) {
		t.Error("different policies equal")
	}
	_ = aws.String
}
