package store_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
)

// TestPosixVersion: a version token stays while the object is untouched and changes with every
// kind of change a writer on the same directory makes: a replacement by rename (hsfan's Put),
// an in-place rewrite of the same size at once (HSDS's put_object), a rewrite of another size;
// a deleted object, a directory and a symbolic link are not objects.
func TestPosixVersion(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := store.NewPosix(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "b", "k", "12345678")
	file := filepath.Join(dir, "b", "k")
	data, v0, err := s.GetVersion(ctx, "b", "k")
	if err != nil || string(data) != "12345678" {
		t.Fatalf("GetVersion: %q, %v", data, err)
	}
	if v, err := s.Version(ctx, "b", "k"); err != nil || v != v0 {
		t.Fatalf("untouched: version %q, %v; want %q", v, err, v0)
	}
	seen := map[string]string{v0: "first put"}
	changes := []struct {
		name string
		do   func() error
	}{
		{"put again, same bytes (rename)", func() error { _, err := s.Put(ctx, "b", "k", []byte("12345678"), store.PutOptions{}); return err }},
		{"in place, same size", func() error { return os.WriteFile(file, []byte("abcdefgh"), 0o644) }},
		{"in place, same size, at once", func() error { return os.WriteFile(file, []byte("ABCDEFGH"), 0o644) }},
		{"in place, other size", func() error { return os.WriteFile(file, []byte("abc"), 0o644) }},
	}
	for _, c := range changes {
		if _, err := s.Version(ctx, "b", "k"); err != nil { // the stat a cache validation makes
			t.Fatal(err)
		}
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		v, err := s.Version(ctx, "b", "k")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if prev, dup := seen[v]; dup {
			t.Errorf("%s: version %q is the one after %s", c.name, v, prev)
		}
		seen[v] = c.name
		if _, gv, err := s.GetVersion(ctx, "b", "k"); err != nil || gv != v {
			t.Errorf("%s: GetVersion version %q, %v; Version %q", c.name, gv, err, v)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "b", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, filepath.Join(dir, "b", "link")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "b", "k"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"k", "sub", "link", "missing/x"} {
		if _, err := s.Version(ctx, "b", key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Version of %s: %v, want ErrNotFound", key, err)
		}
		if _, _, err := s.GetVersion(ctx, "b", key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetVersion of %s: %v, want ErrNotFound", key, err)
		}
	}
	if _, err := s.Version(ctx, "nobucket", "k"); !errors.Is(err, store.ErrBucketNotFound) {
		t.Errorf("Version in a missing bucket: %v, want ErrBucketNotFound", err)
	}
}

// TestPosixReadsRaceInPlaceRewrites: while a file is rewritten in place over and over as HSDS
// does (truncate, then write in pieces), Get, GetVersion and ReadRanges return old or new bytes
// (or a prefix of them: the file as it was between the truncation and the end of the write),
// or for GetVersion and ReadRanges ErrChanged (for ReadRanges also io.ErrUnexpectedEOF, a file
// cut short), and Get's bytes are those its ETag names; never bytes part old and part new.
func TestPosixReadsRaceInPlaceRewrites(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := store.NewPosix(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 256 << 10
	a, b := bytes.Repeat([]byte{'a'}, n), bytes.Repeat([]byte{'b'}, n)
	mustPut(t, s, "b", "k", string(a))
	file := filepath.Join(dir, "b", "k")
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; !stop.Load(); i++ {
			f, err := os.OpenFile(file, os.O_WRONLY|os.O_TRUNC, 0)
			if err != nil {
				t.Error(err)
				return
			}
			data := [][]byte{a, b}[i%2]
			for o := 0; o < n; o += n / 4 {
				if _, err := f.Write(data[o : o+n/4]); err != nil {
					t.Error(err)
				}
				runtime.Gosched()
			}
			_ = f.Close()
		}
	})
	// A read may find the file between the truncation and the end of the writing (a true state
	// of the file, which the store cannot tell from a whole object: decoding does): a prefix.
	short := 0
	whole := func(what string, got []byte) {
		if len(got) < n {
			short++
		}
		if len(got) > 0 && !bytes.Equal(got, a[:len(got)]) && !bytes.Equal(got, b[:len(got)]) {
			t.Errorf("%s: %d bytes, neither all old nor all new (first %q, last %q)", what, len(got), got[:1], got[len(got)-1:])
		}
	}
	var changed [3]int
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) && !t.Failed() {
		got, info, err := s.Get(ctx, "b", "k")
		if errors.Is(err, store.ErrChanged) {
			changed[0]++
		} else if err != nil {
			t.Fatalf("Get: %v", err)
		} else {
			whole("Get", got)
			if sum := md5.Sum(got); info.ETag != hex.EncodeToString(sum[:]) || info.Size != int64(len(got)) {
				t.Errorf("Get: ETag %s, size %d of other bytes", info.ETag, info.Size)
			}
		}
		got, _, err = s.GetVersion(ctx, "b", "k")
		if errors.Is(err, store.ErrChanged) {
			changed[1]++
		} else if err != nil {
			t.Fatalf("GetVersion: %v", err)
		} else {
			whole("GetVersion", got)
		}
		got = make([]byte, 2)
		err = s.ReadRanges(ctx, "b", "k", []store.Range{{Off: 0, Len: 1}, {Off: n - 1, Len: 1}}, got)
		if errors.Is(err, store.ErrChanged) || errors.Is(err, io.ErrUnexpectedEOF) {
			changed[2]++
		} else if err != nil {
			t.Fatalf("ReadRanges: %v", err)
		} else if got[0] != got[1] {
			t.Errorf("ReadRanges: first byte %q, last %q", got[0], got[1])
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("changed during the read: Get %d (after its re-reads), GetVersion %d, ReadRanges %d; %d prefixes", changed[0], changed[1], changed[2], short)
}
