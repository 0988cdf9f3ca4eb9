package hsdspeer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
)

// Request is one HDF REST request.
type Request struct {
	Method, Path string
	// Domain, when not empty, is sent as the domain query parameter.
	Domain string
	Query  url.Values
	// Body is sent as JSON text (so Python's NaN tokens can be sent as they are), or as
	// application/octet-stream when Binary is set; an empty Body sends none.
	Body   []byte
	Binary bool
	// Accept asks for an application/octet-stream answer.
	Accept bool
	// User and Password are the Basic auth credentials; empty User means test_user1:test.
	User, Password string
}

// url returns the request URL on the server at base.
func (r Request) url(base string) string {
	q := url.Values{}
	for k, v := range r.Query {
		q[k] = v
	}
	if r.Domain != "" {
		q.Set("domain", r.Domain)
	}
	u := base + r.Path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// send sends r to base and reads the whole answer.
func send(ctx context.Context, client *http.Client, base string, r Request) (int, []byte, error) {
	var body io.Reader
	if len(r.Body) > 0 {
		body = bytes.NewReader(r.Body)
	}
	u := r.url(base)
	hr, err := http.NewRequestWithContext(ctx, r.Method, u, body)
	if err != nil {
		return 0, nil, err
	}
	user, pass := r.User, r.Password
	if user == "" {
		user, pass = User, Password
	}
	hr.SetBasicAuth(user, pass)
	if len(r.Body) > 0 {
		hr.Header.Set("Content-Type", "application/json")
		if r.Binary {
			hr.Header.Set("Content-Type", "application/octet-stream")
		}
	}
	if r.Accept {
		hr.Header.Set("Accept", "application/octet-stream")
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", r.Method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read the body: %w", r.Method, u, err)
	}
	return resp.StatusCode, b, nil
}

// Do sends r to base (a peer's URL or any HDF REST server, e.g. an httptest server running
// hsfan's REST handler) and returns the status and body; a transport error fails t.
func Do(t testing.TB, client *http.Client, base string, r Request) (int, []byte) {
	t.Helper()
	code, b, err := send(context.Background(), client, base, r)
	if err != nil {
		t.Fatal(err)
	}
	return code, b
}

// do sends r to the peer. A GET answered with a 5xx is sent again, twice at most after a short
// pause: HSDS now and then answers 500 under the load of a whole test run on two cores, while a
// deterministic 5xx stays a 5xx.
func (p *Peer) do(ctx context.Context, r Request) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		code, b, err := send(ctx, p.client, p.URL, r)
		if err != nil || r.Method != http.MethodGet || code < 500 || attempt == 2 {
			return code, b, err
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 300 * time.Millisecond):
		case <-ctx.Done():
			return code, b, err
		}
	}
}

// Do sends r to the peer and returns the status and body (see do for the retry of GETs).
func (p *Peer) Do(t testing.TB, r Request) (int, []byte) {
	t.Helper()
	code, b, err := p.do(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return code, b
}

// MustDo sends one request for domain to the peer, fails t on a status >= 300 and decodes a JSON
// answer into v (when v is not nil). body is nil (none), []byte (binary), a string (JSON text as
// is) or any other value (encoded with encoding/json).
func (p *Peer) MustDo(t testing.TB, method, path, domain string, body, v any) {
	t.Helper()
	r := Request{Method: method, Path: path, Domain: domain}
	switch b := body.(type) {
	case nil:
	case []byte:
		r.Body, r.Binary = b, true
	case string:
		r.Body = []byte(b)
	default:
		jb, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r.Body = jb
	}
	code, out := p.Do(t, r)
	if code >= 300 {
		t.Fatalf("HSDS %s %s (domain %s): %d: %s", method, path, domain, code, tail(out, 500))
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("HSDS %s %s: %v: %s", method, path, err, tail(out, 500))
		}
	}
}

// Flush makes HSDS write every pending object of domain to its storage.
func (p *Peer) Flush(t testing.TB, domain string) {
	t.Helper()
	if code, b := p.Do(t, Request{Method: http.MethodPut, Path: "/", Domain: domain, Body: []byte(`{"flush": 1}`)}); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("HSDS flush %s: %d %s", domain, code, tail(b, 500))
	}
}

// Value reads the whole value of dataset id as HSDS serves it (binary, C order).
func (p *Peer) Value(t testing.TB, domain, id string) []byte {
	t.Helper()
	code, out := p.Do(t, Request{Method: http.MethodGet, Path: "/datasets/" + id + "/value", Domain: domain, Accept: true})
	if code != http.StatusOK {
		t.Fatalf("HSDS GET value of %s: %d: %s", id, code, tail(out, 500))
	}
	return out
}

// Store opens the peer's storage as an hsfan store (bucket Bucket).
func (p *Peer) Store(t testing.TB) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "file://"+p.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}
