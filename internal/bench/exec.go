package bench

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// command builds a subprocess with env's environment.
func (env *Env) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env.Environ
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// timed runs name with args, its stdin from stdin (nil: none), and returns its stdout and the
// wall time of the whole process (start to exit); a failure names the command and quotes the
// end of its stderr.
func (env *Env) timed(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, float64, error) {
	cmd := env.command(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	t0 := time.Now()
	err := cmd.Run()
	s := time.Since(t0).Seconds()
	if err != nil {
		return out.Bytes(), s, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(errb.Bytes(), 1500))
	}
	return out.Bytes(), s, nil
}

// hsfan runs the hsfan binary (see timed).
func (env *Env) hsfan(ctx context.Context, args ...string) ([]byte, float64, error) {
	return env.timed(ctx, nil, env.HsfanBin, args...)
}

// pythonMissing returns why env.Python cannot import modules, or "".
func (env *Env) pythonMissing(ctx context.Context, modules ...string) string {
	code := "import importlib, sys\nmissing = []\nfor m in sys.argv[1:]:\n    try: importlib.import_module(m)\n    except ImportError: missing.append(m)\nprint(' '.join(missing))"
	out, err := env.command(ctx, env.Python, append([]string{"-c", code}, modules...)...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%s cannot run: %v: %s", env.Python, err, tail(out, 300))
	}
	if m := strings.TrimSpace(string(out)); m != "" {
		return fmt.Sprintf("Python modules missing: %s (make pydeps installs the Debian packages)", m)
	}
	return ""
}
