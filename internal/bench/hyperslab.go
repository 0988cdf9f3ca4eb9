package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// hyperslabCase is `hsfan serve` against the real HSDS 0.9.4 on the same POSIX store (the port
// of internal/interop/cubebench.sh): HSDS writes two ROWS x 160 x 160 cubes in (25, 160, 160)
// chunks, float32 uncompressed ("f32") and int16 with shuffle+gzip ("i16gz"); then each server,
// freshly started, reads the column [:, 80, 81] of each cube cold (its first read) and warm (best
// of 3 more, each after a pause of warmPause), and answers 1,000 small JSON requests. Both answers must be the same bytes (and the
// values the cube was written with). MB/s are of the decoded chunk bytes the column touches.
type hyperslabCase struct{}

const (
	cubeDomain = hsdsHome + "/cubebench.h5"
	cubeSide   = 160
	cubeChunk  = 25
	cubeX      = 80
	cubeY      = 81
)

var cubeNames = []string{"f32", "i16gz"}

// warmPause separates the reads of a column (cold, then warm ones).
const warmPause = 500 * time.Millisecond

func (hyperslabCase) Name() string { return "hyperslab" }

func cubeRows(env *Env) int {
	if env.Quick {
		return 200
	}
	return 10000
}

func jsonRequests(env *Env) int {
	if env.Quick {
		return 100
	}
	return 1000
}

func (hyperslabCase) About(env *Env) string {
	return fmt.Sprintf("hsfan serve vs HSDS 0.9.4 on one store: column [:,%d,%d] of a %dx%dx%d cube written by HSDS in (%d,%d,%d) chunks, f32 plain and i16 shuffle+gzip, cold and warm; MB/s of decoded chunks touched",
		cubeX, cubeY, cubeRows(env), cubeSide, cubeSide, cubeChunk, cubeSide, cubeSide)
}

func hyperslabDir(env *Env) string {
	return filepath.Join(env.DataDir, fmt.Sprintf("hyperslab-%d", cubeRows(env)))
}

// cubeValue is the value written at (z, y, x), as cubebench.py's expected().
func cubeValue(name string, z, y, x int) []byte {
	v := (int64(z)*7 + int64(y)*3 + int64(x)) % 30011
	if name == "f32" {
		return binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(v)*0.5))
	}
	return binary.LittleEndian.AppendUint16(nil, uint16(int16(v%32000)))
}

// cubeSlab is rows z0..z1-1 of a cube, C order, little-endian.
func cubeSlab(name string, z0, z1 int) []byte {
	var b []byte
	for z := z0; z < z1; z++ {
		for y := range cubeSide {
			for x := range cubeSide {
				b = append(b, cubeValue(name, z, y, x)...)
			}
		}
	}
	return b
}

func cubeItem(name string) int64 {
	if name == "f32" {
		return 4
	}
	return 2
}

func (c hyperslabCase) Prepare(ctx context.Context, env *Env) error {
	if m := hsdsMissing(ctx, env); m != "" {
		return missingError{"the cube is written by the real HSDS, which is missing: " + m}
	}
	rows := cubeRows(env)
	key := fmt.Sprintf("hyperslab rows=%d chunk=%d f32 plain, i16 shuffle+deflate 6, written by HSDS 0.9.4 v1", rows, cubeChunk)
	dir, err := cached(ctx, env, filepath.Base(hyperslabDir(env)), key, func(ctx context.Context, tmp string) error {
		p, err := startHSDS(ctx, env, tmp)
		if err != nil {
			return err
		}
		werr := writeCubes(ctx, p.url, rows)
		if err := p.stop(); werr == nil {
			werr = err
		}
		return werr
	})
	if err != nil {
		return err
	}
	// Both servers start with cold caches, but the operating system's page cache holds the
	// chunk files for both: read them once here so that neither pays the disk for the other.
	return filepath.WalkDir(filepath.Join(dir, hsdsBucket), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(io.Discard, f)
		return err
	})
}

// client is a Basic-auth HTTP client of one server.
type client struct {
	base string
	c    *http.Client
}

func (cl client) do(ctx context.Context, method, path string, q url.Values, body []byte, binary bool) (int, []byte, error) {
	u := cl.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth(hsdsUser, hsdsPassword)
	if binary {
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Accept", "application/octet-stream")
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := cl.c.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return resp.StatusCode, b, nil
}

func (cl client) want(ctx context.Context, codes []int, method, path string, q url.Values, body []byte, binary bool) ([]byte, error) {
	code, b, err := cl.do(ctx, method, path, q, body, binary)
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		if c == code {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s %s %v: status %d: %s", method, path, q, code, tail(b, 300))
}

// writeCubes writes both cubes through HSDS's REST API and flushes the domain to storage.
func writeCubes(ctx context.Context, base string, rows int) error {
	cl := client{base: base, c: &http.Client{Timeout: 5 * time.Minute}}
	q := url.Values{"domain": {cubeDomain}}
	if _, err := cl.want(ctx, []int{201, 409}, http.MethodPut, "/", q, nil, false); err != nil {
		return err
	}
	b, err := cl.want(ctx, []int{200}, http.MethodGet, "/", q, nil, false)
	if err != nil {
		return err
	}
	var dom struct{ Root string }
	if err := json.Unmarshal(b, &dom); err != nil {
		return fmt.Errorf("domain JSON: %w", err)
	}
	shuffleGzip := `[{"class": "H5Z_FILTER_SHUFFLE", "id": 2, "name": "shuffle"}, {"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": 6, "name": "deflate"}]`
	for _, name := range cubeNames {
		typ, filters := "H5T_IEEE_F32LE", ""
		if name == "i16gz" {
			typ, filters = "H5T_STD_I16LE", `, "filters": `+shuffleGzip
		}
		body := fmt.Sprintf(`{"type": %q, "shape": [%d, %d, %d], "creationProperties": {"layout": {"class": "H5D_CHUNKED", "dims": [%d, %d, %d]}%s}, "link": {"id": %q, "name": %q}}`,
			typ, rows, cubeSide, cubeSide, cubeChunk, cubeSide, cubeSide, filters, dom.Root, name)
		b, err := cl.want(ctx, []int{201}, http.MethodPost, "/datasets", q, []byte(body), false)
		if err != nil {
			return err
		}
		var ds struct{ ID string }
		if err := json.Unmarshal(b, &ds); err != nil {
			return fmt.Errorf("dataset JSON: %w", err)
		}
		for z := 0; z < rows; z += cubeChunk {
			z1 := min(z+cubeChunk, rows)
			vq := url.Values{"domain": {cubeDomain}, "select": {fmt.Sprintf("[%d:%d,:,:]", z, z1)}}
			if _, err := cl.want(ctx, []int{200}, http.MethodPut, "/datasets/"+ds.ID+"/value", vq, cubeSlab(name, z, z1), true); err != nil {
				return err
			}
		}
	}
	_, err = cl.want(ctx, []int{200, 204}, http.MethodPut, "/", q, []byte(`{"flush": 1}`), false)
	return err
}

// readColumns reads the column of each cube cold and warm and times the JSON requests.
func readColumns(ctx context.Context, env *Env, base string) (Outcome, error) {
	rows := cubeRows(env)
	cl := client{base: base, c: &http.Client{Timeout: 5 * time.Minute}}
	ids := map[string]string{}
	for _, name := range cubeNames {
		b, err := cl.want(ctx, []int{200}, http.MethodGet, "/", url.Values{"domain": {cubeDomain}, "h5path": {"/" + name}}, nil, false)
		if err != nil {
			return Outcome{}, err
		}
		var o struct{ ID string }
		if err := json.Unmarshal(b, &o); err != nil || o.ID == "" {
			return Outcome{}, fmt.Errorf("dataset /%s: no id (%v): %s", name, err, tail(b, 200))
		}
		ids[name] = o.ID
	}
	var out Outcome
	answer := map[string][]byte{}
	for _, name := range cubeNames {
		var want []byte
		for z := range rows {
			want = append(want, cubeValue(name, z, cubeX, cubeY)...)
		}
		touched := int64(rows) * cubeSide * cubeSide * cubeItem(name)
		warm := math.Inf(1)
		for i := range 4 {
			if i > 0 {
				// Warm reads start after a pause, for both servers: hsfan decodes the chunks
				// of a sparse cold read into its cache after answering (hsds/hdf chunkfill.go).
				select {
				case <-ctx.Done():
					return Outcome{}, ctx.Err()
				case <-time.After(warmPause):
				}
			}
			q := url.Values{"domain": {cubeDomain}, "select": {fmt.Sprintf("[:,%d,%d]", cubeX, cubeY)}}
			t0 := time.Now()
			got, err := cl.want(ctx, []int{200}, http.MethodGet, "/datasets/"+ids[name]+"/value", q, nil, true)
			s := time.Since(t0).Seconds()
			if err != nil {
				return Outcome{}, err
			}
			if !bytes.Equal(got, want) {
				return Outcome{}, fmt.Errorf("%s [:,%d,%d] read %d: %d bytes that are not the values written (%d bytes)", name, cubeX, cubeY, i, len(got), len(want))
			}
			answer[name] = got
			if i == 0 {
				out.Parts = append(out.Parts, Part{Name: name + " cold", Seconds: s, Bytes: touched})
			} else {
				warm = math.Min(warm, s)
			}
		}
		out.Parts = append(out.Parts, Part{Name: name + " warm", Seconds: warm, Bytes: touched})
	}
	n := jsonRequests(env)
	t0 := time.Now()
	for range n {
		if _, err := cl.want(ctx, []int{200}, http.MethodGet, "/datasets/"+ids["f32"], url.Values{"domain": {cubeDomain}}, nil, false); err != nil {
			return Outcome{}, err
		}
	}
	out.Parts = append(out.Parts, Part{Name: fmt.Sprintf("%d JSON GETs", n), Seconds: time.Since(t0).Seconds()})
	out.Answer = answer
	return out, nil
}

func (c hyperslabCase) Systems(env *Env) []System {
	dir := hyperslabDir(env)
	peer := System{Name: "hsds-0.9.4", Role: RolePeer, Run: func(ctx context.Context) (Outcome, error) {
		p, err := startHSDS(ctx, env, dir)
		if err != nil {
			return Outcome{}, err
		}
		o, err := readColumns(ctx, env, p.url)
		if serr := p.stop(); err == nil && serr != nil {
			err = serr
		}
		o.Notes = []string{"freshly started (service node and 4 data nodes); the same Go HTTP client reads from both servers"}
		return o, err
	}}
	peer.Missing = hsdsMissing(context.Background(), env)
	serve := func(name string, extra ...string) System {
		return System{Name: name, Role: RoleHsfan, Run: func(ctx context.Context) (Outcome, error) {
			logDir := filepath.Join(env.OutDir, "hyperslab")
			if err := os.MkdirAll(logDir, 0o755); err != nil {
				return Outcome{}, err
			}
			s, err := startHsfanServe(ctx, env, dir, hsdsBucket, filepath.Join(logDir, strings.ReplaceAll(name, " ", "_")+".log"), extra...)
			if err != nil {
				return Outcome{}, err
			}
			defer s.stop()
			o, err := readColumns(ctx, env, s.url)
			o.Notes = []string{"freshly started process (hsfan serve " + strings.Join(extra, " ") + "); its first read of an HSDS-written chunk records the chunk's ETag in an xattr of the cached store, so only the first bench run on a new cache pays that cold"}
			return o, err
		}}
	}
	// HSDS 0.9.4 caches 128 MiB of chunks in each of its 4 data nodes (admin/config/config.yml
	// chunk_mem_cache_size): hsfan serve's default cache (rest.DefaultChunkCacheBytes) is that
	// same 512 MiB, so one hsfan row compares like with like.
	return []System{serve("hsfan serve"), peer}
}

func (hyperslabCase) Agree(ref, got any) error {
	r, ok1 := ref.(map[string][]byte)
	g, ok2 := got.(map[string][]byte)
	if !ok1 || !ok2 {
		return fmt.Errorf("answers of types %T and %T", ref, got)
	}
	var bad []string
	for _, name := range cubeNames {
		if !bytes.Equal(r[name], g[name]) {
			bad = append(bad, fmt.Sprintf("%s: %d bytes differ from the peer's %d", name, len(g[name]), len(r[name])))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("column bytes differ: %s", strings.Join(bad, "; "))
	}
	return nil
}
