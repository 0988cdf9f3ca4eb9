package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// command builds a subprocess with env's environment.
func (env *Env) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env.Environ
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// proc is a finished subprocess: its outputs, the wall time of the whole process (start to
// exit) and its peak resident set size.
type proc struct {
	Stdout, Stderr []byte
	Seconds        float64
	// MaxRSS is the child's peak resident set size in bytes (wait4's rusage ru_maxrss: KiB on
	// Linux, bytes on Darwin; getrusage(2)); 0 when the system does not say.
	MaxRSS int64
}

// run runs name with args, its stdin from stdin (nil: none); a failure names the command and
// quotes the end of its stderr.
func (env *Env) run(ctx context.Context, stdin []byte, name string, args ...string) (proc, error) {
	cmd := env.command(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	t0 := time.Now()
	err := cmd.Run()
	p := proc{Stdout: out.Bytes(), Stderr: errb.Bytes(), Seconds: time.Since(t0).Seconds(), MaxRSS: maxRSS(cmd.ProcessState)}
	if err != nil {
		return p, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(errb.Bytes(), 1500))
	}
	return p, nil
}

// maxRSS is the peak resident set size in bytes of an exited process, or 0.
func maxRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss
	}
	return ru.Maxrss * 1024
}

// timed runs name with args, its stdin from stdin (nil: none), and returns its stdout and the
// wall time of the whole process (start to exit); a failure names the command and quotes the
// end of its stderr.
func (env *Env) timed(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, float64, error) {
	p, err := env.run(ctx, stdin, name, args...)
	return p.Stdout, p.Seconds, err
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
