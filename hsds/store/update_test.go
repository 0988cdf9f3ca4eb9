package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/hsfan/hsfan/hsds/store"
)

// conflicting is a store whose conditional puts always lose a race.
type conflicting struct {
	store.Store
	puts atomic.Int64
}

func (c *conflicting) Put(ctx context.Context, bucket, key string, data []byte, opts store.PutOptions) (store.ObjectInfo, error) {
	c.puts.Add(1)
	return store.ObjectInfo{}, fmt.Errorf("put %s: %w", key, store.ErrPreconditionFailed)
}

func TestUpdateGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &conflicting{Store: store.NewMemory()}
		start := time.Now()
		_, err := store.Update(context.Background(), s, "bkt", "k", func([]byte, bool) ([]byte, error) { return []byte("x"), nil })
		if !errors.Is(err, store.ErrPreconditionFailed) || !strings.Contains(err.Error(), "gave up after 100") {
			t.Errorf("err = %v", err)
		}
		if n := s.puts.Load(); n != 100 {
			t.Errorf("%d puts, want 100", n)
		}
		// Backoff grows to its cap: about 100 * 48ms on average, well over 1s.
		if d := time.Since(start); d < time.Second || d > 10*time.Second {
			t.Errorf("gave up after %v of backoff", d)
		}
	})
}

func TestUpdateCanceledDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &conflicting{Store: store.NewMemory()}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := store.Update(ctx, s, "bkt", "k", func([]byte, bool) ([]byte, error) { return []byte("x"), nil })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want deadline exceeded", err)
		}
		if n := s.puts.Load(); n < 2 || n > 20 {
			t.Errorf("%d puts before the deadline", n)
		}
	})
}

// TestUpdatePassesPreconditions checks the put options Update uses.
func TestUpdatePassesPreconditions(t *testing.T) {
	m := store.NewMemory()
	var seen []store.PutOptions
	rec := recorder{Store: m, seen: &seen}
	ctx := context.Background()
	for range 2 {
		if _, err := store.Update(ctx, rec, "bkt", "k", func(old []byte, _ bool) ([]byte, error) { return append(old, 'x'), nil }); err != nil {
			t.Fatal(err)
		}
	}
	want := []store.PutOptions{{IfNoneMatch: true}, {IfMatch: store.ETagOf([]byte("x"))}}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("put options %+v, want %+v", seen, want)
	}
}

type recorder struct {
	store.Store
	seen *[]store.PutOptions
}

func (r recorder) Put(ctx context.Context, bucket, key string, data []byte, opts store.PutOptions) (store.ObjectInfo, error) {
	*r.seen = append(*r.seen, opts)
	return r.Store.Put(ctx, bucket, key, data, opts)
}

func TestS3ClientConfig(t *testing.T) {
	tests := []struct {
		name      string
		opts      store.Options
		env       map[string]string
		wantPath  bool
		wantConns int
		wantTries int
		region    string
	}{
		{"defaults", store.Options{}, nil, false, 512, 5, "us-east-1"},
		{"endpoint option", store.Options{Endpoint: "http://127.0.0.1:1", MaxAttempts: 3, MaxConns: 900}, nil, true, 900, 3, "us-east-1"},
		{"endpoint env", store.Options{}, map[string]string{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1", "AWS_REGION": "eu-west-1"}, true, 512, 5, "eu-west-1"},
		{"path style option", store.Options{PathStyle: true, Region: "ap-south-1"}, nil, true, 512, 5, "ap-south-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"} {
				t.Setenv(k, tc.env[k])
			}
			t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
			tc.opts.Credentials = credentials.NewStaticCredentialsProvider("k", "s", "")
			s, err := store.NewS3(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			o := s.Client().Options()
			if o.UsePathStyle != tc.wantPath || o.Region != tc.region || o.Retryer.MaxAttempts() != tc.wantTries {
				t.Errorf("path style %v region %q attempts %d; want %v %q %d",
					o.UsePathStyle, o.Region, o.Retryer.MaxAttempts(), tc.wantPath, tc.region, tc.wantTries)
			}
			bc, ok := o.HTTPClient.(*awshttp.BuildableClient)
			if !ok {
				t.Fatalf("http client is %T", o.HTTPClient)
			}
			if tr := bc.GetTransport(); tr.MaxConnsPerHost != tc.wantConns || tr.MaxIdleConnsPerHost != tc.wantConns {
				t.Errorf("transport conns %d idle %d, want %d", tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost, tc.wantConns)
			}
		})
	}
}
