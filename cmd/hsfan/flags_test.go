package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// helpCommands are the command lines whose -h is checked: every command, and run/gen with and
// without their positional argument.
var helpCommands = [][]string{
	{"serve"}, {"ls"}, {"get"}, {"gen"}, {"gen", "sst"}, {"gen", "cube"}, {"run"}, {"run", "mean"},
	{"repack"}, {"lambda-local"}, {"version"}, {"schedule", "run"}, {"schedule", "status"},
	{"mapreduce"}, {"mapreduce", "bdb-q2"}, {"gen", "uservisits"},
}

// captureFlags runs args and returns the exit code, stdout, stderr and the command's flag set.
func captureFlags(t *testing.T, args ...string) (int, string, string, *flag.FlagSet) {
	t.Helper()
	var fs *flag.FlagSet
	flagSetHook = func(f *flag.FlagSet) { fs = f }
	defer func() { flagSetHook = nil }()
	code, out, errs := run(t, args...)
	return code, out, errs, fs
}

// TestHelpListsEveryFlag: -h and --help of every command exit 0 and print, on stdout, the usage,
// every flag of the command (with its default where it has one), grouped, and examples.
func TestHelpListsEveryFlag(t *testing.T) {
	for _, cmd := range helpCommands {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string{}, cmd...), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errs, fs := captureFlags(t, args...)
				if code != 0 || errs != "" {
					t.Fatalf("exit %d, stderr %q", code, errs)
				}
				if fs == nil {
					t.Fatal("the command parsed no flag set")
				}
				if !strings.HasPrefix(out, "Usage") {
					t.Errorf("help does not start with Usage:\n%s", out)
				}
				if cmd[0] != "version" && !strings.Contains(out, "\nExamples:\n") {
					t.Errorf("help has no examples:\n%s", out)
				}
				n := 0
				fs.VisitAll(func(f *flag.Flag) {
					n++
					if !strings.Contains(out, "\n  "+dashes(f.Name)+f.Name+" ") && !strings.Contains(out, "\n  "+dashes(f.Name)+f.Name+"\n") {
						t.Errorf("help does not list --%s:\n%s", f.Name, out)
					}
					if f.DefValue != "" && f.DefValue != "false" && !strings.Contains(strings.Join(strings.Fields(out), " "), "default "+f.DefValue) {
						t.Errorf("help does not give the default %q of --%s", f.DefValue, f.Name)
					}
				})
				if n > 0 && strings.Count(out, ":\n  -") < 1 {
					t.Errorf("no flag group titles:\n%s", out)
				}
			})
		}
	}
}

// TestEveryFlagValidated: no numeric flag of any command escapes the validation layer (a stdlib
// flag.Int accepts 0 and -1 alike); the seed of the fault injection is the one flag for which
// every value is valid.
func TestEveryFlagValidated(t *testing.T) {
	unbounded := map[string]bool{"lambda-local seed": true}
	for _, cmd := range helpCommands {
		_, _, _, fs := captureFlags(t, append(append([]string{}, cmd...), "-h")...)
		fs.VisitAll(func(f *flag.Flag) {
			switch typ := fmt.Sprintf("%T", f.Value); typ {
			case "*flag.intValue", "*flag.int64Value", "*flag.uintValue", "*flag.uint64Value", "*flag.float64Value", "*flag.durationValue":
				if !unbounded[cmd[0]+" "+f.Name] {
					t.Errorf("hsfan %s --%s is a %s without a range: register it with intVar, floatVar, durationVar...", cmd[0], f.Name, typ)
				}
			}
		})
	}
}

func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"-version"}} {
		code, out, errs := run(t, args...)
		if code != 0 || !strings.HasPrefix(out, "hsfan ") || errs != "" {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errs)
		}
	}
	if code, out, _ := run(t, "help", "run"); code != 0 || !strings.Contains(out, "--concurrency") {
		t.Errorf("hsfan help run: exit %d\n%s", code, out)
	}
}

// TestFlagValidation: bad values of every kind are refused before anything runs or is written,
// with exit 2 and one line naming the flag and what is allowed.
func TestFlagValidation(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	st := []string{"--store", "file://" + store, "--bucket", "hsfan"}
	run := func(rest ...string) []string {
		return append(append([]string{"run", "mean", "--domain", "/d.h5", "--dataset", "/x"}, rest...), st...)
	}
	gen := func(kind string, rest ...string) []string {
		return append(append([]string{"gen", kind, "--domain", "/shared/g.h5"}, rest...), st...)
	}
	for _, tc := range []struct {
		args []string
		want []string // substrings of the one-line error
	}{
		{run("--invoker", "foo", "--dry-run"), []string{"--invoker", "one of inproc, lambda, local"}},
		{run("--concurrency", "0"), []string{"--concurrency", "[1, 100000]"}},
		{run("--concurrency", "-5"), []string{"--concurrency", "[1, 100000]"}},
		{run("--concurrency", "many"), []string{"--concurrency", "not an integer"}},
		{run("--max-attempts", "0"), []string{"--max-attempts", "[1, 100]"}},
		{run("--memory", "0"), []string{"--memory", "[128, 10240]"}},
		{run("--memory", "20000"), []string{"--memory", "[128, 10240]"}},
		{run("--bins", "0"), []string{"--bins", "[1, 1048576]"}},
		{run("--ddof", "-1"), []string{"--ddof", "[0, inf]"}},
		{run("--min-count", "-1"), []string{"--min-count", "[0, inf]"}},
		{run("--hist-min", "nan"), []string{"--hist-min", "finite"}},
		{run("--task-time", "0s"), []string{"--task-time", "[1ms, 15m0s]"}},
		{run("--task-timeout", "-1s"), []string{"--task-timeout", "duration in [0s"}},
		{run("--max-chunks", "0"), []string{"--max-chunks", "[1, inf]"}},
		{run("--worker-concurrency", "-1"), []string{"--worker-concurrency", "[0, 1024]"}},
		{run("--target-bytes", "-1"), []string{"--target-bytes", "[0, inf]"}},
		{run("--arch", "sparc"), []string{"--arch", "arm64, x86_64"}},
		{run("--nope"), []string{"unknown flag --nope"}},
		{[]string{"run", "median", "--domain", "/d.h5", "--dataset", "/x"}, []string{"OP", "median", "count, sum, mean"}},
		{[]string{"run", "--domain", "/d.h5", "--dataset", "/x"}, []string{"OP is required", "count, sum, mean"}},
		{gen("sst", "--days", "0"), []string{"--days", "[1, 24855]"}},
		{gen("sst", "--level", "99"), []string{"--level", "[1, 9]"}},
		{gen("sst", "--start", "2022-13-01"), []string{"--start", "YYYY-MM-DD"}},
		{gen("sst", "--start", "1970-01-01"), []string{"--start", "1981-01-01"}},
		{gen("sst", "--start", "2049-01-01", "--days", "30"), []string{"--days 30", "2049-01-18"}},
		{gen("cube", "--compressor", "foo"), []string{"--compressor", "gzip, zstd"}},
		{gen("cube", "--type", "int8"), []string{"--type", "int16, int32"}},
		{gen("cube", "--shape", "10,0"), []string{"--shape", "positive integers"}},
		{gen("cube", "--shape", "10,10", "--chunks", "5"), []string{"--chunks", "2 integers"}},
		{gen("sst", "--overwrite", "--keep-existing"), []string{"--overwrite", "--keep-existing"}},
		{[]string{"gen", "sst", "--domain", "relative.h5", "--store", "file://" + store}, []string{"--domain"}},
		{[]string{"gen", "tesseract", "--domain", "/g.h5", "--store", "file://" + store}, []string{"gen sst", "gen cube"}},
		{[]string{"get", "--domain", "/d.h5", "--dataset", "/x", "--format", "xml"}, []string{"--format", "bin, json, csv"}},
		{[]string{"serve", "--max-request-bytes", "0"}, []string{"--max-request-bytes", "[1, inf]"}},
		{[]string{"lambda-local", "--function", "f=/bin/true", "--concurrency", "0"}, []string{"--concurrency", "[1, 1000]"}},
		{[]string{"lambda-local", "--function", "f=/bin/true", "--fail-rate", "1.5"}, []string{"--fail-rate", "[0, 1]"}},
		{[]string{"lambda-local", "--function", "f=/bin/true", "--timeout", "0s"}, []string{"--timeout", "[1ms"}},
		{[]string{"lambda-local", "--function", "f=/bin/true", "--memory", "64"}, []string{"--memory", "[128, 10240]"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != 2 || out != "" || strings.Count(errs, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q: want exit 2 and a one-line error", code, out, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q does not mention %q", errs, w)
				}
			}
			if _, err := os.Stat(store); !os.IsNotExist(err) {
				t.Errorf("a refused command wrote to the store (%v)", err)
				os.RemoveAll(store)
			}
		})
	}
}

// runCLI is run, usable where a local variable shadows it.
func runCLI(t *testing.T, args ...string) (int, string, string) { return run(t, args...) }
