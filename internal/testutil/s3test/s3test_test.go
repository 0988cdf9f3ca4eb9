package s3test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

func TestStartAndStore(t *testing.T) {
	srv := Start(t)
	if !strings.HasPrefix(srv.Endpoint, "http://127.0.0.1:") || srv.Region != "us-east-1" || srv.SecretKey == "" {
		t.Errorf("server fields %+v", srv)
	}
	srv.CreateBucket(t, "bkt")
	if fi, err := os.Stat(filepath.Join(srv.Root, "bkt")); err != nil || !fi.IsDir() {
		t.Fatalf("bucket dir: %v", err)
	}
	s := srv.Store(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, "bkt", "a/b.json", []byte(`{"x":1}`), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(srv.Root, "bkt", "a", "b.json"))
	if err != nil || string(got) != `{"x":1}` {
		t.Errorf("object file = %q, %v", got, err)
	}
	// Conditional writes work: versitygw runs with xattr metadata.
	if _, err := s.Put(ctx, "bkt", "a/b.json", nil, store.PutOptions{IfNoneMatch: true}); err == nil {
		t.Error("if-none-match on an existing object succeeded")
	}
}

// TestSetEnv reaches the server through the standard AWS configuration chain
// only, as the CLI does with --store s3://.
func TestSetEnv(t *testing.T) {
	srv := Start(t)
	srv.CreateBucket(t, "envbkt")
	t.Setenv("AWS_PROFILE", "some-profile-that-does-not-exist")
	srv.SetEnv(t)
	if _, ok := os.LookupEnv("AWS_PROFILE"); ok {
		t.Error("AWS_PROFILE still set")
	}
	env := strings.Join(srv.Env(), "\n")
	for _, want := range []string{"AWS_ENDPOINT_URL_S3=" + srv.Endpoint, "AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_REGION=us-east-1"} {
		if !strings.Contains(env, want) {
			t.Errorf("Env() lacks %s", want)
		}
	}
	for _, url := range []string{"s3://", "s3://ignored-host:9000"} {
		s, err := store.Open(context.Background(), url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		data := []byte(url)
		if _, err := s.Put(context.Background(), "envbkt", "k", data, store.PutOptions{}); err != nil {
			t.Fatalf("%s: put: %v", url, err)
		}
		got, _, err := s.Get(context.Background(), "envbkt", "k")
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: get = %q, %v", url, got, err)
		}
	}
}

// fakeTB records Skip and Fatal instead of stopping the goroutine.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Skip(args ...any)      { f.skipped = strings.TrimSpace(sprint(args)) }
func (f *fakeTB) Fatal(args ...any)     { f.failed = strings.TrimSpace(sprint(args)) }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = "fatalf" }
func sprint(args []any) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.(string))
	}
	return b.String()
}

func TestBinaryMissing(t *testing.T) {
	t.Chdir(t.TempDir()) // no go.mod above, so no bin/versitygw
	t.Setenv(EnvBinary, "")
	tests := []struct {
		name, require string
		skip, fail    bool
	}{
		{"skips", "", true, false},
		{"fails when required", "1", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvRequire, tc.require)
			f := &fakeTB{TB: t}
			binary(f)
			if (f.skipped != "") != tc.skip || (f.failed != "") != tc.fail {
				t.Errorf("skipped %q, failed %q", f.skipped, f.failed)
			}
			msg := f.skipped + f.failed
			if !strings.Contains(msg, "make tools") || !strings.Contains(msg, EnvBinary) {
				t.Errorf("message %q does not say how to get the binary", msg)
			}
		})
	}
}
