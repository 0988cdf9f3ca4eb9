package schedule

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/jobs/spec"
)

func entry(t *testing.T, name, cron string) *Entry {
	t.Helper()
	doc := "name: " + name + "\nkind: reduce\nreduce:\n  op: mean\n  domain: /d.h5\n  dataset: /x\n"
	if cron != "" {
		doc += "schedule:\n  cron: \"" + cron + "\"\n  time_zone: UTC\n"
	}
	s, err := spec.Parse(name+".yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return &Entry{Path: name + ".yaml", Spec: s}
}

func memLeases(t *testing.T) *Leases {
	st, err := store.Open(context.Background(), "mem://", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &Leases{Store: st, Bucket: "hsfan", Prefix: "hsfan-schedule", TTL: time.Second, Owner: "test"}
}

// TestLeaseAcrossSchedulers: two schedulers sharing a store (two processes) never run one spec
// at the same time: the second skips while the first holds the lease, and runs after release.
func TestLeaseAcrossSchedulers(t *testing.T) {
	leases := memLeases(t)
	var running, overlaps atomic.Int32
	started := make(chan struct{})
	release := make(chan struct{})
	slow := func(ctx context.Context, e *Entry, at time.Time) error {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer running.Add(-1)
		close(started)
		<-release
		return nil
	}
	a, err := New([]*Entry{entry(t, "s", "")}, slow, leases, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ran atomic.Int32
	b, _ := New([]*Entry{entry(t, "s", "")}, func(context.Context, *Entry, time.Time) error { ran.Add(1); return nil },
		&Leases{Store: leases.Store, Bucket: "hsfan", Prefix: "hsfan-schedule", TTL: time.Second, Owner: "other"}, nil)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = a.RunOnce(context.Background(), time.Now()) }()
	<-started
	if err := b.RunOnce(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if ran.Load() != 0 || b.Snapshot()[0].Skipped != 1 || !strings.Contains(b.Snapshot()[0].Last.Error, "holds the lease") {
		t.Fatalf("the second scheduler ran while the first held the lease: %+v", b.Snapshot()[0])
	}
	close(release)
	wg.Wait()
	if err := b.RunOnce(context.Background(), time.Now()); err != nil || ran.Load() != 1 {
		t.Fatalf("after release: ran %d, %v", ran.Load(), err)
	}
	if overlaps.Load() != 0 {
		t.Fatal("overlap")
	}
	rec, err := leases.LastRun(context.Background(), "s")
	if err != nil || rec == nil || rec.Result != "ok" {
		t.Fatalf("last run record %+v %v", rec, err)
	}
}

// TestExpiredLeaseIsTaken: a holder that died (its lease expired) does not block the spec.
func TestExpiredLeaseIsTaken(t *testing.T) {
	l := memLeases(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.Now = func() time.Time { return now }
	if _, err := l.Acquire(context.Background(), "s", "r1"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(context.Background(), "s", "r2"); !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	now = now.Add(2 * time.Second)
	if _, err := l.Acquire(context.Background(), "s", "r3"); err != nil {
		t.Fatalf("expired lease not taken: %v", err)
	}
}

// TestServeCronAndStop: Serve runs a spec on its cron schedule (every second), never two runs of
// it at once, and on cancellation cancels the run in progress and returns after it ended.
func TestServeCronAndStop(t *testing.T) {
	var runs, cancelled atomic.Int32
	var running atomic.Int32
	run := func(ctx context.Context, e *Entry, at time.Time) error {
		if running.Add(1) > 1 {
			t.Error("two runs of one spec at once")
		}
		defer running.Add(-1)
		runs.Add(1)
		select {
		case <-ctx.Done():
			cancelled.Add(1)
			return ctx.Err()
		case <-time.After(1500 * time.Millisecond): // longer than the period: the next tick is skipped
			return nil
		}
	}
	s, err := New([]*Entry{entry(t, "tick", "@every 1s")}, run, memLeases(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Serve(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for runs.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for running.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if snap := s.Snapshot(); snap[0].Next == nil || !snap[0].Running {
		t.Errorf("status while running: %+v", snap[0])
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancellation")
	}
	if running.Load() != 0 || cancelled.Load() != 1 {
		t.Fatalf("after Serve returned: %d running, %d cancelled", running.Load(), cancelled.Load())
	}
	if st := s.Snapshot()[0]; st.Last.Result != "cancelled" || st.Skipped == 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestDuplicateNames(t *testing.T) {
	if _, err := New([]*Entry{entry(t, "a", ""), entry(t, "a", "")}, nil, nil, nil); err == nil {
		t.Fatal("two specs of one name accepted")
	}
	s, _ := New([]*Entry{entry(t, "a", "")}, nil, nil, nil)
	if err := s.Serve(context.Background()); err == nil || !strings.Contains(err.Error(), "no schedule") {
		t.Fatalf("a spec without schedule served: %v", err)
	}
}
