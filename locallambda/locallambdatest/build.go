// Package locallambdatest builds the test Lambda function of package
// locallambda, for tests of locallambda and its clients.
package locallambdatest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// EchoPackage is the import path of the test function (see
// testdata/echofn: modes echo, sleep, crash, error, panic, big, log).
const EchoPackage = "github.com/hsfan/hsfan/locallambda/testdata/echofn"

// BuildEcho compiles the test function as dir/bootstrap the way Lambda
// functions are built (CGO_ENABLED=0, -tags lambda.norpc) and returns its
// path. It needs the go command.
func BuildEcho(ctx context.Context, dir string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, gobin, "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, EchoPackage)
	if _, file, _, ok := runtime.Caller(0); ok {
		cmd.Dir = filepath.Dir(file)
	}
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", EchoPackage, err, b)
	}
	return out, nil
}
