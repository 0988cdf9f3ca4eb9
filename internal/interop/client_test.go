package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// client sends HDF REST requests to one server with Basic auth, at most cap(sem) at a time.
type client struct {
	base       string
	user, pass string
	sem        chan struct{}
	http       *http.Client
	retry      bool // retry GETs answered with a 5xx
}

func newClient(base, user, pass string, concurrency int) *client {
	return &client{base: base, user: user, pass: pass, sem: make(chan struct{}, concurrency),
		http: &http.Client{Timeout: 120 * time.Second}}
}

// as returns a client for the same server with other credentials (user "" sends none).
func (c *client) as(user, pass string) *client {
	cc := *c
	cc.user, cc.pass = user, pass
	return &cc
}

// request is one HDF REST request.
type request struct {
	method string
	path   string     // e.g. /datasets/d-.../value
	query  url.Values // domain, select, ...
	body   []byte
	// binary sends the body as application/octet-stream (JSON otherwise, when there is one).
	binary bool
	// accept asks for an octet-stream response.
	accept bool
	// unbounded requests wait rather than work (flush) and do not count against the bound.
	unbounded bool
}

// response is a server's answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) String() string {
	b := r.body
	if len(b) > 400 {
		b = append(b[:400:400], "..."...)
	}
	return fmt.Sprintf("%d %q", r.status, b)
}

// retries5xx counts GETs to HSDS retried after a 5xx (TestMain reports it).
var retries5xx atomic.Int64

// do sends req and reads the whole answer. A GET that gets a 5xx from a client with retry set
// (the HSDS peer, which now and then answers 500 under the load of the whole suite on two
// cores) is sent again, twice at most: a deterministic 5xx stays a 5xx.
func (c *client) do(ctx context.Context, req request) (*response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.do1(ctx, req)
		if err != nil || !c.retry || req.method != "GET" || resp.status < 500 || attempt == 2 {
			return resp, err
		}
		retries5xx.Add(1)
		select {
		case <-time.After(time.Duration(attempt+1) * 300 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *client) do1(ctx context.Context, req request) (*response, error) {
	if !req.unbounded {
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		defer func() { <-c.sem }()
	}
	u := c.base + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, body)
	if err != nil {
		return nil, err
	}
	if c.user != "" {
		hr.SetBasicAuth(c.user, c.pass)
	}
	if req.body != nil {
		if req.binary {
			hr.Header.Set("Content-Type", "application/octet-stream")
		} else {
			hr.Header.Set("Content-Type", "application/json")
		}
	}
	if req.accept {
		hr.Header.Set("Accept", "application/octet-stream")
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", req.method, u, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// must sends req and fails unless the status is one of want.
func (c *client) must(ctx context.Context, ck checker, req request, want ...int) *response {
	ck.Helper()
	resp, err := c.do(ctx, req)
	if err != nil {
		ck.Fatalf("%v", err)
	}
	for _, w := range want {
		if resp.status == w {
			return resp
		}
	}
	ck.Fatalf("%s %s %s: got %s, want status %v", c.base, req.method, req.path+"?"+req.query.Encode(), resp, want)
	return nil
}

// dq is the query naming a domain.
func dq(domain string, kv ...string) url.Values {
	q := url.Values{"domain": {domain}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// jsonBody marshals v (a string is taken as JSON text, so that NaN tokens can be sent).
func jsonBody(v any) []byte {
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// hsdsDomain creates a domain through c (HSDS or hsfan serve) and returns its root group id.
func createDomain(ctx context.Context, ck checker, c *client, domain string) string {
	ck.Helper()
	resp := c.must(ctx, ck, request{method: "PUT", path: "/", query: dq(domain)}, 201)
	var d struct{ Root string }
	if err := json.Unmarshal(resp.body, &d); err != nil || d.Root == "" {
		ck.Fatalf("PUT domain %s: no root in %s", domain, resp)
	}
	return d.Root
}

// flush asks the server to write everything of domain to storage (HSDS: PUT /?domain=D
// {"flush": 1} -> 204).
func flush(ctx context.Context, ck checker, c *client, domain string) {
	ck.Helper()
	// HSDS's flush polls its dirty list every second (group_dn.py, flush_sleep_interval): a
	// flush waits rather than works.
	c.must(ctx, ck, request{method: "PUT", path: "/", query: dq(domain), body: []byte(`{"flush": 1}`), unbounded: true}, 204, 200)
}

// domainName turns a case name into a domain path under /home/test_user1.
func domainName(prefix, name string) string {
	r := strings.NewReplacer("/", ".", " ", "_", "+", "p", "=", "", ",", ".", "[", "", "]", "", ":", "")
	return home + "/" + prefix + "-" + r.Replace(name) + ".h5"
}
