package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/internal/awsfake"
)

// The deploy commands join TestHelpListsEveryFlag and TestEveryFlagValidated.
func init() {
	helpCommands = append(helpCommands, []string{"deploy"}, []string{"deploy", "role"}, []string{"deploy", "function"},
		[]string{"deploy", "invoke"}, []string{"deploy", "status"}, []string{"deploy", "schedule"}, []string{"undeploy"})
}

// fullSpec is a complete job spec (valid for jobs/spec's strict parser too) with the given
// schedule mapping body.
func fullSpec(name, schedule string) string {
	return "name: " + name + "\nkind: reduce\nschedule:\n  " + schedule + "\nwindow:\n  range: last 3 months\n  time_zone: UTC\nreduce:\n  op: mean\n  store: file://data\n  bucket: hsfan\n" +
		"  domain: /shared/sst/mur25.h5\n  dataset: /analysed_sst\n  reduce: lat,lon\n  out: s3://my-results/sst\n"
}

// fakeDocker writes a docker stand-in that logs its arguments and stdin to log.
func fakeDocker(t *testing.T) (path, log string) {
	t.Helper()
	dir := t.TempDir()
	path, log = filepath.Join(dir, "docker"), filepath.Join(dir, "docker.log")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\nif [ \"$1\" = login ]; then read pw; echo \"stdin:$pw\" >> " + log + "; fi\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, log
}

// cliOps is the "service Operation" of each AWS call a --dry-run printed.
func cliOps(out string) []string {
	var ops []string
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "docker ") {
			continue
		}
		f := strings.Fields(l)
		ops = append(ops, f[0]+" "+f[1])
	}
	return ops
}

func fakeOps(calls []awsfake.Call) []string {
	var ops []string
	for _, c := range calls {
		ops = append(ops, c.Service+" "+c.Operation)
	}
	return ops
}

// TestContractDeployCLIDryRunMatchesFreshAccount: hsfan deploy role and function against a fresh
// fake account (--aws-endpoint) make exactly the calls --dry-run prints, in the same order; the
// second run makes no mutating call; --push runs docker login (password on stdin), tag and push.
func TestContractDeployCLIDryRunMatchesFreshAccount(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	fake := awsfake.New()
	fake.AssumeImages = true // the docker stand-in pushes nothing
	u, err := fake.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	docker, log := fakeDocker(t)
	role := []string{"deploy", "role", "--buckets", "my-data", "--write-buckets", "my-results"}
	function := []string{"deploy", "function", "--push", "--docker", docker, "--bucket", "my-data", "--tag", "v1", "--reserved", "100",
		"--efs-access-point", "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1", "--subnet-ids", "subnet-1", "--security-group-ids", "sg-1"}
	real := []string{"--aws-endpoint", u, "--region", "us-east-1", "--wait", "10s"}
	var dry []string
	for _, args := range [][]string{role, function} {
		code, out, errs := run(t, append(slices.Clone(args), "--dry-run")...)
		if code != 0 {
			t.Fatalf("%v --dry-run: exit %d: %s", args, code, errs)
		}
		dry = append(dry, cliOps(out)...)
		if code, out, errs := run(t, append(slices.Clone(args), real...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s\n%s", args, code, errs, out)
		}
	}
	if got, want := strings.Join(fakeOps(fake.Calls()), "\n"), strings.Join(dry, "\n"); got != want {
		t.Errorf("calls on the wire\n%s\ndiffer from --dry-run\n%s", got, want)
	}
	for _, want := range []string{"lambda CreateFunction", "ecr CreateRepository", "iam CreateRole", "lambda PutFunctionConcurrency"} {
		if !slices.Contains(dry, want) {
			t.Errorf("dry run lacks %s:\n%s", want, strings.Join(dry, "\n"))
		}
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	remote := awsfake.RegistryHostIn(awsfake.Region) + "/hsfan-worker:v1"
	if want := "login --username AWS --password-stdin " + awsfake.RegistryHostIn(awsfake.Region) + "\nstdin:fake-password\ntag hsfan-worker:v1 " + remote + "\npush " + remote + "\n"; string(b) != want {
		t.Errorf("docker calls\n%s\nwant\n%s", b, want)
	}
	var create awsfake.Call
	for _, c := range fake.Calls() {
		if c.Operation == "CreateFunction" {
			create = c
		}
	}
	for k, want := range map[string]string{
		"Environment":       `{"Variables":{"HSFAN_BUCKET":"my-data","HSFAN_STORE":"file:///mnt/data"}}`,
		"FileSystemConfigs": `[{"Arn":"arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1","LocalMountPath":"/mnt/data"}]`,
		"VpcConfig":         `{"SecurityGroupIds":["sg-1"],"SubnetIds":["subnet-1"]}`,
		"MemorySize":        "2048", "Timeout": "300", "Architectures": `["arm64"]`, "PackageType": "Image",
	} {
		if create.Params[k] != want {
			t.Errorf("CreateFunction %s = %s, want %s", k, create.Params[k], want)
		}
	}
	fake.Reset()
	for _, args := range [][]string{role, function} {
		code, out, errs := run(t, append(slices.Clone(args), real...)...)
		if code != 0 {
			t.Fatalf("%v again: exit %d: %s", args, code, errs)
		}
		if !strings.Contains(out, "up to date") {
			t.Errorf("%v again: %s", args, out)
		}
	}
	for _, c := range fake.Calls() {
		if c.Mutating() {
			t.Errorf("second run: mutating call %s", c)
		}
	}
	code, out, errs := run(t, append([]string{"deploy", "invoke"}, real...)...)
	if code != 0 || !strings.Contains(out, `{"ok":true}`) || !strings.Contains(out, "REPORT RequestId: fake") {
		t.Errorf("deploy invoke: exit %d %s\n%s", code, errs, out)
	}
	code, out, errs = run(t, append([]string{"deploy", "status"}, real...)...)
	if code != 0 || !strings.Contains(out, "function hsfan-worker: Active") || !strings.Contains(out, "reserved     100") {
		t.Errorf("deploy status: exit %d %s\n%s", code, errs, out)
	}
	code, out, errs = run(t, append([]string{"undeploy", "--all"}, real...)...)
	if code != 0 || !strings.Contains(out, "deleted function hsfan-worker") || !strings.Contains(out, "deleted role hsfan-scheduler") {
		t.Errorf("undeploy: exit %d %s\n%s", code, errs, out)
	}
}

func TestContractDeployScheduleCLI(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "sst.yaml")
	body := fullSpec("sst-monthly", "cron: \"0 3 1 * *\"\n  time_zone: Europe/Paris")
	if err := os.WriteFile(spec, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "deploy", "schedule", spec, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := []string{"sts GetCallerIdentity", "iam GetRole", "iam CreateRole", "iam PutRolePolicy", "scheduler GetSchedule", "scheduler CreateSchedule"}
	if got := cliOps(out); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q\n%s", got, want, out)
	}
	for _, s := range []string{`"ScheduleExpression":"cron(0 3 1 * ? *)"`, `"ScheduleExpressionTimezone":"Europe/Paris"`, `"FlexibleTimeWindow":{"Mode":"OFF"}`,
		`"Input":"{\"hsfan_spec\":{\"yaml\":\"name: sst-monthly\\nkind: reduce\\nschedule:`, `\"now\":\"<aws.scheduler.scheduled-time>\"}}"`} {
		if !strings.Contains(out, s) {
			t.Errorf("dry run lacks %s:\n%s", s, out)
		}
	}
	code, out, errs = run(t, "deploy", "schedule", "--delete", "--name", "sst-monthly", "--dry-run")
	if code != 0 || !slices.Equal(cliOps(out), []string{"scheduler GetSchedule"}) {
		t.Errorf("delete of a missing schedule: exit %d %s\n%s", code, errs, out)
	}
}

// TestDryRunRegion: a dry run in another region shows that region's ARNs and ECR registry (the
// ones the real run would use), none of the default region's.
func TestDryRunRegion(t *testing.T) {
	code, out, errs := run(t, "deploy", "function", "--push", "--bucket", "b", "--region", "eu-west-3", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{awsfake.RegistryHostIn("eu-west-3"), "arn:aws:lambda:eu-west-3:"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, awsfake.Region) {
		t.Errorf("dry run in eu-west-3 names %s:\n%s", awsfake.Region, out)
	}
}

// TestDeployFlagValidation: bad deploy command lines are refused before any AWS call, with exit 2
// and a message naming the flag or field and what is allowed.
func TestDeployFlagValidation(t *testing.T) {
	dir := t.TempDir()
	noTZ := filepath.Join(dir, "notz.yaml")
	if err := os.WriteFile(noTZ, []byte(fullSpec("a", "cron: '@daily'")), 0o644); err != nil {
		t.Fatal(err)
	}
	both := filepath.Join(dir, "both.yaml")
	if err := os.WriteFile(both, []byte(fullSpec("a", "cron: '0 0 1 * 1'\n  time_zone: UTC")), 0o644); err != nil {
		t.Fatal(err)
	}
	noWindow := filepath.Join(dir, "nowindow.yaml")
	if err := os.WriteFile(noWindow, []byte(strings.Replace(fullSpec("a", "cron: '@daily'\n  time_zone: UTC"), "window:\n  range: last 3 months\n  time_zone: UTC\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	fn := func(rest ...string) []string {
		return append([]string{"deploy", "function", "--bucket", "b", "--dry-run"}, rest...)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{fn("--memory", "64"), []string{"--memory", "[128, 10240]"}},
		{fn("--timeout", "901"), []string{"--timeout", "[1, 900]"}},
		{fn("--arch", "sparc"), []string{"--arch", "arm64, x86_64"}},
		{fn("--reserved", "-1"), []string{"--reserved", "[0, 1000000]"}},
		{fn("--env", "NOEQUALS"), []string{"--env", "KEY=VALUE"}},
		{fn("--efs-access-point", "fs-123", "--subnet-ids", "s", "--security-group-ids", "g"), []string{"access point", "arn:aws:elasticfilesystem"}},
		{fn("--efs-access-point", "arn:aws:elasticfilesystem:us-east-1:1:access-point/fsap-1"), []string{"VPC", "subnet"}},
		{fn("--efs-access-point", "arn:aws:elasticfilesystem:us-east-1:1:access-point/fsap-1", "--subnet-ids", "s", "--security-group-ids", "g", "--mount", "/data"), []string{"/mnt/NAME"}},
		{fn("--subnet-ids", "s"), []string{"--subnet-ids", "--efs-access-point"}},
		{fn("--push", "--image-uri", "x/y:z"), []string{"--push", "--image-uri"}},
		{[]string{"deploy", "function", "--dry-run"}, []string{"--bucket is required"}},
		{[]string{"deploy", "role", "--role", "bad name", "--dry-run"}, []string{"--role", "letters, digits"}},
		{[]string{"deploy", "frobnicate"}, []string{"frobnicate", "role, function, invoke, status, schedule"}},
		{[]string{"deploy"}, []string{"subcommand is required"}},
		{[]string{"deploy", "schedule", "--dry-run"}, []string{"SPEC"}},
		{[]string{"deploy", "schedule", noTZ, "--dry-run"}, []string{"time_zone"}},
		{[]string{"deploy", "schedule", both, "--dry-run"}, []string{"day-of-month and day-of-week"}},
		{[]string{"deploy", "schedule", noWindow, "--dry-run"}, []string{"without a window", "hsfan schedule run"}},
		{[]string{"deploy", "schedule", "../../examples/specs/wordcount-mapreduce.yaml", "--dry-run"}, []string{"kind mapreduce without a window"}},
		{[]string{"deploy", "schedule", "../../examples/specs/sst-last-3-months.yaml", "--dry-run"}, []string{`reduce.out "out/sst-last-3-months"`, "s3://bucket/prefix"}},
		{[]string{"deploy", "status", "--wait", "0s", "--dry-run"}, []string{"--wait", "[1s, 1h0m0s]"}},
	} {
		code, out, errs := run(t, tc.args...)
		if code != 2 || out != "" && !strings.HasPrefix(out, "#") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, code, out, errs)
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr %q lacks %q", tc.args, errs, w)
			}
		}
		if strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: more than one line:\n%s", tc.args, errs)
		}
	}
}

// TestDryRunFreshAccountNeedsPush: deploy function --dry-run stands for a fresh account, whose
// new ECR repository is empty: without --push the dry run stops where the real run would, at
// DescribeImages, with the real run's error and its fix (--push, make push), and shows no
// CreateFunction; with --push it goes through to CreateFunction.
func TestDryRunFreshAccountNeedsPush(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		lastOp  string
		errWant []string
	}{
		{"no push", nil, 1, "ecr DescribeImages", []string{"dry run: in a fresh account the real run stops", "no image tagged dev", "--push", "make push"}},
		{"push", []string{"--push"}, 0, "lambda GetFunction", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(t, append([]string{"deploy", "function", "--region", "eu-west-3", "--bucket", "my-data", "--dry-run"}, tc.args...)...)
			ops := cliOps(out)
			if code != tc.code || len(ops) == 0 {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, out, errs)
			}
			for _, w := range tc.errWant {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q: %s", w, errs)
				}
			}
			created := slices.Contains(ops, "lambda CreateFunction")
			if created != (tc.code == 0) {
				t.Errorf("CreateFunction shown: %v, exit %d:\n%s", created, code, strings.Join(ops, "\n"))
			}
			if tc.code != 0 && ops[len(ops)-1] != tc.lastOp {
				t.Errorf("last call %s, want %s:\n%s", ops[len(ops)-1], tc.lastOp, strings.Join(ops, "\n"))
			}
		})
	}
}
