package fanout

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOrderedUnderFaults(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run("seed"+string(rune('0'+seed)), func(t *testing.T) {
			var mu sync.Mutex
			rng := rand.New(rand.NewPCG(seed, 0))
			jitter := func(ctx context.Context, tk Task) (Result, error) {
				mu.Lock()
				d := time.Duration(rng.IntN(200)) * time.Microsecond
				mu.Unlock()
				time.Sleep(d)
				return sumInvoke(ctx, tk)
			}
			fi, _ := NewFaultInjector(jitter, Faults{Seed: seed, FailRate: 0.2, LostReplyRate: 0.1})
			tasks := planFor(t, 900, 300)
			var order []int
			onResult, done := Ordered(len(tasks), func(tk Task, _ Result) error {
				order = append(order, tk.Index)
				return nil
			})
			if _, err := Run(context.Background(), tasks, fi.Invoke, Options{Concurrency: 32, Sleep: noSleep, MaxAttempts: 10}, onResult); err != nil {
				t.Fatal(err)
			}
			if !done() || len(order) != len(tasks) {
				t.Fatalf("delivered %d of %d", len(order), len(tasks))
			}
			for i, idx := range order {
				if idx != i {
					t.Fatalf("position %d got task %d", i, idx)
				}
			}
		})
	}
}

func TestOrderedErrors(t *testing.T) {
	onResult, done := Ordered(3, func(Task, Result) error { return nil })
	tests := []struct {
		name string
		task Task
		want string
	}{
		{"first", Task{Index: 2}, ""},
		{"duplicate", Task{Index: 2}, "delivered twice"},
		{"negative", Task{Index: -1}, "outside"},
		{"too large", Task{Index: 3}, "outside"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := onResult(tc.task, Result{})
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if done() {
		t.Fatal("done with tasks 0 and 1 missing")
	}
}
