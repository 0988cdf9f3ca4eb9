package fanout

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestNewFaultInjectorValidates(t *testing.T) {
	tests := []struct {
		name   string
		inner  InvokeFunc
		faults Faults
	}{
		{"nil inner", nil, Faults{}},
		{"negative rate", sumInvoke, Faults{FailRate: -0.1}},
		{"rate above one", sumInvoke, Faults{HangRate: 1.5}},
		{"sum above one", sumInvoke, Faults{FailRate: 0.6, ThrottleRate: 0.6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewFaultInjector(tc.inner, tc.faults); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// trace records the outcome class of each attempt.
func trace(t *testing.T, f Faults, order []int, attempts int) map[string]string {
	t.Helper()
	fi, err := NewFaultInjector(sumInvoke, f)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // hangs return at once
	out := map[string]string{}
	for a := 1; a <= attempts; a++ {
		for _, i := range order {
			_, err := fi.Invoke(ctx, Task{Index: i, First: int64(i), Count: 1})
			var te *TaskError
			var th *ThrottleError
			class := "ok"
			switch {
			case errors.As(err, &th):
				class = "throttle"
			case errors.As(err, &te):
				class = te.Type
			case errors.Is(err, context.Canceled):
				class = "hang"
			case err != nil:
				class = err.Error()
			}
			out[fmt.Sprint(i, "/", a)] = class
		}
	}
	return out
}

func TestFaultInjectorDeterministic(t *testing.T) {
	f := Faults{Seed: 42, FatalRate: 0.05, FailRate: 0.2, ThrottleRate: 0.2, HangRate: 0.1, LostReplyRate: 0.1}
	fwd := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	rev := []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
	a, b := trace(t, f, fwd, 3), trace(t, f, rev, 3)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("faults depend on call order:\n%v\n%v", a, b)
	}
	f.Seed = 43
	if c := trace(t, f, fwd, 3); fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("seed has no effect")
	}
	classes := map[string]int{}
	for _, c := range a {
		classes[c]++
	}
	if len(classes) < 4 {
		t.Fatalf("too few fault kinds over 30 attempts: %v", classes)
	}
}

func TestFaultInjectorRates(t *testing.T) {
	fi, _ := NewFaultInjector(sumInvoke, Faults{Seed: 1, FailRate: 0.25, ThrottleRate: 0.1})
	for i := 0; i < 10000; i++ {
		_, _ = fi.Invoke(context.Background(), Task{Index: i, Count: 1})
	}
	c := fi.Counts()
	if c.Calls != 10000 || c.Failures < 2300 || c.Failures > 2700 || c.Throttles < 850 || c.Throttles > 1150 {
		t.Fatalf("counts %+v", c)
	}
}

func TestFaultInjectorForcedAndSlow(t *testing.T) {
	fi, _ := NewFaultInjector(sumInvoke, Faults{FailTasks: map[int]int{1: 2, 2: -1}, SlowRate: 1, SlowDelay: time.Millisecond})
	ctx := context.Background()
	for a := 1; a <= 4; a++ {
		_, err1 := fi.Invoke(ctx, Task{Index: 1, Count: 1})
		_, err2 := fi.Invoke(ctx, Task{Index: 2, Count: 1})
		if (err1 != nil) != (a <= 2) || err2 == nil || !IsRetryable(err2) {
			t.Fatalf("attempt %d: %v, %v", a, err1, err2)
		}
		res, err := fi.Invoke(ctx, Task{Index: 3, First: 5, Count: 2})
		if err != nil || len(res.Payload) != 8 {
			t.Fatalf("slow attempt: %v", err)
		}
	}
	if fi.Attempts(2) != 4 || fi.Counts().Forced != 6 || fi.Counts().Slow != 6 {
		t.Fatalf("attempts %d counts %+v", fi.Attempts(2), fi.Counts())
	}
	sctx, cancel := context.WithCancel(ctx)
	cancel()
	slow, _ := NewFaultInjector(sumInvoke, Faults{SlowRate: 1, SlowDelay: time.Hour})
	if _, err := slow.Invoke(sctx, Task{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("slow fault ignores cancellation: %v", err)
	}
}
