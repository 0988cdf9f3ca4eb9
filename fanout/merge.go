package fanout

import "fmt"

// Ordered adapts a merge function for [Run] so that it sees results in plan
// order (Task.Index 0, 1, ..., n-1) whatever the completion order: results
// that arrive early are buffered until their predecessors are in. Use it
// when the merge is not exactly associative and commutative (floating-point
// sums), so that the output is bit-identical for any concurrency, retries
// or duplicates. The buffer holds at most the results that overtook a
// straggler. Like Run's callback, the returned function is not safe for
// concurrent use. A duplicate or out-of-range index is an error.
//
// Done reports whether all n results were delivered.
func Ordered(n int, merge func(Task, Result) error) (onResult func(Task, Result) error, done func() bool) {
	type item struct {
		t Task
		r Result
	}
	pending := make(map[int]item)
	seen := make([]bool, n)
	next := 0
	onResult = func(t Task, r Result) error {
		if t.Index < 0 || t.Index >= n {
			return fmt.Errorf("ordered merge: task index %d outside 0..%d", t.Index, n-1)
		}
		if seen[t.Index] {
			return fmt.Errorf("ordered merge: task %d delivered twice", t.Index)
		}
		seen[t.Index] = true
		pending[t.Index] = item{t, r}
		for {
			it, ok := pending[next]
			if !ok {
				return nil
			}
			delete(pending, next)
			if err := merge(it.t, it.r); err != nil {
				return fmt.Errorf("merge task %d: %w", it.t.Index, err)
			}
			next++
		}
	}
	return onResult, func() bool { return next == n }
}
