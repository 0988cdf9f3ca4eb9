package locallambda

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Outcome kinds of an invocation.
const (
	kindOK       = "ok"
	kindError    = "error"    // the function reported an error
	kindTimeout  = "timeout"  // the invocation exceeded the timeout
	kindCrash    = "crash"    // the process exited during the invocation
	kindInjected = "injected" // fault injection answered a failure
	kindTooLarge = "too_large"
	kindInit     = "init_error" // the sandbox failed to initialise
	kindClosed   = "closed"     // the service closed
	kindLost     = "lost"       // a warm sandbox exited before taking the invocation
)

// outcome is the result of one invocation on a sandbox.
type outcome struct {
	kind     string
	payload  []byte // success payload
	errBody  []byte // function error JSON
	errType  string // for REPORT and stats
	cold     bool
	initDur  time.Duration
	duration time.Duration
	maxMemMB int
	log      []byte // the invocation's log, START to REPORT
	healthy  bool   // the sandbox may be reused
}

// functionError reports whether the outcome is a function error
// (X-Amz-Function-Error: Unhandled).
func (o *outcome) functionError() bool { return o.kind != kindOK }

// secs formats a timeout as Lambda's messages do ("3.00").
func secs(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }

// run executes inv on sb, which the caller holds. It never blocks beyond
// the init timeout plus the function timeout.
func (s *Service) run(sb *sandbox, inv *invocation, draw faultDraw) outcome {
	f := sb.fn
	o := outcome{cold: !sb.used}
	sb.used = true

	if o.cold {
		initTimer := time.NewTimer(f.cfg.InitTimeout)
		select {
		case <-sb.ready:
			initTimer.Stop()
			o.initDur = sb.readyAt.Sub(sb.started)
		case body := <-sb.initErr:
			initTimer.Stop()
			o.initDur = time.Since(sb.started)
			return s.finish(sb, inv, o, kindInit, nil, body, "Runtime.InitError")
		case <-sb.exited:
			initTimer.Stop()
			o.initDur = time.Since(sb.started)
			return s.finish(sb, inv, o, kindInit, nil,
				errorJSON("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.id, sb.exitMessage())),
				"Runtime.ExitError")
		case <-initTimer.C:
			o.initDur = f.cfg.InitTimeout
			sb.kill()
			return s.finish(sb, inv, o, kindInit, nil,
				errorJSON("Runtime.InitTimeout", fmt.Sprintf("RequestId: %s Error: Init timed out after %s seconds", inv.id, secs(f.cfg.InitTimeout))),
				"Runtime.InitTimeout")
		case <-s.ctx.Done():
			return s.finish(sb, inv, o, kindClosed, nil, errorJSON("ServiceException", "service closed"), "ServiceException")
		}
	}

	start := time.Now()
	_, _ = sb.log.Write([]byte(startLine(inv.id)))
	// The runtime sees the deadline rounded up to the millisecond; an
	// answer that arrives at or after start+Timeout is a timeout.
	inv.deadline = start.Add(f.cfg.Timeout + time.Millisecond - 1).Truncate(time.Millisecond)
	timer := time.NewTimer(f.cfg.Timeout)
	defer timer.Stop()
	elapsed := func() time.Duration { return time.Since(start) }
	timedOut := func() outcome {
		o.duration = f.cfg.Timeout
		_, _ = sb.log.Write([]byte(fmt.Sprintf("%s %s Task timed out after %s seconds\n",
			time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, secs(f.cfg.Timeout))))
		o.maxMemMB = maxMemoryMB(sb.cmd.Process.Pid)
		sb.kill()
		return s.finish(sb, inv, o, kindTimeout, nil,
			errorJSON("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %s seconds", inv.id, secs(f.cfg.Timeout))),
			"Sandbox.Timedout")
	}
	crashed := func() outcome {
		o.duration = elapsed()
		return s.finish(sb, inv, o, kindCrash, nil,
			errorJSON("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.id, sb.exitMessage())),
			"Runtime.ExitError")
	}

	if d := s.cfg.Faults.Delay; d > 0 {
		dt := time.NewTimer(d)
		select {
		case <-dt.C:
		case <-timer.C:
			dt.Stop()
			return timedOut()
		case <-s.ctx.Done():
			dt.Stop()
			return s.finish(sb, inv, o, kindClosed, nil, errorJSON("ServiceException", "service closed"), "ServiceException")
		}
	}
	if draw.fail {
		o.duration = elapsed()
		o.healthy = true
		return s.finish(sb, inv, o, kindInjected, nil,
			errorJSON("InjectedFailure", "hsfan lambda-local: injected failure"), "InjectedFailure")
	}

	select {
	case sb.next <- inv:
	case <-sb.exited:
		if !o.cold {
			return outcome{kind: kindLost}
		}
		return crashed()
	case <-timer.C:
		return timedOut()
	case <-s.ctx.Done():
		return s.finish(sb, inv, o, kindClosed, nil, errorJSON("ServiceException", "service closed"), "ServiceException")
	}
	if draw.crash {
		sb.kill()
	}

	select {
	case r := <-inv.done:
		if d := elapsed(); d < f.cfg.Timeout {
			return s.answered(sb, inv, o, r, d)
		}
		return timedOut()
	case <-sb.exited:
		select { // an answer posted just before the exit wins
		case r := <-inv.done:
			return s.answered(sb, inv, o, r, elapsed())
		default:
		}
		return crashed()
	case <-timer.C:
		return timedOut()
	case <-s.ctx.Done():
		return s.finish(sb, inv, o, kindClosed, nil, errorJSON("ServiceException", "service closed"), "ServiceException")
	}
}

// answered turns the runtime's answer into an outcome.
func (s *Service) answered(sb *sandbox, inv *invocation, o outcome, r runtimeResult, d time.Duration) outcome {
	o.duration = d
	o.healthy = true
	switch {
	case r.tooLarge:
		return s.finish(sb, inv, o, kindTooLarge, nil,
			errorJSON("Function.ResponseSizeTooLarge", fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxSyncPayload+100)),
			"Function.ResponseSizeTooLarge")
	case r.errBody != nil:
		return s.finish(sb, inv, o, kindError, nil, r.errBody, errorTypeOf(r.errBody))
	default:
		return s.finish(sb, inv, o, kindOK, r.payload, nil, "")
	}
}

// finish completes the outcome: log tail with END and REPORT, stats and
// the invocation's log line.
func (s *Service) finish(sb *sandbox, inv *invocation, o outcome, kind string, payload, errBody []byte, errType string) outcome {
	o.kind = kind
	o.payload = payload
	o.errBody = errBody
	o.errType = errType
	if !sb.dead() {
		o.maxMemMB = maxMemoryMB(sb.cmd.Process.Pid)
	}
	sb.syncOutput()
	rep := report{
		requestID: inv.id,
		duration:  o.duration,
		billed:    billedDuration(o.duration, o.initDur),
		memoryMB:  sb.fn.cfg.MemoryMB,
		maxUsedMB: o.maxMemMB,
		initDur:   o.initDur,
		coldStart: o.cold,
	}
	switch kind {
	case kindOK:
	case kindTimeout:
		rep.status = "timeout"
	default:
		rep.status = "error"
		rep.errorType = errType
	}
	_, _ = sb.log.Write([]byte(endLine(inv.id) + rep.String()))
	o.log = sb.log.take()
	sb.fn.stats.record(&o)
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "invoke",
		slog.String(keyFunction, sb.fn.name),
		slog.String(keyRequestID, inv.id),
		slog.String(keyOutcome, kind),
		slog.String(keyErrorType, errType),
		slog.Bool(keyCold, o.cold),
		slog.Duration(keyInit, o.initDur),
		slog.Duration(keyDuration, o.duration),
		slog.Int(keyPayloadBytes, len(payload)),
	)
	return o
}

// Log attribute keys.
const (
	keyFunction     = "function"
	keyRequestID    = "request_id"
	keyOutcome      = "outcome"
	keyErrorType    = "error_type"
	keyCold         = "cold_start"
	keyInit         = "init_duration"
	keyDuration     = "duration"
	keyPayloadBytes = "payload_bytes"
	keyStatus       = "status"
	keyInvocation   = "invocation_type"
)
