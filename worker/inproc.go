package worker

import (
	"context"
	"errors"
	"time"

	"github.com/hsfan/hsfan/coordinator"
)

// InProcess is the embedded invoker: every task goes through the same serialized event and the
// same Handler.Invoke that Lambda runs, inside this process.
type InProcess struct {
	Handler *Handler
	// MemoryMB is the memory size the cost estimate assumes for the equivalent Lambda function.
	MemoryMB int
}

var _ coordinator.Invoker = (*InProcess)(nil)

// Invoke runs the handler on payload. Duration is measured, billed duration is rounded up to the
// millisecond as Lambda bills it.
func (p *InProcess) Invoke(ctx context.Context, payload []byte) (coordinator.Result, error) {
	start := time.Now()
	out, err := p.Handler.Invoke(ctx, payload)
	d := time.Since(start)
	billed := (d + time.Millisecond - time.Nanosecond).Truncate(time.Millisecond)
	st := coordinator.InvokeStats{Duration: d, BilledDuration: billed, MemoryMB: p.MemoryMB}
	if err != nil {
		var we *Error
		if errors.As(err, &we) {
			return coordinator.Result{Stats: st}, &coordinator.TaskError{Type: we.ErrorType(), Message: we.Error(), Retry: we.Retry}
		}
		return coordinator.Result{Stats: st}, err
	}
	return coordinator.Result{Payload: out, Stats: st}, nil
}
