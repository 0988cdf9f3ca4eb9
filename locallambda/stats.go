package locallambda

import (
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"
)

// FunctionStats are the counters of one function.
type FunctionStats struct {
	// Invocations counts invocations that ran (or were answered by fault
	// injection); throttled requests are not invocations.
	Invocations int64 `json:"invocations"`
	// Events counts accepted Event (asynchronous) invocations.
	Events int64 `json:"events"`
	// ColdStarts and WarmStarts split the invocations that reached a sandbox.
	ColdStarts int64 `json:"coldStarts"`
	WarmStarts int64 `json:"warmStarts"`
	// Throttles counts 429 answers (injected or for lack of sandboxes).
	Throttles int64 `json:"throttles"`
	// Errors counts function errors of every kind, including the ones below.
	Errors int64 `json:"errors"`
	// InjectedFailures, Crashes, Timeouts and InitErrors break Errors down.
	InjectedFailures int64 `json:"injectedFailures"`
	Crashes          int64 `json:"crashes"`
	Timeouts         int64 `json:"timeouts"`
	InitErrors       int64 `json:"initErrors"`
	// SandboxesStarted counts processes started; Sandboxes is the number
	// alive now.
	SandboxesStarted int64 `json:"sandboxesStarted"`
	Sandboxes        int64 `json:"sandboxes"`
	// DurationMS and InitDurationMS summarise invocation and init times.
	DurationMS     Summary `json:"durationMs"`
	InitDurationMS Summary `json:"initDurationMs"`
}

// Summary summarises durations in milliseconds.
type Summary struct {
	Count int64   `json:"count"`
	Total float64 `json:"total"`
	Max   float64 `json:"max"`
}

// Mean returns Total/Count, 0 for no samples.
func (s Summary) Mean() float64 {
	if s.Count == 0 {
		return 0
	}
	return s.Total / float64(s.Count)
}

func (s *Summary) add(d time.Duration) {
	v := float64(d) / float64(time.Millisecond)
	s.Count++
	s.Total += v
	if v > s.Max {
		s.Max = v
	}
}

func (s *Summary) merge(o Summary) {
	s.Count += o.Count
	s.Total += o.Total
	if o.Max > s.Max {
		s.Max = o.Max
	}
}

// Stats is the answer of GET /stats.
type Stats struct {
	Functions map[string]FunctionStats `json:"functions"`
	Total     FunctionStats            `json:"total"`
}

// counters are the live counters of one function.
type counters struct {
	mu sync.Mutex
	s  FunctionStats
}

func (c *counters) record(o *outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Invocations++
	switch {
	case o.cold:
		c.s.ColdStarts++
		if o.initDur > 0 {
			c.s.InitDurationMS.add(o.initDur)
		}
	case o.kind != kindInit:
		c.s.WarmStarts++
	}
	if o.kind != kindInit {
		c.s.DurationMS.add(o.duration)
	}
	if o.kind != kindOK {
		c.s.Errors++
	}
	switch o.kind {
	case kindInjected:
		c.s.InjectedFailures++
	case kindCrash:
		c.s.Crashes++
	case kindTimeout:
		c.s.Timeouts++
	case kindInit:
		c.s.InitErrors++
	}
}

func (c *counters) throttled() {
	c.mu.Lock()
	c.s.Throttles++
	c.mu.Unlock()
}

func (c *counters) event() {
	c.mu.Lock()
	c.s.Events++
	c.mu.Unlock()
}

func (c *counters) sandboxStarted() {
	c.mu.Lock()
	c.s.SandboxesStarted++
	c.s.Sandboxes++
	c.mu.Unlock()
}

func (c *counters) sandboxStopped() {
	c.mu.Lock()
	c.s.Sandboxes--
	c.mu.Unlock()
}

func (c *counters) snapshot() FunctionStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}

// Stats returns a snapshot of the counters of every function and their
// total.
func (s *Service) Stats() Stats {
	names := make([]string, 0, len(s.funcs))
	for name := range s.funcs {
		names = append(names, name)
	}
	sort.Strings(names)
	out := Stats{Functions: make(map[string]FunctionStats, len(names))}
	for _, name := range names {
		fs := s.funcs[name].stats.snapshot()
		out.Functions[name] = fs
		t := &out.Total
		t.Invocations += fs.Invocations
		t.Events += fs.Events
		t.ColdStarts += fs.ColdStarts
		t.WarmStarts += fs.WarmStarts
		t.Throttles += fs.Throttles
		t.Errors += fs.Errors
		t.InjectedFailures += fs.InjectedFailures
		t.Crashes += fs.Crashes
		t.Timeouts += fs.Timeouts
		t.InitErrors += fs.InitErrors
		t.SandboxesStarted += fs.SandboxesStarted
		t.Sandboxes += fs.Sandboxes
		t.DurationMS.merge(fs.DurationMS)
		t.InitDurationMS.merge(fs.InitDurationMS)
	}
	return out
}

// serveStats answers GET /stats.
func (s *Service) serveStats(w http.ResponseWriter, _ *http.Request) {
	b, err := json.MarshalIndent(s.Stats(), "", "  ")
	if err != nil {
		serviceError(err.Error()).write(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}
