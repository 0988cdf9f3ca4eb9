package store

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestS3ConditionalPutWithoutAnswer is a contract test of a conditional PUT that gets no answer:
// the local endpoint drops the connection on every conditional PUT (as versitygw does when it
// answers a failed condition with 412 while the body is still being sent) and answers HEAD with
// the object's current ETag. What the object then holds decides: our data -> success; another
// object than the condition named -> ErrPreconditionFailed (so Update reads again), never a
// transport error that the REST layer would answer with 500.
func TestS3ConditionalPutWithoutAnswer(t *testing.T) {
	data := []byte("the new chunk")
	for _, tc := range []struct {
		name    string
		current string // ETag the HEAD answers; "" -> 404
		opts    PutOptions
		wantErr error // nil: success
	}{
		{"landed", ETagOf(data), PutOptions{IfMatch: "aaaa"}, nil},
		{"other writer won", ETagOf([]byte("someone else")), PutOptions{IfMatch: "aaaa"}, ErrPreconditionFailed},
		{"deleted meanwhile", "", PutOptions{IfMatch: "aaaa"}, ErrPreconditionFailed},
		{"create lost the race", ETagOf([]byte("someone else")), PutOptions{IfNoneMatch: true}, ErrPreconditionFailed},
		{"create landed", ETagOf(data), PutOptions{IfNoneMatch: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			puts := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.Method {
				case http.MethodPut:
					mu.Lock()
					puts++
					mu.Unlock()
					hj, _ := w.(http.Hijacker)
					conn, _, err := hj.Hijack()
					if err == nil {
						_ = conn.Close()
					}
				case http.MethodHead:
					if tc.current == "" {
						w.WriteHeader(http.StatusNotFound)
						return
					}
					w.Header().Set("ETag", `"`+tc.current+`"`)
					w.Header().Set("Content-Length", "13")
					w.WriteHeader(http.StatusOK)
				default:
					w.WriteHeader(http.StatusNotImplemented)
				}
			}))
			defer srv.Close()
			ctx := context.Background()
			s, err := NewS3(ctx, Options{Endpoint: srv.URL, Region: "us-east-1", MaxAttempts: 2,
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: "k", SecretAccessKey: "s"}, nil
				})})
			if err != nil {
				t.Fatal(err)
			}
			info, err := s.Put(ctx, "b", "k", data, tc.opts)
			switch {
			case tc.wantErr == nil && (err != nil || info.ETag != ETagOf(data)):
				t.Fatalf("put: %+v, %v; want success with our ETag", info, err)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("put: %v; want %v", err, tc.wantErr)
			}
			if puts == 0 {
				t.Fatal("the endpoint saw no PUT")
			}
		})
	}
}
