// Package schedule runs job specs on their cron schedules (hsfan schedule run): one cron entry
// per spec (github.com/robfig/cron/v3, each in its spec's time zone), no overlap of two runs of
// one spec (in this process, and across processes through a lease object in the store), a
// status snapshot for the status endpoint and command, and a clean stop: on cancellation the
// runs in progress are cancelled (an incremental run then leaves the previous table) and Serve
// waits for them to return.
package schedule

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/jobs/spec"
)

// RunFunc runs one spec as scheduled at at (the time relative windows are resolved at).
type RunFunc func(ctx context.Context, e *Entry, at time.Time) error

// Entry is one scheduled spec.
type Entry struct {
	Path string
	Spec *spec.Spec
}

// Status is what the scheduler knows about one spec.
type Status struct {
	Name     string     `json:"name"`
	Path     string     `json:"path"`
	Cron     string     `json:"cron,omitempty"`
	TimeZone string     `json:"time_zone,omitempty"`
	Next     *time.Time `json:"next,omitempty"`
	Running  bool       `json:"running"`
	Runs     int        `json:"runs"`
	Skipped  int        `json:"skipped"`
	Last     *RunRecord `json:"last,omitempty"`
}

// RunRecord is one run (or skipped run) of a spec.
type RunRecord struct {
	RunID     string    `json:"run_id"`
	Scheduled time.Time `json:"scheduled"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end,omitempty"`
	Result    string    `json:"result"` // ok, failed, skipped, cancelled
	Error     string    `json:"error,omitempty"`
}

// Scheduler runs entries on their schedules.
type Scheduler struct {
	Entries []*Entry
	Run     RunFunc
	// Leases keep runs of one spec from overlapping across processes (nil: in this process only).
	Leases *Leases
	Logger *slog.Logger

	mu      sync.Mutex
	status  map[string]*Status
	running map[string]bool
	wg      sync.WaitGroup
	cron    *cron.Cron
	ids     map[string]cron.EntryID
}

// New checks the entries (unique names; a schedule on each for Serve) and returns a scheduler.
func New(entries []*Entry, run RunFunc, leases *Leases, logger *slog.Logger) (*Scheduler, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{Entries: entries, Run: run, Leases: leases, Logger: logger, status: map[string]*Status{},
		running: map[string]bool{}, ids: map[string]cron.EntryID{}}
	for _, e := range entries {
		if _, dup := s.status[e.Spec.Name]; dup {
			return nil, fmt.Errorf("%s: a second spec named %s: names key the catalog and the lease, they must differ", e.Path, e.Spec.Name)
		}
		st := &Status{Name: e.Spec.Name, Path: e.Path}
		if sc := e.Spec.Schedule; sc != nil {
			st.Cron, st.TimeZone = sc.Cron, sc.TimeZone
		}
		s.status[e.Spec.Name] = st
	}
	return s, nil
}

// RunOnce runs every entry now, one after the other, and returns the errors joined.
func (s *Scheduler) RunOnce(ctx context.Context, at time.Time) error {
	var errs []error
	for _, e := range s.Entries {
		if ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Spec.Name, ctx.Err()))
			break
		}
		if err := s.runEntry(ctx, e, at); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Spec.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Serve runs the entries on their schedules until ctx is done, then cancels the runs in
// progress and waits for them. Every entry needs a schedule.
func (s *Scheduler) Serve(ctx context.Context) error {
	c := cron.New(cron.WithLocation(time.UTC))
	for _, e := range s.Entries {
		if e.Spec.Schedule == nil {
			return fmt.Errorf("%s: spec %s has no schedule (hsfan schedule run --once runs it now)", e.Path, e.Spec.Name)
		}
		sched, err := e.Spec.Schedule.Parse()
		if err != nil {
			return fmt.Errorf("%s: %w", e.Path, err)
		}
		id := c.Schedule(sched, cron.FuncJob(func() {
			if err := s.runEntry(ctx, e, time.Now()); err != nil {
				s.Logger.Warn("scheduled run", "spec", e.Spec.Name, "error", err)
			}
		}))
		s.mu.Lock()
		s.ids[e.Spec.Name] = id
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.cron = c
	s.mu.Unlock()
	c.Start()
	<-ctx.Done()
	stop := c.Stop() // no new runs; the cancelled ctx stops those in progress
	<-stop.Done()
	s.wg.Wait()
	return nil
}

// runEntry runs e unless a run of it is in progress here or (lease) elsewhere.
func (s *Scheduler) runEntry(ctx context.Context, e *Entry, at time.Time) error {
	name := e.Spec.Name
	rec := &RunRecord{RunID: newID(), Scheduled: at.UTC(), Start: time.Now().UTC()}
	s.mu.Lock()
	if s.running[name] {
		s.status[name].Skipped++
		s.mu.Unlock()
		s.Logger.Warn("skipped: the previous run of this spec is still in progress", "spec", name)
		return nil
	}
	s.running[name] = true
	s.status[name].Running = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	finish := func(result string, err error) {
		rec.End, rec.Result = time.Now().UTC(), result
		if err != nil {
			rec.Error = err.Error()
		}
		s.mu.Lock()
		st := s.status[name]
		st.Running, st.Last = false, rec
		if result == "skipped" {
			st.Skipped++
		} else {
			st.Runs++
		}
		s.running[name] = false
		s.mu.Unlock()
		s.saveRecord(e, rec)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if s.Leases != nil {
		h, err := s.Leases.Acquire(ctx, name, rec.RunID)
		if errors.Is(err, ErrBusy) {
			finish("skipped", err)
			s.Logger.Warn("skipped", "spec", name, "reason", err)
			return nil
		}
		if err != nil {
			finish("failed", err)
			return err
		}
		// Renew the lease while the run lasts; a lost lease cancels the run.
		done := make(chan struct{})
		go func() {
			t := time.NewTicker(s.Leases.TTL / 3)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					if err := h.Renew(runCtx); err != nil && runCtx.Err() == nil {
						s.Logger.Warn("lease lost: cancelling the run", "spec", name, "error", err)
						cancel()
						return
					}
				}
			}
		}()
		defer func() {
			close(done)
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err := h.Release(rctx); err != nil {
				s.Logger.Warn("release the lease", "spec", name, "error", err)
			}
			rcancel()
		}()
	}
	err := s.Run(runCtx, e, at)
	switch {
	case err == nil:
		finish("ok", nil)
	case errors.Is(err, context.Canceled):
		finish("cancelled", err)
	default:
		finish("failed", err)
	}
	return err
}

// saveRecord writes the last run record next to the lease (best effort), for hsfan schedule
// status in another process.
func (s *Scheduler) saveRecord(e *Entry, rec *RunRecord) {
	if s.Leases == nil {
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Leases.Store.Put(ctx, s.Leases.Bucket, path.Join(s.Leases.Prefix, e.Spec.Name, "last-run.json"), b, store.PutOptions{}); err != nil {
		s.Logger.Warn("save the run record", "spec", e.Spec.Name, "error", err)
	}
}

// Snapshot is the status of every entry, sorted by name.
func (s *Scheduler) Snapshot() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Status
	for _, st := range s.status {
		c := *st
		if s.cron != nil {
			if id, ok := s.ids[st.Name]; ok {
				e := s.cron.Entry(id)
				next := e.Next
				if next.IsZero() && e.Schedule != nil {
					// The cron loop sets Next when it starts, which can follow a status
					// request made at once: the schedule says the same.
					next = e.Schedule.Next(time.Now())
				}
				if !next.IsZero() {
					c.Next = &next
				}
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LastRun reads the last run record a scheduler saved for name (nil when none).
func (l *Leases) LastRun(ctx context.Context, name string) (*RunRecord, error) {
	data, _, err := l.Store.Get(ctx, l.Bucket, path.Join(l.Prefix, name, "last-run.json"))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	var r RunRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
