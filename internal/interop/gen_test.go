package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestGenServedByHSDS: what `hsfan gen` writes (the CLI binary: a few days of sst, and cubes of
// every compressor with and without --shuffle), the real HSDS serves with the bytes `hsfan get`
// gives, dataset by dataset.
// genCase is one `hsfan gen` run and the datasets it writes.
type genCase struct {
	name     string
	args     []string
	datasets []string
}

// genCases: a few days of sst, and a cube of every compressor with and without --shuffle.
func genCases() []genCase {
	cases := []genCase{{name: "sst", args: []string{"sst", "--days", "2", "--start", "2022-06-01"},
		datasets: []string{"analysed_sst", "lat", "lon", "time"}}}
	types := []string{"int16", "int32", "float32", "float64"}
	for i, comp := range []string{"none", "gzip", "zstd", "lz4", "lz4hc", "blosclz", "snappy"} {
		for _, shuffle := range []bool{false, true} {
			typ := types[i%len(types)]
			name := "cube-" + comp + "-" + typ
			args := []string{"cube", "--shape", "12,40,36", "--chunks", "5,40,25", "--type", typ, "--compressor", comp}
			if shuffle {
				name += "-shuffle"
				args = append(args, "--shuffle")
			}
			cases = append(cases, genCase{name: name, args: args, datasets: []string{"data"}})
		}
	}
	return cases
}

func TestGenServedByHSDS(t *testing.T) {
	need(t)
	for _, c := range genCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			domain := domainName("e", c.name)
			if !runSetup(t, func(ck checker) { hsfanGen(ck, domain, c.args) }) {
				return
			}
			for _, ds := range c.datasets {
				t.Run(ds, func(t *testing.T) {
					runCase(t, func(ck checker) { genCheck(ctx, ck, domain, "/"+ds) })
				})
			}
		})
	}
}

// hsfanGen runs `hsfan gen ARGS` into the store, owned by test_user1 so that HSDS lets the
// tests read it.
func hsfanGen(ck checker, domain string, args []string) {
	bin := hsfanBinary(ck)
	args = append(args, "--store", "file://"+env.root, "--bucket", bucket, "--domain", domain, "--owner", "test_user1")
	var stderr bytes.Buffer
	cmd := exec.Command(bin, append([]string{"gen"}, args...)...)
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "HSFAN_STORE=", "HSFAN_BUCKET=")
	if out, err := cmd.Output(); err != nil {
		ck.Fatalf("hsfan gen %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
}

// genCheck compares HSDS's binary GET of a dataset (found by h5path through HSDS) with
// `hsfan get --format bin`, for the whole dataset and a strided selection.
func genCheck(ctx context.Context, ck checker, domain, h5path string) {
	resp := env.hsds.must(ctx, ck, request{method: "GET", path: "/", query: dq(domain, "h5path", h5path)}, 200)
	var obj struct {
		ID    string
		Shape struct{ Dims []int }
	}
	if err := json.Unmarshal(resp.body, &obj); err != nil || obj.ID == "" {
		ck.Fatalf("HSDS GET h5path %s: %s", h5path, resp)
	}
	sels := []string{""}
	if len(obj.Shape.Dims) == 3 {
		d := obj.Shape.Dims
		sels = append(sels, fmt.Sprintf("[%d:%d,1:%d:7,%d:%d:5]", d[0]-1, d[0], d[1], d[2]/3, d[2]))
	}
	for _, sel := range sels {
		q := dq(domain)
		if sel != "" {
			q.Set("select", sel)
		}
		want := env.hsds.must(ctx, ck, request{method: "GET", path: "/datasets/" + obj.ID + "/value", query: q, accept: true}, 200)
		got, err := hsfanGet(ck, domain, h5path, sel)
		if err != nil {
			ck.Fatalf("%v", err)
		}
		if !bytes.Equal(got, want.body) {
			ck.Errorf("%s %q: HSDS and hsfan get differ: %s", h5path, sel, diffBytes(&dtype{kind: kInt, size: 1}, want.body, got))
		}
	}
}
