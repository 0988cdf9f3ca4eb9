package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

const (
	helperRootEnv = "HSFAN_STORE_TEST_HELPER_ROOT"
	helperN       = 4  // goroutines per helper process
	helperEach    = 10 // increments per goroutine
)

// increment adds one to the decimal counter at bucket/key.
func increment(ctx context.Context, s store.Store, bucket, key string) error {
	_, err := store.Update(ctx, s, bucket, key, func(old []byte, exists bool) ([]byte, error) {
		n := 0
		if exists {
			var err error
			if n, err = strconv.Atoi(string(old)); err != nil {
				return nil, fmt.Errorf("counter holds %q", old)
			}
		}
		return []byte(strconv.Itoa(n + 1)), nil
	})
	return err
}

// hammer runs n goroutines that each increment the counter each times.
func hammer(ctx context.Context, s store.Store, bucket string, n, each int) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			for range each {
				if err := increment(ctx, s, bucket, "counter"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// TestHelperProcess is not a test: TestPosixUpdateCrossProcess runs the test
// binary with it selected to get writers in other processes.
func TestHelperProcess(t *testing.T) {
	root := os.Getenv(helperRootEnv)
	if root == "" {
		t.Skip("helper process only")
	}
	s, err := store.NewPosix(root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := hammer(context.Background(), s, "bkt", helperN, helperEach); err != nil {
		t.Fatal(err)
	}
}

// TestPosixUpdateCrossProcess increments one counter from three processes (this one and two helpers)
// at once: flock must exclude across processes, not only goroutines.
func TestPosixUpdateCrossProcess(t *testing.T) {
	s, b := newPosix(t)
	const procs = 2
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperRootEnv+"="+s.Root())
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		outs = append(outs, &out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	localErr := hammer(t.Context(), s, b, helperN, helperEach)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper process: %v\n%s", err, outs[i])
		}
	}
	if localErr != nil {
		t.Fatal(localErr)
	}
	got, _, err := s.Get(t.Context(), b, "counter")
	if want := strconv.Itoa((procs + 1) * helperN * helperEach); err != nil || string(got) != want {
		t.Errorf("counter = %q, %v; want %s", got, err, want)
	}
}

// TestMixedUpdate increments one counter through file:// and through
// versitygw (s3://) over the same directory at once. It passes only because
// the POSIX store takes versitygw's own publish locks.
func TestMixedUpdate(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "bkt")
	s3s := srv.Store(t)
	fs, err := store.NewPosix(srv.Root, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n, each = 8, 15
	var wg sync.WaitGroup
	var errA, errB error
	wg.Go(func() { errA = hammer(t.Context(), s3s, "bkt", n, each) })
	wg.Go(func() { errB = hammer(t.Context(), fs, "bkt", n, each) })
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("s3: %v; posix: %v", errA, errB)
	}
	for name, s := range map[string]store.Store{"s3": s3s, "posix": fs} {
		got, _, err := s.Get(t.Context(), "bkt", "counter")
		if want := strconv.Itoa(2 * n * each); err != nil || string(got) != want {
			t.Errorf("%s: counter = %q, %v; want %s", name, got, err, want)
		}
	}
}
