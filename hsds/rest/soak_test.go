package rest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

// The soak test (issue 9, "Done when"): two servers over one POSIX store, mixing concurrent
// writers that own disjoint elements, shrinks and re-extensions, dataset deletes racing writes, a
// hot chunk and large binary bodies. An oracle of acknowledged writes and of the shape history
// checks afterwards that every acknowledged write reads back, that nothing cut by a shrink comes
// back after the dataset is extended again, that no request got a 5xx other than a 503, and that
// the store holds no orphan chunks or temporary files once everything is quiet.
//
// It runs over a POSIX store for HSFAN_SOAK_SECONDS (default 20) and over versitygw (S3, when
// its binary is there: internal/testutil/s3test) for HSFAN_SOAK_SECONDS (default 10), and is
// skipped under -short.

// soakFigures are the counts the test reports (and the note quotes).
type soakFigures struct {
	requests, s5xx, s503, lost, stale, staleFailed, indoubt, orphans, temps atomic.Int64
	// peakInflight is the largest in-flight byte reservation seen on any server (soakCap bounds it).
	peakInflight atomic.Int64
}

// soakCap is the servers' in-flight byte budget (Config.MaxInflightBytes) during the soak: small
// enough that the large binary and JSON bodies contend for it, so 503s are part of the mix.
const soakCap = 24 << 20

func (f *soakFigures) String() string {
	return fmt.Sprintf("requests=%d 5xx=%d (503=%d) lost=%d stale=%d stale-from-failed=%d in-doubt-visible=%d orphans=%d temp-files=%d peak-inflight=%d/%d",
		f.requests.Load(), f.s5xx.Load(), f.s503.Load(), f.lost.Load(), f.stale.Load(), f.staleFailed.Load(),
		f.indoubt.Load(), f.orphans.Load(), f.temps.Load(), f.peakInflight.Load(), int64(soakCap))
}

// soakClient sends requests to one of the servers and counts statuses.
type soakClient struct {
	urls []string
	c    *http.Client
	dom  string
	fig  *soakFigures
	mu   sync.Mutex
	err5 []string
}

func (sc *soakClient) do(ctx context.Context, method, path string, params map[string]string, body any) (int, []byte, error) {
	u := sc.urls[rand.N(len(sc.urls))] + path + "?domain=" + sc.dom
	for k, v := range params {
		u += "&" + k + "=" + v
	}
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/octet-stream"
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if method == "GET" && strings.HasSuffix(path, "/value") {
		req.Header.Set("Accept", "application/octet-stream")
	}
	req.SetBasicAuth("test_user1", "test")
	sc.fig.requests.Add(1)
	res, err := sc.c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	if res.StatusCode >= 500 {
		if res.StatusCode == http.StatusServiceUnavailable {
			sc.fig.s503.Add(1)
			if res.Header.Get("Retry-After") == "" {
				sc.note(fmt.Sprintf("503 without Retry-After on %s %s", method, path))
			}
		} else {
			sc.fig.s5xx.Add(1)
			sc.note(fmt.Sprintf("%d on %s %s: %.200s", res.StatusCode, method, path, b))
		}
	}
	return res.StatusCode, b, nil
}

func (sc *soakClient) note(s string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.err5) < 20 {
		sc.err5 = append(sc.err5, s)
	}
}

func (sc *soakClient) createDataset(ctx context.Context, shape, chunk int, maxdims string) (string, error) {
	body := fmt.Sprintf(`{"type": "H5T_STD_I32LE", "shape": [%d], %s "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [%d]}}}`,
		shape, maxdims, chunk)
	code, b, err := sc.do(ctx, "POST", "/datasets", nil, body)
	if err != nil {
		return "", err
	}
	if code != http.StatusCreated {
		return "", fmt.Errorf("create dataset: %d %s", code, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return "", err
	}
	return m["id"].(string), nil
}

func le32(vals []int32) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return b
}

// soakWrite is one write of an owner: the value it wrote, when it started and was answered, and
// the status.
type soakWrite struct {
	val        int32
	start, end time.Time
	code       int
}

// soakResize is one resize of a dataset (resizes of one dataset are sequential).
type soakResize struct {
	dims       int
	start, end time.Time
	ok         bool
}

// soakDuration is HSFAN_SOAK_SECONDS, else def.
func soakDuration(t *testing.T, def time.Duration) time.Duration {
	d := def
	if s := os.Getenv("HSFAN_SOAK_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("HSFAN_SOAK_SECONDS=%q: want a positive number of seconds", s)
		}
		d = time.Duration(n) * time.Second
	}
	return d
}

func TestSoakTwoServersOneStore(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped under -short")
	}
	t.Run("posix", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, testBucket), 0o755); err != nil {
			t.Fatal(err)
		}
		var stores []store.Store
		for range 2 {
			st, err := store.NewPosix(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			stores = append(stores, st)
		}
		runSoak(t, stores, dir, soakDuration(t, 20*time.Second))
	})
	t.Run("s3", func(t *testing.T) {
		srv := s3test.Start(t)
		srv.CreateBucket(t, testBucket)
		runSoak(t, []store.Store{srv.Store(t), srv.Store(t)}, "", soakDuration(t, 10*time.Second))
	})
}

// runSoak runs the soak over two servers, one per store (stores sharing one bucket); dir is the
// POSIX root to check for temporary files ("" for none).
func runSoak(t *testing.T, stores []store.Store, dir string, dur time.Duration) {
	var urls []string
	var servers []*Server
	for _, st := range stores {
		srv, err := New(Config{Store: st, Bucket: testBucket, MaxInflightBytes: soakCap,
			Users: map[string]string{"admin": "admin", "test_user1": "test"}, Admins: []string{"admin"}})
		if err != nil {
			t.Fatal(err)
		}
		servers = append(servers, srv)
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		urls = append(urls, ts.URL)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 256}
	t.Cleanup(tr.CloseIdleConnections)
	fig := &soakFigures{}
	sc := &soakClient{urls: urls, c: &http.Client{Transport: tr, Timeout: 2 * time.Minute}, dom: "/home/test_user1/soak.h5", fig: fig}
	ctx := context.Background()
	for _, p := range []struct{ path, body, user string }{
		{"/home", `{"folder": true}`, "admin"},
		{"/home/test_user1", `{"folder": true, "owner": "test_user1"}`, "admin"},
	} {
		req, _ := http.NewRequest("PUT", urls[0]+"/?domain="+p.path, strings.NewReader(p.body))
		req.SetBasicAuth(p.user, p.user)
		res, err := sc.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Fatalf("create %s: %d", p.path, res.StatusCode)
		}
	}
	if code, b, err := sc.do(ctx, "PUT", "/", nil, nil); err != nil || code != 201 {
		t.Fatalf("create domain: %d %s %v", code, b, err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failures atomic.Int64
	fail := func(format string, args ...any) {
		failures.Add(1)
		sc.note(fmt.Sprintf(format, args...))
	}

	// 1. Resized datasets: owners write their own elements while a resizer shrinks and extends.
	const (
		resN      = 512
		resChunk  = 64
		resOwners = 16
		resDsets  = 2
	)
	type resized struct {
		id      string
		writes  [resOwners][]soakWrite
		elems   [resOwners][][]int // elements of each write
		resizes []soakResize
	}
	var rds []*resized
	for range resDsets {
		id, err := sc.createDataset(ctx, resN, resChunk, `"maxdims": [0],`)
		if err != nil {
			t.Fatal(err)
		}
		rd := &resized{id: id}
		rds = append(rds, rd)
		for o := range resOwners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for seq := 1; ; seq++ {
					select {
					case <-stop:
						return
					default:
					}
					j0 := rand.N(resN / resOwners)
					m := 1 + rand.N(min(8, resN/resOwners-j0))
					vals := make([]int32, m)
					elems := make([]int, m)
					val := int32(o+1)<<20 | int32(seq)
					for k := range vals {
						vals[k] = val
						elems[k] = o + resOwners*(j0+k)
					}
					sel := fmt.Sprintf("[%d:%d:%d]", elems[0], elems[m-1]+1, resOwners)
					w := soakWrite{val: val, start: time.Now()}
					code, _, err := sc.do(ctx, "PUT", "/datasets/"+id+"/value", map[string]string{"select": sel}, le32(vals))
					w.end, w.code = time.Now(), code
					if err != nil {
						fail("write %s: %v", sel, err)
						return
					}
					if code != 200 && code != 400 && code != 503 {
						fail("write %s to %s: status %d", sel, id, code)
					}
					rd.writes[o] = append(rd.writes[o], w)
					rd.elems[o] = append(rd.elems[o], elems)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			resize := func(n int) bool {
				r := soakResize{dims: n, start: time.Now()}
				code, b, err := sc.do(ctx, "PUT", "/datasets/"+id+"/shape", nil, fmt.Sprintf(`{"shape": [%d]}`, n))
				r.end, r.ok = time.Now(), err == nil && code == 201
				if !r.ok && code != 503 {
					fail("resize %s to %d: %d %s %v", id, n, code, b, err)
				}
				rd.resizes = append(rd.resizes, r)
				return r.ok
			}
			for {
				select {
				case <-stop:
					for !resize(resN) {
						time.Sleep(10 * time.Millisecond)
					}
					return
				default:
				}
				resize(rand.N(resN))
				time.Sleep(time.Duration(rand.N(5)) * time.Millisecond)
				resize(resN)
				time.Sleep(time.Duration(rand.N(20)) * time.Millisecond)
			}
		}()
	}

	// 2. A hot chunk: many writers, each owning a few elements of one chunk.
	const hotN, hotOwners = 256, 64
	hotID, err := sc.createDataset(ctx, hotN, hotN, "")
	if err != nil {
		t.Fatal(err)
	}
	var hotWrites [hotOwners][]soakWrite
	var hotElem [hotOwners][]int
	for o := range hotOwners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 1; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				e := o + hotOwners*rand.N(hotN/hotOwners)
				val := int32(o+1)<<20 | int32(seq)
				w := soakWrite{val: val, start: time.Now()}
				code, _, err := sc.do(ctx, "PUT", "/datasets/"+hotID+"/value", map[string]string{"select": fmt.Sprintf("[%d:%d]", e, e+1)}, le32([]int32{val}))
				w.end, w.code = time.Now(), code
				if err != nil {
					fail("hot write: %v", err)
					return
				}
				if code != 200 && code != 503 {
					fail("hot write: status %d", code)
				}
				hotWrites[o] = append(hotWrites[o], w)
				hotElem[o] = append(hotElem[o], e)
			}
		}()
	}

	// 3. Dataset deletes racing writes.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			id, err := sc.createDataset(ctx, 1024, 64, "")
			if err != nil {
				fail("churn create: %v", err)
				return
			}
			var cw sync.WaitGroup
			done := make(chan struct{})
			for range 6 {
				cw.Add(1)
				go func() {
					defer cw.Done()
					for {
						select {
						case <-done:
							return
						default:
						}
						a := rand.N(1000)
						code, _, err := sc.do(ctx, "PUT", "/datasets/"+id+"/value", map[string]string{"select": fmt.Sprintf("[%d:%d]", a, a+24)}, le32(make([]int32, 24)))
						if err != nil {
							fail("churn write: %v", err)
							return
						}
						if code == 404 || code == 410 {
							return
						}
						if code != 200 && code != 503 {
							fail("churn write: status %d", code)
						}
					}
				}()
			}
			time.Sleep(time.Duration(10+rand.N(40)) * time.Millisecond)
			if code, b, err := sc.do(ctx, "DELETE", "/datasets/"+id, nil, nil); err != nil || code != 200 {
				fail("churn delete: %d %s %v", code, b, err)
			}
			close(done)
			cw.Wait()
		}
	}()

	// 4. Large binary bodies, written and read back through the other server.
	const bigN, bigChunk, bigWrite = 1 << 21, 1 << 18, 1 << 20 // 8 MiB dataset, 1 MiB chunks, 4 MiB writes
	bigID, err := sc.createDataset(ctx, bigN, bigChunk, "")
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for seq := int32(1); ; seq++ {
			select {
			case <-stop:
				return
			default:
			}
			a := rand.N(bigN - bigWrite)
			vals := make([]int32, bigWrite)
			for i := range vals {
				vals[i] = seq<<22 | int32(i)
			}
			sel := map[string]string{"select": fmt.Sprintf("[%d:%d]", a, a+bigWrite)}
			code, b, err := sc.do(ctx, "PUT", "/datasets/"+bigID+"/value", sel, le32(vals))
			if err != nil || code != 200 {
				if code != 503 {
					fail("big write: %d %.200s %v", code, b, err)
				}
				continue
			}
			code, b, err = sc.do(ctx, "GET", "/datasets/"+bigID+"/value", sel, nil)
			if err != nil || code != 200 {
				fail("big read: %d %v", code, err)
				continue
			}
			if !bytes.Equal(b, le32(vals)) {
				fig.lost.Add(1)
				fail("big read back differs from the acknowledged write at %d", a)
			}
		}
	}()

	// 5. Large JSON bodies (the streaming decoder and the in-flight budget), two writers on
	// disjoint halves of one dataset, each read back as JSON through either server.
	const jsonN, jsonWrite = 1 << 20, 1 << 17 // 4 MiB dataset; ~1 MiB JSON bodies
	jsonID, err := sc.createDataset(ctx, jsonN, 1<<16, "")
	if err != nil {
		t.Fatal(err)
	}
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 1; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				a := w*jsonN/2 + rand.N(jsonN/2-jsonWrite)
				var body strings.Builder
				body.WriteString(`{"value": [`)
				for i := range jsonWrite {
					if i > 0 {
						body.WriteByte(',')
					}
					fmt.Fprint(&body, seq*1000+i%1000)
				}
				body.WriteString("]}")
				sel := map[string]string{"select": fmt.Sprintf("[%d:%d]", a, a+jsonWrite)}
				code, b, err := sc.do(ctx, "PUT", "/datasets/"+jsonID+"/value", sel, body.String())
				if err != nil || code != 200 {
					if code != 503 {
						fail("JSON write: %d %.200s %v", code, b, err)
					}
					continue
				}
				code, b, err = sc.do(ctx, "GET", "/datasets/"+jsonID+"/value", sel, nil)
				if err != nil || code != 200 || len(b) != 4*jsonWrite {
					if code != 503 {
						fail("JSON read back: %d %d bytes %v", code, len(b), err)
					}
					continue
				}
				for i := range jsonWrite {
					if got := int32(binary.LittleEndian.Uint32(b[4*i:])); got != int32(seq*1000+i%1000) {
						fig.lost.Add(1)
						fail("JSON write at %d: element %d reads %d, want %d", a, i, got, seq*1000+i%1000)
						break
					}
				}
			}
		}()
	}
	// The budget is sampled while everything runs; it must never exceed soakCap.
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for _, srv := range servers {
				if u := srv.mem.inUse(); u > fig.peakInflight.Load() {
					fig.peakInflight.Store(u)
				}
			}
		}
	}()

	time.Sleep(dur)
	close(stop)
	wg.Wait()
	<-sampled
	if p := fig.peakInflight.Load(); p > soakCap {
		fail("in-flight bytes peaked at %d, over the %d cap", p, int64(soakCap))
	}
	if fig.peakInflight.Load() == 0 {
		fail("the in-flight budget was never used: the sampler saw nothing")
	}

	readAll := func(id string, n int) []int32 {
		code, b, err := sc.do(ctx, "GET", "/datasets/"+id+"/value", map[string]string{"select": fmt.Sprintf("[0:%d]", n)}, nil)
		if err != nil || code != 200 || len(b) != 4*n {
			t.Fatalf("read %s: %d %d bytes %v", id, code, len(b), err)
		}
		out := make([]int32, n)
		for i := range out {
			out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out
	}

	// Verify the resized datasets element by element.
	for _, rd := range rds {
		got := readAll(rd.id, resN)
		for o := range resOwners {
			// Per element: its writes in order.
			perElem := map[int][]soakWrite{}
			for i, w := range rd.writes[o] {
				for _, e := range rd.elems[o][i] {
					perElem[e] = append(perElem[e], w)
				}
			}
			for e := o; e < resN; e += resOwners {
				checkResizedElement(fig, rd.resizes, perElem[e], e, got[e], func(s string) { fail("dataset %s element %d: %s", rd.id, e, s) })
			}
		}
	}
	// Verify the hot chunk: no resizes, so the last acknowledged write of each element wins.
	got := readAll(hotID, hotN)
	for o := range hotOwners {
		perElem := map[int][]soakWrite{}
		for i, w := range hotWrites[o] {
			perElem[hotElem[o][i]] = append(perElem[hotElem[o][i]], w)
		}
		for e := o; e < hotN; e += hotOwners {
			checkResizedElement(fig, nil, perElem[e], e, got[e], func(s string) { fail("hot element %d: %s", e, s) })
		}
	}

	// The store after quiescence: no chunk without its dataset, no temporary files.
	orphans, temps := soakOrphans(t, stores[0], dir)
	fig.orphans.Add(int64(len(orphans)))
	fig.temps.Add(int64(len(temps)))
	for i, k := range orphans {
		if i < 5 {
			sc.note("orphan " + k)
		}
	}
	// fsck agrees.
	rep, err := hdf.Fsck(ctx, stores[0], testBucket, hdf.FsckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problems() != 0 || len(rep.Unreadable) != 0 {
		failures.Add(1)
		sc.note(fmt.Sprintf("fsck after the soak: %d stale temporary files, %d orphan chunks, %d orphan objects, %d unreadable domains",
			len(rep.StaleTemps), len(rep.OrphanChunks), len(rep.OrphanObjects), len(rep.Unreadable)))
	}
	t.Logf("soak %v: %s", dur, fig)
	for _, s := range sc.err5 {
		t.Log(s)
	}
	if fig.s5xx.Load() > 0 || fig.lost.Load() > 0 || fig.stale.Load() > 0 || fig.staleFailed.Load() > 0 ||
		fig.orphans.Load() > 0 || fig.temps.Load() > 0 || failures.Load() > 0 {
		t.Errorf("soak failed: %s, %d other failures", fig, failures.Load())
	}
}

// checkResizedElement checks the final value v of element e against the writes of its only owner
// (sequential, in order) and the dataset's resizes (sequential, in order). A write may linearize
// anywhere in [start, end]; a resize likewise. The last acknowledged write W must read back unless
// a shrink cutting e may have linearized after it; a value cut by a shrink that began after W
// was acknowledged, and not re-written after the following extension, is stale.
func checkResizedElement(fig *soakFigures, resizes []soakResize, writes []soakWrite, e int, v int32, fail func(string)) {
	lastAck := -1
	for i, w := range writes {
		if w.code == 200 {
			lastAck = i
		}
	}
	// The last successful shrink cutting e, and the first successful extension after it.
	shrink, ext := -1, -1
	for i, r := range resizes {
		if r.ok && r.dims <= e {
			shrink, ext = i, -1
		} else if r.ok && shrink >= 0 && ext < 0 && r.dims > e {
			ext = i
		}
	}
	// may reports whether write w may be visible: it linearized after the last shrink cutting e.
	may := func(w soakWrite) bool {
		return shrink < 0 || ext >= 0 && resizes[ext].start.Before(w.end)
	}
	if v == 0 {
		if lastAck >= 0 && (shrink < 0 || !resizes[shrink].end.After(writes[lastAck].start)) {
			fig.lost.Add(1)
			fail(fmt.Sprintf("reads fill, acknowledged write %#x is lost", writes[lastAck].val))
		}
		return
	}
	for i := len(writes) - 1; i >= 0; i-- {
		w := writes[i]
		if w.val != v {
			continue
		}
		switch {
		case i < lastAck:
			fig.lost.Add(1)
			fail(fmt.Sprintf("reads %#x, older than the acknowledged %#x", v, writes[lastAck].val))
		case !may(w) && w.code == 200:
			fig.stale.Add(1)
			fail(fmt.Sprintf("reads %#x written before a shrink to %d (stale data came back)", v, resizes[shrink].dims))
		case !may(w) && w.code < 500:
			fig.staleFailed.Add(1)
			fail(fmt.Sprintf("reads %#x of a write answered %d, cut by a shrink to %d", v, w.code, resizes[shrink].dims))
		case i > lastAck && w.code != 200:
			fig.indoubt.Add(1)
		}
		return
	}
	fig.lost.Add(1)
	fail(fmt.Sprintf("reads %#x, which no write of its owner wrote", v))
}

// soakOrphans lists, independently of fsck, the chunk keys whose dataset has no .dataset.json and
// the temporary files left in the store directory.
func soakOrphans(t *testing.T, st store.Store, dir string) (orphans, temps []string) {
	t.Helper()
	ctx := context.Background()
	have := map[string]bool{}
	var chunks []string
	err := st.List(ctx, testBucket, "db/", "", func(e store.Entry) error {
		if strings.HasSuffix(e.Key, "/.dataset.json") {
			have[strings.TrimSuffix(e.Key, ".dataset.json")] = true
		} else if _, _, _, err := schema.ParseChunkKey(e.Key); err == nil {
			chunks = append(chunks, e.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range chunks {
		id, _, _, _ := schema.ParseChunkKey(k)
		if !have[schema.DatasetPrefix(id)] {
			orphans = append(orphans, k)
		}
	}
	if dir == "" {
		return orphans, nil
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".hsfan-tmp-") {
			temps = append(temps, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return orphans, temps
}
