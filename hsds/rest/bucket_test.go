package rest

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestInvalidBucketIs400: bucket names the store refuses (a leading '.', as versitygw's
// .vgwlocks; characters outside its set) are refused by the REST layer with the same rule, as
// 400 naming it, on every route that takes a bucket, anonymous or not, and log no error.
func TestInvalidBucketIs400(t *testing.T) {
	var logs syncBuffer
	srv, err := New(Config{Store: store.NewMemory(), Bucket: testBucket, Users: map[string]string{"test_user1": "test"},
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	for _, bucket := range []string{".vgwlocks", "~x", "a b", "a:b", "é", strings.Repeat("b", 256)} {
		for _, target := range []string{
			"/?domain=/home/test_user1/f.h5&bucket=",
			"/?domain=" + "BUCKET/home/test_user1/f.h5",
			"/domains?domain=/home&bucket=",
			"/groups?domain=/home/test_user1/f.h5&bucket=",
		} {
			for _, user := range []string{"", "test_user1"} {
				u := ts.URL + strings.Replace(target, "BUCKET", url.QueryEscape(bucket), 1)
				if strings.HasSuffix(u, "bucket=") {
					u += url.QueryEscape(bucket)
				}
				req, _ := http.NewRequest("GET", u, nil)
				if user != "" {
					req.SetBasicAuth(user, "test")
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body bytes.Buffer
				_, _ = body.ReadFrom(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body.String(), "bucket names are") {
					t.Errorf("GET %s as %q: %d %.200s, want 400 naming the bucket rule", u, user, res.StatusCode, body.String())
				}
			}
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("refused bucket names logged errors:\n%.2000s", logs.String())
	}
}
