package awslambda

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"time"
)

// ProbeTimeout bounds Probe's one connection attempt: a service on this machine or the local
// network accepts a connection in far less.
const ProbeTimeout = 2 * time.Second

// Probe opens one TCP connection to the http(s) endpoint (port 80 or 443 when the URL gives
// none) and closes it, so that a caller finds a missing service before a run instead of through
// the invoker's retries. It waits at most ProbeTimeout or until ctx ends. The error names the
// endpoint and wraps the dial error (errors.Is(err, syscall.ECONNREFUSED) when nothing listens).
func Probe(ctx context.Context, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("lambda endpoint %q: want an http:// or https:// URL with a host", endpoint)
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return fmt.Errorf("probe lambda endpoint %s: %w", endpoint, err)
	}
	return c.Close()
}

// refusedOnLoopback reports whether err is a refused connection to a loopback endpoint: nothing
// listens there, and nothing will start listening because of a retry (a Lambda service on this
// machine that stopped), so the invoker does not retry it.
func refusedOnLoopback(err error, endpoint string) bool {
	return IsLoopback(endpoint) && errors.Is(err, syscall.ECONNREFUSED)
}
