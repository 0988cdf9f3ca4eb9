package main

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/rest"
)

// TestCacheInBudget: an explicit chunk cache larger than the in-flight budget it counts in is
// refused naming both flags; a default cache is clamped to half a lowered budget with a log
// line; the defaults (512 MiB in 1 GiB) and an unbounded budget pass unchanged.
func TestCacheInBudget(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cache    int64
		set      bool
		inflight int64
		want     int64
		errWant  string
		logWant  string
	}{
		{"defaults", rest.DefaultChunkCacheBytes, false, rest.DefaultMaxInflightBytes, rest.DefaultChunkCacheBytes, "", ""},
		{"budget 0 means the default", rest.DefaultChunkCacheBytes, false, 0, rest.DefaultChunkCacheBytes, "", ""},
		{"explicit cache over budget", 2000000000, true, 1000000, 0, "--chunk-cache-bytes 2000000000 is larger than --max-inflight-bytes 1000000", ""},
		{"explicit cache over default budget", 2 << 30, true, 0, 0, "--max-inflight-bytes 1073741824", ""},
		{"explicit cache equal to budget", 1000000, true, 1000000, 1000000, "", ""},
		{"no bound", 2000000000, true, -1, 2000000000, "", ""},
		{"default cache, lowered budget", rest.DefaultChunkCacheBytes, false, 12345678, 12345678 / 2, "", "chunk cache clamped"},
		{"no cache", 0, true, 1000, 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			got, err := cacheInBudget(tc.cache, tc.set, tc.inflight, slog.New(slog.NewTextHandler(&logs, nil)))
			if tc.errWant != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errWant) {
					t.Fatalf("err = %v, want %q", err, tc.errWant)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %d, %v; want %d", got, err, tc.want)
			}
			if (tc.logWant == "") != (logs.Len() == 0) || !strings.Contains(logs.String(), tc.logWant) {
				t.Fatalf("log %q, want %q", logs.String(), tc.logWant)
			}
		})
	}
	// Through the command: refused before listening, exit 2.
	code, _, errs := run(t, "serve", "--store", "file://"+filepath.Join(t.TempDir(), "data"), "--bucket", "b", "--addr", "127.0.0.1:0",
		"--chunk-cache-bytes", "2000000000", "--max-inflight-bytes", "1000000")
	if code != 2 || !strings.Contains(errs, "--chunk-cache-bytes 2000000000 is larger than --max-inflight-bytes 1000000") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The help says that a lone request larger than the budget runs.
	code, out, _ := run(t, "serve", "--help")
	if code != 0 || !strings.Contains(out, "A single request larger than the whole budget is not refused") {
		t.Fatalf("serve --help (exit %d) does not say that a lone large request runs:\n%s", code, out)
	}
}
