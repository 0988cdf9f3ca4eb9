package store_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/hsfan/hsfan/hsds/store"
)

// TestS3ConnectionPool sends bursts of 64 concurrent GETs to a slow fake S3
// endpoint. With the pool sized by Options.MaxConns, later bursts reuse the
// first burst's connections; the SDK's default of 10 idle connections per host
// would open about 54 new ones per burst.
func TestS3ConnectionPool(t *testing.T) {
	var newConns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("ETag", `"`+store.ETagOf([]byte("chunk"))+`"`)
		w.Header().Set("Content-Length", "5")
		_, _ = w.Write([]byte("chunk"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	s, err := store.NewS3(context.Background(), store.Options{Endpoint: srv.URL, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
	if err != nil {
		t.Fatal(err)
	}
	const burst, rounds = 64, 3
	for range rounds {
		var wg sync.WaitGroup
		for range burst {
			wg.Go(func() {
				data, info, err := s.Get(t.Context(), "bkt", "k")
				if err != nil || string(data) != "chunk" || info.ETag != store.ETagOf([]byte("chunk")) {
					t.Errorf("get = %q, %+v, %v", data, info, err)
				}
			})
		}
		wg.Wait()
	}
	if n := newConns.Load(); n > burst+burst/4 {
		t.Errorf("%d rounds of %d concurrent gets opened %d connections, want about %d", rounds, burst, n, burst)
	} else {
		t.Logf("%d rounds of %d concurrent gets opened %d connections", rounds, burst, n)
	}
}
