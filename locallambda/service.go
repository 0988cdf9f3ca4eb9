package locallambda

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
)

// errClosed reports use of a closed Service.
var errClosed = errors.New("locallambda: service closed")

// Service is a local Lambda service. It is safe for concurrent use; Close
// kills every sandbox.
type Service struct {
	cfg    Config
	log    *slog.Logger
	output io.Writer
	funcs  map[string]*function
	faults *faultSource
	mux    *http.ServeMux

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // sandbox and Event goroutines

	mu        sync.Mutex
	closed    bool
	sandboxes map[*sandbox]struct{}
}

// function is one configured function and its sandbox pool.
type function struct {
	name  string
	arn   string
	cfg   FunctionConfig
	slots chan struct{} // one token per busy sandbox
	stats *counters

	mu   sync.Mutex
	idle []*sandbox // most recently used last
}

// New validates cfg and returns a Service. No process starts before the
// first invocation.
func New(cfg Config) (*Service, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{
		cfg:       cfg,
		log:       cfg.Logger,
		funcs:     make(map[string]*function, len(cfg.Functions)),
		faults:    newFaultSource(cfg.Faults),
		ctx:       ctx,
		cancel:    cancel,
		sandboxes: map[*sandbox]struct{}{},
	}
	if cfg.FunctionOutput != nil {
		s.output = &lockedWriter{w: cfg.FunctionOutput}
	}
	for name, fc := range cfg.Functions {
		s.funcs[name] = &function{
			name:  name,
			arn:   fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", cfg.Region, cfg.AccountID, name),
			cfg:   fc,
			slots: make(chan struct{}, fc.Concurrency),
			stats: &counters{},
		}
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", s.serveInvoke)
	s.mux.HandleFunc("GET /stats", s.serveStats)
	s.mux.HandleFunc("/", s.serveUnknown)
	return s, nil
}

// Handler returns the HTTP handler of the Invoke API and GET /stats.
func (s *Service) Handler() http.Handler { return s.mux }

// Close kills all sandboxes, stops background (Event) invocations and
// waits for the service's goroutines. In-flight synchronous invocations
// answer with an error. Close is idempotent.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	all := make([]*sandbox, 0, len(s.sandboxes))
	for sb := range s.sandboxes {
		all = append(all, sb)
	}
	s.mu.Unlock()
	s.cancel()
	for _, sb := range all {
		sb.kill()
	}
	s.wg.Wait()
	return nil
}

// goBackground runs fn on a goroutine counted by Close, unless closed.
func (s *Service) goBackground(fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}

// errNoCapacity reports that all sandboxes of a function are busy.
var errNoCapacity = errors.New("all sandboxes busy")

// acquire takes a sandbox of f: an idle one (warm) or a new one (cold).
// Without wait it fails with errNoCapacity when f runs Concurrency
// invocations already; with wait it blocks until a slot frees or ctx ends.
func (s *Service) acquire(ctx context.Context, f *function, wait bool) (*sandbox, error) {
	if wait {
		select {
		case f.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	} else {
		select {
		case f.slots <- struct{}{}:
		default:
			return nil, errNoCapacity
		}
	}
	sb, err := s.takeSandbox(f)
	if err != nil {
		<-f.slots
		return nil, err
	}
	return sb, nil
}

// takeSandbox returns an idle sandbox of f or starts a new one; the
// caller holds a slot of f.
func (s *Service) takeSandbox(f *function) (*sandbox, error) {
	for {
		f.mu.Lock()
		n := len(f.idle)
		if n == 0 {
			f.mu.Unlock()
			break
		}
		sb := f.idle[n-1]
		f.idle = f.idle[:n-1]
		f.mu.Unlock()
		if !sb.dead() {
			return sb, nil
		}
		s.forget(sb)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errClosed
	}
	s.mu.Unlock()
	sb, err := s.startSandbox(f)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	closed := s.closed
	s.sandboxes[sb] = struct{}{}
	s.mu.Unlock()
	if closed { // Close ran while the process started: it is not in its list
		sb.kill()
	}
	f.stats.sandboxStarted()
	return sb, nil
}

// runOn runs inv on sb, which the caller holds with a slot of f. A warm
// sandbox whose process exited before it took the invocation (for example
// after a panic) is replaced by a new one, as the invocation never reached
// it. It returns the outcome and the sandbox now held.
func (s *Service) runOn(f *function, sb *sandbox, inv *invocation, draw faultDraw) (outcome, *sandbox, error) {
	for {
		o := s.run(sb, inv, draw)
		if o.kind != kindLost {
			return o, sb, nil
		}
		sb.kill()
		s.forget(sb)
		next, err := s.takeSandbox(f)
		if err != nil {
			return o, nil, err
		}
		sb = next
	}
}

// release returns sb to f's pool when healthy, or kills it, and frees
// the slot. sb may be nil when no sandbox is held.
func (s *Service) release(f *function, sb *sandbox, healthy bool) {
	if sb == nil {
		<-f.slots
		return
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if healthy && !closed && !sb.dead() {
		f.mu.Lock()
		f.idle = append(f.idle, sb)
		f.mu.Unlock()
	} else {
		sb.kill()
		s.forget(sb)
	}
	<-f.slots
}

// forget drops a dead or killed sandbox from the service's list.
func (s *Service) forget(sb *sandbox) {
	s.mu.Lock()
	_, ok := s.sandboxes[sb]
	delete(s.sandboxes, sb)
	s.mu.Unlock()
	if ok {
		sb.fn.stats.sandboxStopped()
	}
}

// lockedWriter serialises writes of several sandboxes.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
