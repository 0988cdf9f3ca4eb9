// Package inproc is the embedded invoker: tasks go through the same serialized events and the
// same worker.Handler that AWS Lambda runs, inside this process. It lives apart from package
// worker so that the Lambda binary does not link the fan-out engine.
package inproc

import (
	"context"
	"errors"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/worker"
)

// Invoker runs every task through worker.Handler.Invoke in this process.
type Invoker struct {
	Handler *worker.Handler
	// MemoryMB is the memory size the cost estimate assumes for the equivalent Lambda function.
	MemoryMB int
}

var _ fanout.Invoker = (*Invoker)(nil)

// Invoke runs the handler on payload. Duration is measured, billed duration is rounded up to the
// millisecond as Lambda bills it.
func (p *Invoker) Invoke(ctx context.Context, payload []byte) (fanout.Result, error) {
	start := time.Now()
	out, err := p.Handler.Invoke(ctx, payload)
	d := time.Since(start)
	billed := (d + time.Millisecond - time.Nanosecond).Truncate(time.Millisecond)
	st := fanout.InvokeStats{Duration: d, BilledDuration: billed, MemoryMB: p.MemoryMB}
	if err != nil {
		var we *worker.Error
		if errors.As(err, &we) {
			return fanout.Result{Stats: st}, &fanout.TaskError{Type: we.ErrorType(), Message: we.Error(), Retry: we.Retry}
		}
		return fanout.Result{Stats: st}, err
	}
	return fanout.Result{Payload: out, Stats: st}, nil
}
