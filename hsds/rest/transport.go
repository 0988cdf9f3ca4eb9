package rest

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Transport defaults for `hsfan serve`, chosen for large binary transfers on slow links: a body
// or response may take as long as it needs while it moves at MinTransferRate or faster.
const (
	DefaultReadHeaderTimeout = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultTransferGrace     = 30 * time.Second
	DefaultMinTransferRate   = 32 << 10 // bytes per second
	DefaultMaxConns          = 1024
)

// TransportLimits bounds what one connection can hold of a server: time to send headers, to
// stay idle between requests, to move a body or response, and the number of connections.
// Zero fields take the defaults above; negative durations, rates or counts disable a limit.
type TransportLimits struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle this long between requests.
	IdleTimeout time.Duration
	// TransferGrace is the time a body or response may take beyond what MinTransferRate
	// allows: a request body must arrive by start + TransferGrace + bytes/MinTransferRate, and
	// each response write must finish within TransferGrace + bytes/MinTransferRate.
	TransferGrace time.Duration
	// MinTransferRate is the slowest sustained body or response rate in bytes per second.
	MinTransferRate int64
	// MaxConns bounds the open connections; further clients wait in the listen backlog until
	// one closes.
	MaxConns int
}

func (l TransportLimits) withDefaults() TransportLimits {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.IdleTimeout, DefaultIdleTimeout)
	def(&l.TransferGrace, DefaultTransferGrace)
	if l.MinTransferRate == 0 {
		l.MinTransferRate = DefaultMinTransferRate
	}
	if l.MaxConns == 0 {
		l.MaxConns = DefaultMaxConns
	}
	return l
}

// Listener applies MaxConns to ln (golang.org/x/net/netutil.LimitListener).
func (l TransportLimits) Listener(ln net.Listener) net.Listener {
	l = l.withDefaults()
	if l.MaxConns < 0 {
		return ln
	}
	return netutil.LimitListener(ln, l.MaxConns)
}

// HTTPServer returns an http.Server for h with the header and idle timeouts set and the body
// and response deadlines applied per request (see TransferGrace). Serve it on Listener(ln).
func (l TransportLimits) HTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	l = l.withDefaults()
	hs := &http.Server{Handler: l.deadlines(h)}
	if l.ReadHeaderTimeout > 0 {
		hs.ReadHeaderTimeout = l.ReadHeaderTimeout
	}
	if l.IdleTimeout > 0 {
		hs.IdleTimeout = l.IdleTimeout
	}
	if log != nil {
		hs.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	}
	return hs
}

// deadlines wraps h so that a request body must keep up with MinTransferRate after a grace
// period (the read deadline moves forward as bytes arrive; a stalled or trickling body hits it
// and the connection is closed), and each response write gets a deadline sized to its bytes.
func (l TransportLimits) deadlines(h http.Handler) http.Handler {
	if l.TransferGrace < 0 || l.MinTransferRate < 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		start := time.Now()
		if r.Body != nil && r.Body != http.NoBody {
			_ = rc.SetReadDeadline(start.Add(l.TransferGrace))
			r.Body = &rateBody{ReadCloser: r.Body, rc: rc, start: start, lim: l, want: r.ContentLength}
		}
		// A deadline left by the previous request on this connection must not cut this one.
		_ = rc.SetWriteDeadline(start.Add(l.TransferGrace))
		h.ServeHTTP(&rateWriter{ResponseWriter: w, rc: rc, lim: l}, r)
		// Room for the server to flush what is buffered.
		_ = rc.SetWriteDeadline(time.Now().Add(l.TransferGrace))
	})
}

// allowance is the time n bytes may take at the minimum rate, plus the grace.
func (l TransportLimits) allowance(n int64) time.Duration {
	return l.TransferGrace + time.Duration(float64(n)/float64(l.MinTransferRate)*float64(time.Second))
}

// rateBody moves the connection's read deadline forward as the body arrives.
type rateBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	lim   TransportLimits
	n     int64
	want  int64 // Content-Length, -1 when unknown
	done  bool
}

func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if b.done {
		return n, err
	}
	if err == io.EOF || err == nil && b.n == b.want {
		// The body is in: no deadline while the handler works (the server's background read
		// would otherwise time out and cancel the request).
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
		return n, err
	}
	if err != nil {
		// A broken or timed-out body: the server must not wait to drain the rest of it.
		b.done = true
		_ = b.rc.SetReadDeadline(time.Now())
		return n, err
	}
	_ = b.rc.SetReadDeadline(b.start.Add(b.lim.allowance(b.n)))
	return n, err
}

// rateWriter gives each response write a deadline sized to its bytes.
type rateWriter struct {
	http.ResponseWriter
	rc  *http.ResponseController
	lim TransportLimits
}

func (w *rateWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.lim.allowance(int64(len(p)))))
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *rateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes through to the underlying writer, with a fresh deadline for what is buffered.
func (w *rateWriter) Flush() {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.lim.allowance(64 << 10)))
	_ = w.rc.Flush()
}
