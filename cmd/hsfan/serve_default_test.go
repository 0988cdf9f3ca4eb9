package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the server's logger and the test.
// lockedBuffer: see lambdalocal_test.go.

// TestServeDefaultsReadGenData: what make run writes (hsfan gen with its defaults) is served by
// hsfan serve with its defaults (no password file) to a client without credentials, as h5pyd
// with only HS_ENDPOINT set is; a domain without the "default" ACL answers 403, and serve says
// at start-up which credentials it has.
func TestServeDefaultsReadGenData(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + filepath.Join(dir, "data"), "--bucket", "hsfan"}
	if code, _, errs := run(t, append([]string{"gen", "sst", "--domain", "/shared/sst/mur25.h5", "--days", "1"}, st...)...); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := run(t, append([]string{"gen", "cube", "--domain", "/private.h5", "--shape", "4", "--chunks", "4", "--public-read=false"}, st...)...); code != 0 {
		t.Fatal(errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var logs lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, append([]string{"--addr", "127.0.0.1:0", "--quiet"}, st...), pw, &logs)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.Fields(strings.TrimPrefix(line, "hsfan serve: listening on "))[0]
	get := func(path string, q url.Values) int {
		res, err := http.Get(base + path + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get("/", url.Values{"domain": {"/shared/sst/mur25.h5"}}); code != http.StatusOK {
		t.Errorf("GET the gen domain without credentials: %d, want 200", code)
	}
	if code := get("/", url.Values{"domain": {"/shared/sst/mur25.h5"}, "h5path": {"/analysed_sst"}}); code != http.StatusOK {
		t.Errorf("GET /analysed_sst without credentials: %d, want 200", code)
	}
	if code := get("/", url.Values{"domain": {"/private.h5"}}); code != http.StatusForbidden {
		t.Errorf("GET a --public-read=false domain without credentials: %d, want 403", code)
	}
	if !strings.Contains(logs.String(), "no --password-file") {
		t.Errorf("serve does not explain its credentials at start-up:\n%s", logs.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}
