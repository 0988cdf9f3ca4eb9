package awslambda

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock for the admission controller.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestAdmissionConcurrencyLimit(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	a := newAdmission(3, 100, 10, time.Second, clk.now)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := a.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan struct{})
	go func() {
		if err := a.acquire(ctx); err != nil {
			t.Error(err)
		}
		close(got)
	}()
	waitState(t, a, func(s AdmissionState) bool { return s.Waiting == 1 })
	select {
	case <-got:
		t.Fatal("fourth acquire passed the limit of 3")
	default:
	}
	a.release(outcomeSuccess)
	<-got
	if s := a.state(); s.InFlight != 3 || s.Warm != 3 || s.Window != 3 {
		t.Errorf("state %+v", s)
	}

	t.Run("cancelled waiter leaves the queue", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- a.acquire(cctx) }()
		waitState(t, a, func(s AdmissionState) bool { return s.Waiting == 1 })
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		if s := a.state(); s.Waiting != 0 || s.InFlight != 3 {
			t.Errorf("state %+v", s)
		}
	})
}

func waitState(t *testing.T, a *admission, cond func(AdmissionState) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond(a.state()) {
		if time.Now().After(deadline) {
			t.Fatalf("state %+v never reached", a.state())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAdmissionAIMD(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	a := newAdmission(64, 1000, 100, 200*time.Millisecond, clk.now)
	ctx := context.Background()
	steps := []struct {
		name       string
		outcome    outcome
		advance    time.Duration
		wantWindow float64
	}{
		{"throttle halves", outcomeThrottled, 0, 32},
		{"second throttle in the interval is ignored", outcomeThrottled, 100 * time.Millisecond, 32},
		{"throttle after the interval halves", outcomeThrottled, 200 * time.Millisecond, 16},
		{"success adds 1/window", outcomeSuccess, 0, 16 + 1.0/16},
		{"cancelled attempt changes nothing", outcomeNone, 0, 16 + 1.0/16},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clk.add(st.advance)
			if err := a.acquire(ctx); err != nil {
				t.Fatal(err)
			}
			a.release(st.outcome)
			if w := a.state().Window; w != st.wantWindow {
				t.Errorf("window %v, want %v", w, st.wantWindow)
			}
		})
	}
	t.Run("floor of 1 and growth back to the cap", func(t *testing.T) {
		for i := 0; i < 10; i++ {
			clk.add(time.Second)
			a.acquire(ctx)
			a.release(outcomeThrottled)
		}
		if w := a.state().Window; w != 1 {
			t.Fatalf("window %v, want 1", w)
		}
		n := 0
		for a.state().Window < 64 {
			a.acquire(ctx)
			a.release(outcomeSuccess)
			n++
		}
		// About window^2/2 successes to grow from 1 to 64.
		if n < 1500 || n > 2500 {
			t.Errorf("%d successes to grow back, want about 2000", n)
		}
	})
}

func TestTokenBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := tokenBucket{rate: 100, burst: 3}
	steps := []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, 0}, {0, 0}, {0, 0}, // the burst of 3
		{0, 10 * time.Millisecond},                     // 1 token short at 100/s
		{0, 20 * time.Millisecond},                     // 2 short
		{50 * time.Millisecond, 0},                     // +5 tokens, capped at 3
		{50 * time.Millisecond, 0},                     //
		{50 * time.Millisecond, 0},                     // empty again
		{60 * time.Millisecond, 0},                     // +1
		{60 * time.Millisecond, 10 * time.Millisecond}, // 1 short
	}
	for i, st := range steps {
		if got := b.reserve(t0.Add(st.at)); (got - st.want).Abs() > time.Microsecond {
			t.Errorf("step %d: wait %s, want %s", i, got, st.want)
		}
	}
}

func TestAdmissionScaleRate(t *testing.T) {
	// 5 environments at once, then 1 per 20 ms: the 8th concurrent
	// invocation waits for 3 refills.
	a := newAdmission(100, 5, 50, time.Second, time.Now)
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < 8; i++ {
		if err := a.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Errorf("8 new environments admitted in %s, want >= 60 ms of token waits", el)
	}
	if s := a.state(); s.Warm != 8 {
		t.Errorf("warm %d, want 8", s.Warm)
	}
	// Warm environments are reused without tokens.
	for i := 0; i < 8; i++ {
		a.release(outcomeSuccess)
	}
	start = time.Now()
	for i := 0; i < 8; i++ {
		a.acquire(ctx)
	}
	if el := time.Since(start); el > 150*time.Millisecond { // 8 token waits would take 160 ms
		t.Errorf("re-admitting 8 warm invocations took %s", el)
	}
	// A throttle forgets environments beyond those in use.
	a.release(outcomeThrottled)
	if s := a.state(); s.Warm != 7 {
		t.Errorf("warm after throttle %d, want 7", s.Warm)
	}
}
