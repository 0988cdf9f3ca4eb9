package locallambda

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// invocation is one request handed to a sandbox's runtime.
type invocation struct {
	id            string
	payload       []byte
	arn           string
	traceID       string
	clientContext string
	deadline      time.Time // set before the invocation is handed over
	done          chan runtimeResult
	once          sync.Once
}

func newInvocation(id string, payload []byte, arn, clientContext string) *invocation {
	return &invocation{
		id:            id,
		payload:       payload,
		arn:           arn,
		traceID:       newTraceID(time.Now().Unix()),
		clientContext: clientContext,
		done:          make(chan runtimeResult, 1),
	}
}

// deliver records the runtime's answer; only the first one counts.
func (inv *invocation) deliver(r runtimeResult) {
	inv.once.Do(func() { inv.done <- r })
}

// runtimeResult is what the runtime posted for an invocation.
type runtimeResult struct {
	payload  []byte // success payload
	errBody  []byte // error JSON when the runtime reported an error
	tooLarge bool   // the success payload exceeded MaxSyncPayload
}

// sandbox is one bootstrap process with its own Runtime API listener.
type sandbox struct {
	id      string
	fn      *function
	cmd     *exec.Cmd
	srv     *http.Server
	addr    string
	started time.Time

	next    chan *invocation // handed to a runtime waiting in GET /next
	ready   chan struct{}    // closed at the first GET /next
	readyAt time.Time        // written before ready is closed
	initErr chan []byte      // body of POST /init/error
	exited  chan struct{}    // closed when the process has exited
	exitErr error            // written before exited is closed

	out      *os.File      // read end of the stdout/stderr pipe
	outDone  chan struct{} // closed when the output copier ends
	log      *tailLog
	mirror   io.Writer
	reads    atomic.Int64 // Read calls started on out
	appended atomic.Int64 // Read calls whose bytes are in log

	readyOnce sync.Once
	killOnce  sync.Once
	killed    atomic.Bool
	mu        sync.Mutex
	current   *invocation
	used      bool
}

// sandboxEnv builds the process environment: the parent's (Config.Environ) AWS_* and
// HSFAN_* variables and PATH, HOME, TMPDIR, then the function's Env, then
// Lambda's reserved variables.
func sandboxEnv(f *function, parent []string, region, runtimeAddr, streamID string) []string {
	env := map[string]string{}
	for _, kv := range parent {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(k, "AWS_LAMBDA_"):
		case strings.HasPrefix(k, "AWS_"), strings.HasPrefix(k, "HSFAN_"),
			k == "PATH", k == "HOME", k == "TMPDIR", k == "SSL_CERT_FILE", k == "SSL_CERT_DIR":
			env[k] = v
		}
	}
	for k, v := range f.cfg.Env {
		env[k] = v
	}
	now := time.Now().UTC()
	reserved := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          runtimeAddr,
		"AWS_LAMBDA_FUNCTION_NAME":        f.name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.cfg.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      now.Format("2006/01/02") + "/[$LATEST]" + streamID,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"_HANDLER":                        filepath.Base(f.cfg.Path),
		"LAMBDA_TASK_ROOT":                filepath.Dir(f.cfg.Path),
		"LAMBDA_RUNTIME_DIR":              filepath.Dir(f.cfg.Path),
		"TZ":                              ":UTC",
	}
	for k, v := range reserved {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// startSandbox starts a process of f's bootstrap with its own Runtime API
// listener. Its goroutines are counted in s.wg.
func (s *Service) startSandbox(f *function) (*sandbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for runtime API: %w", err)
	}
	id := newRequestID()
	sb := &sandbox{
		id:      id,
		fn:      f,
		addr:    ln.Addr().String(),
		next:    make(chan *invocation),
		ready:   make(chan struct{}),
		initErr: make(chan []byte, 1),
		exited:  make(chan struct{}),
		log:     newTailLog(LogTailSize),
		outDone: make(chan struct{}),
		mirror:  s.output,
	}
	sb.srv = &http.Server{Handler: sb.runtimeMux(), ReadHeaderTimeout: 10 * time.Second}

	pr, pw, err := os.Pipe()
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("output pipe: %w", err)
	}
	sb.out = pr
	cmd := exec.Command(f.cfg.Path)
	cmd.Dir = filepath.Dir(f.cfg.Path)
	cmd.Env = sandboxEnv(f, s.cfg.Environ, s.cfg.Region, sb.addr, strings.ReplaceAll(id, "-", ""))
	cmd.Stdout = pw
	cmd.Stderr = pw
	setProcAttr(cmd)
	sb.cmd = cmd
	sb.started = time.Now()
	if err := cmd.Start(); err != nil {
		_ = ln.Close()
		_ = pr.Close()
		_ = pw.Close()
		return nil, fmt.Errorf("start %s: %w", f.cfg.Path, err)
	}
	_ = pw.Close()

	s.wg.Add(3)
	go func() {
		defer s.wg.Done()
		_ = sb.srv.Serve(ln)
	}()
	go func() {
		defer s.wg.Done()
		sb.copyOutput()
	}()
	go func() {
		defer s.wg.Done()
		err := cmd.Wait()
		sb.exitErr = err
		close(sb.exited)
		killGroup(cmd) // children left behind in the group
		_ = sb.srv.Close()
	}()
	return sb, nil
}

// copyOutput moves the process output into the log tail until EOF.
func (sb *sandbox) copyOutput() {
	defer close(sb.outDone)
	defer sb.out.Close()
	buf := make([]byte, 32*1024)
	for {
		sb.reads.Add(1)
		n, err := sb.out.Read(buf)
		if n > 0 {
			_, _ = sb.log.Write(buf[:n])
			if sb.mirror != nil {
				_, _ = sb.mirror.Write(buf[:n])
			}
		}
		sb.appended.Add(1)
		if err != nil {
			return
		}
	}
}

// syncOutput waits briefly until the output written so far by the process
// is in the log tail: the pipe is empty and the reader is back in Read,
// or, for a killed or exited process, the pipe is closed.
func (sb *sandbox) syncOutput() {
	if sb.dead() {
		t := time.NewTimer(100 * time.Millisecond)
		defer t.Stop()
		select {
		case <-sb.outDone:
		case <-t.C:
		}
		return
	}
	for i := 0; i < 200; i++ {
		select {
		case <-sb.outDone:
			return
		default:
		}
		p := pendingBytes(sb.out)
		if p < 0 {
			return
		}
		if p == 0 && sb.reads.Load() == sb.appended.Load()+1 {
			return
		}
		if i < 20 {
			runtime.Gosched()
		} else {
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// kill kills the process group; the exit goroutine then closes the
// listener.
func (sb *sandbox) kill() {
	sb.killOnce.Do(func() {
		sb.killed.Store(true)
		killGroup(sb.cmd)
	})
}

// dead reports whether the process has exited or was killed.
func (sb *sandbox) dead() bool {
	if sb.killed.Load() {
		return true
	}
	select {
	case <-sb.exited:
		return true
	default:
		return false
	}
}

// exitMessage describes how the process ended, as Lambda does ("exit
// status 2", "signal: killed").
func (sb *sandbox) exitMessage() string {
	var ee *exec.ExitError
	switch {
	case sb.exitErr == nil:
		return "exit status 0"
	case errors.As(sb.exitErr, &ee):
		return ee.Error()
	default:
		return sb.exitErr.Error()
	}
}
