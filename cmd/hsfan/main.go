// Command hsfan is the hsfan command line: the HDF REST server, listing and reading HSDS domains,
// generating synthetic data, running fan-out reductions and the local Lambda service.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hsfan/hsfan/internal/version"
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve the HDF REST API (HSDS-compatible) over HTTP", runServe},
		{"ls", "list folders, domains and the objects inside a domain", runLs},
		{"get", "read a dataset selection (bin, json or csv)", runGet},
		{"gen", "write deterministic synthetic domains (sst, cube)", runGen},
		{"run", "run a fan-out reduction over a dataset selection", runRun},
		{"schedule", "run job specs on their cron schedules (incremental, no overlap), or show their status", runSchedule},
		{"mapreduce", "run a map-reduce job (wordcount, bdb-q1, bdb-q2, registered jobs) on the fan-out", runMapreduce},
		{"fsck", "find (and with --repair remove) stale temporary files, orphan chunks and objects", runFsck},
		{"index", "index netCDF-4/HDF5 files by reference into a domain (hsload --link)", runIndex},
		{"repack", "find and convert chunks written by hsfan before the chunk format fix", runRepack},
		{"bench", "benchmarks side by side with the peers (xarray, HSDS): seconds, MB/s, ratios", runBench},
		{"lambda-local", "serve the Lambda Invoke and Runtime APIs with real bootstrap processes", runLambdaLocal},
		{"deploy", "deploy the worker to AWS Lambda: role, function, invoke, status, schedule (aws-sdk-go-v2)", runDeploy},
		{"undeploy", "delete the deployed function (--all: also its roles and ECR repository)", runUndeploy},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := mainCode(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// mainCode runs the CLI and maps errors to exit codes: 0 ok, 2 usage, 1 anything else.
func mainCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			// hsfan help COMMAND is hsfan COMMAND -h.
			return mainCode(ctx, []string{args[1], "-h"}, stdout, stderr)
		}
		usage(stdout)
		return 0
	case "--version", "-version":
		args = []string{"version"}
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "hsfan %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "hsfan %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "hsfan: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "hsfan %s: parallel fan-out analysis of HSDS data\n\nUsage: hsfan COMMAND [flags]\n\nCommands:\n", version.Version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'hsfan COMMAND -h' for the flags of one command, 'hsfan --version' for the version.\n")
}

// usageError marks a bad command line (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func runVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	pos, err := parseCommand(fs, args, helpDoc{usage: "Usage: hsfan version (or hsfan --version)\n\nPrints the version hsfan was built from (git describe, set by make build).\n"}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %v", pos)
	}
	_, err = fmt.Fprintf(stdout, "hsfan %s\n", version.Version)
	return err
}

// parseArgs parses flags anywhere on the command line (`hsfan ls -r / --store ...`) and returns
// the positional arguments; everything after "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
