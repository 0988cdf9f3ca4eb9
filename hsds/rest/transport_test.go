package rest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// serveLimits serves h with lim on a loopback port and returns its address.
func serveLimits(t *testing.T, lim TransportLimits, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := lim.HTTPServer(h, nil)
	go func() { _ = hs.Serve(lim.Listener(ln)) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// bodyEcho answers 200 with the body's length, or 400 when reading it fails.
var bodyEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprint(w, len(b))
})

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// closedWithin reports whether the server ends the connection (a response then EOF, or EOF,
// or a reset) before d passes; it reads and discards what arrives.
func closedWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestTransportLimits: bodies that trickle below the minimum rate or stall are cut off, idle
// and silent connections are closed, full-speed large bodies and responses pass, and a client
// that stops reading its response frees the handler.
func TestTransportLimits(t *testing.T) {
	lim := TransportLimits{ReadHeaderTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond,
		TransferGrace: 300 * time.Millisecond, MinTransferRate: 100 << 10, MaxConns: 64}
	addr := serveLimits(t, lim, bodyEcho)

	t.Run("slowloris body", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprintf(c, "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
		start := time.Now()
		cut := make(chan time.Duration, 1)
		go func() {
			for i := 0; i < 100; i++ { // 10 bytes/s, far below the rate
				if _, err := c.Write([]byte("1")); err != nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		go func() {
			closedWithin(c, 10*time.Second)
			cut <- time.Since(start)
		}()
		if d := <-cut; d > 5*time.Second {
			t.Fatalf("a trickling body held its connection %v", d)
		}
	})
	t.Run("stalled chunked body", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprintf(c, "PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
		if !closedWithin(c, 5*time.Second) {
			t.Fatal("a stalled chunked body held its connection for 5 s")
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET: %v %v", res, err)
		}
		if !closedWithin(c, 5*time.Second) {
			t.Fatal("an idle keep-alive connection stayed open for 5 s")
		}
	})
	t.Run("silent connection", func(t *testing.T) {
		if !closedWithin(dial(t, addr), 5*time.Second) {
			t.Fatal("a connection that sends nothing stayed open for 5 s")
		}
	})
	t.Run("full-speed large body", func(t *testing.T) {
		body := bytes.Repeat([]byte("x"), 8<<20)
		res, err := http.Post("http://"+addr+"/", "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(b) != fmt.Sprint(len(body)) {
			t.Fatalf("8 MiB body: %d %s", res.StatusCode, b)
		}
	})
}

// TestTransportWriteDeadline: a client that stops reading a large response does not hold the
// handler: its writes fail within the grace once the socket buffers fill.
func TestTransportWriteDeadline(t *testing.T) {
	lim := TransportLimits{TransferGrace: 300 * time.Millisecond, MinTransferRate: 1 << 20}
	failed := make(chan error, 1)
	addr := serveLimits(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("y"), 64<<10)
		for i := 0; i < 4096; i++ { // 256 MiB
			if _, err := w.Write(chunk); err != nil {
				failed <- err
				return
			}
		}
		failed <- nil
	}))
	c := dial(t, addr)
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case err := <-failed:
		if err == nil {
			t.Fatal("256 MiB written to a client that reads nothing")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler was still writing to a client that reads nothing after 10 s")
	}
}

// TestTransportConnLimit: with MaxConns connections open, the next client waits (it is not
// served), and is served as soon as one of them goes.
func TestTransportConnLimit(t *testing.T) {
	lim := TransportLimits{ReadHeaderTimeout: time.Minute, IdleTimeout: time.Minute, MaxConns: 2}
	addr := serveLimits(t, lim, bodyEcho)
	first := dial(t, addr)
	dial(t, addr)
	time.Sleep(100 * time.Millisecond) // both accepted
	c := dial(t, addr)
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := http.ReadResponse(br, nil); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a third client was answered past the 2-connection limit (err %v)", err)
	}
	first.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after a connection went, the waiting client got %v, %v", res, err)
	}
}
