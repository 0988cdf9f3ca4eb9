package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/codec"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestHSDSServesHsfanDomains writes domains with hsfan's engine (`hsfan gen cube --shuffle` with
// every compressor, `hsfan gen sst`) into the real HSDS's storage and checks that HSDS serves
// every dataset with the same bytes as `hsfan get`. It also converts a domain of legacy hsfan
// chunks (which HSDS serves as garbage) with `hsfan repack` and checks that HSDS then serves
// the right values.
func TestHSDSServesHsfanDomains(t *testing.T) {
	p := hsdspeer.Shared(t)
	st := []string{"--store", "file://" + p.Root, "--bucket", hsdspeer.Bucket}
	with := func(args ...string) []string { return append(args, st...) }
	type check struct{ domain, dataset string }
	var checks []check
	types := []string{"float32", "int16", "float64", "int32"}
	for i, comp := range []string{"gzip", "zstd", "lz4", "lz4hc", "blosclz", "snappy", "none"} {
		for _, shuffle := range []bool{true, false} {
			if !shuffle && comp != "gzip" && comp != "zstd" {
				continue
			}
			dom := "/home/" + hsdspeer.User + "/cube_" + comp + map[bool]string{true: "_shuffle"}[shuffle] + ".h5"
			args := with("gen", "cube", "--domain", dom, "--owner", hsdspeer.User, "--shape", "30,40,64", "--chunks", "8,40,64",
				"--type", types[i%len(types)], "--compressor", comp, fmt.Sprintf("--shuffle=%v", shuffle))
			if code, _, errs := run(t, args...); code != 0 {
				t.Fatalf("gen cube %s: %s", comp, errs)
			}
			checks = append(checks, check{dom, "/data"})
		}
	}
	const sst = "/home/" + hsdspeer.User + "/sst.h5"
	if code, _, errs := run(t, with("gen", "sst", "--domain", sst, "--owner", hsdspeer.User, "--days", "2")...); code != 0 {
		t.Fatalf("gen sst: %s", errs)
	}
	for _, ds := range []string{"/analysed_sst", "/time", "/lat", "/lon"} {
		checks = append(checks, check{sst, ds})
	}
	// The same days in HSDS's own frames (typesize 1): day numbers 0 and 1 (2022-01-01) are the
	// days testHSDSWrittenSST writes.
	if code, _, errs := run(t, with("gen", "sst", "--domain", sstHSDSFrames, "--owner", hsdspeer.User, "--days", "2",
		"--start", "2022-01-01", "--frames", "hsds")...); code != 0 {
		t.Fatalf("gen sst --frames hsds: %s", errs)
	}
	checks = append(checks, check{sstHSDSFrames, "/analysed_sst"})

	// A domain of legacy chunks: HSDS serves garbage for it.
	const legacy = "/home/" + hsdspeer.User + "/legacy.h5"
	if code, _, errs := run(t, with("gen", "cube", "--domain", legacy, "--owner", hsdspeer.User, "--shape", "20,40,64", "--chunks", "5,40,64",
		"--type", "int16", "--compressor", "gzip", "--shuffle")...); code != 0 {
		t.Fatalf("gen cube: %s", errs)
	}
	want := hsfanGet(t, st, legacy, "/data")
	if n := makeLegacy(t, "file://"+p.Root, hsdspeer.Bucket, legacy, "/data"); n != 4 {
		t.Fatalf("%d legacy chunks, want 4", n)
	}
	if got := hsdsGet(t, p, legacy, "/data"); bytes.Equal(got, want) {
		t.Fatal("HSDS serves legacy hsfan chunks right: the legacy format needs no repack?")
	}
	if code, out, errs := run(t, with("repack", "--domain", legacy)...); code != 0 || !strings.Contains(out, "4 rewritten") {
		t.Fatalf("repack: exit %d\n%s%s", code, out, errs)
	}
	p.Restart(t) // HSDS caches chunks: serve the repacked ones from storage
	if got := hsdsGet(t, p, legacy, "/data"); !bytes.Equal(got, want) {
		t.Fatal("HSDS serves the repacked chunks differently from the generated values")
	}
	if got := hsfanGet(t, st, legacy, "/data"); !bytes.Equal(got, want) {
		t.Fatal("hsfan reads the repacked chunks differently from the generated values")
	}

	t.Run("hsds_written_sst", func(t *testing.T) { testHSDSWrittenSST(t, p, st) })
	for _, c := range checks {
		t.Run(strings.TrimPrefix(c.domain, "/home/"+hsdspeer.User+"/")+c.dataset, func(t *testing.T) {
			hs := hsdsGet(t, p, c.domain, c.dataset)
			mine := hsfanGet(t, st, c.domain, c.dataset)
			if len(mine) == 0 || !bytes.Equal(hs, mine) {
				t.Fatalf("HSDS serves %d bytes, hsfan get %d: they differ", len(hs), len(mine))
			}
		})
	}
}

// hsfanGet reads a whole dataset with `hsfan get --format bin`.
func hsfanGet(t *testing.T, st []string, domain, dataset string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "v.bin")
	args := append([]string{"get", "--domain", domain, "--dataset", dataset, "--format", "bin", "-o", out}, st...)
	if code, _, errs := run(t, args...); code != 0 {
		t.Fatalf("hsfan get %s %s: %s", domain, dataset, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sstHSDSFrames is the domain `hsfan gen sst --frames hsds` writes in TestHSDSServesHsfanDomains.
const sstHSDSFrames = "/home/" + hsdspeer.User + "/sst_hsds_frames.h5"

// hsdsGet reads a whole dataset from HSDS by path (binary, C order).
func hsdsGet(t *testing.T, p *hsdspeer.Peer, domain, h5path string) []byte {
	t.Helper()
	return p.Value(t, domain, hsdsResolve(t, p, domain, h5path))
}

// hsdsResolve returns the id HSDS gives the dataset at h5path in domain.
func hsdsResolve(t *testing.T, p *hsdspeer.Peer, domain, h5path string) string {
	t.Helper()
	code, body := p.Do(t, hsdspeer.Request{Method: http.MethodGet, Path: "/", Domain: domain, Query: url.Values{"h5path": {h5path}}})
	var ds struct {
		ID string `json:"id"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &ds) != nil || ds.ID == "" {
		t.Fatalf("HSDS resolve %s in %s: %d: %s", h5path, domain, code, body)
	}
	return ds.ID
}

// testHSDSWrittenSST writes two days of `hsfan gen sst` through HSDS's REST API with gen sst's
// filters (shuffle + gzip level 4), checks that hsfan reads them as written, that Go writes
// HSDS's header for HSDS's parameters (typesize 1, shuffle flag, same block size), and logs the
// stored sizes of HSDS's frames, Go's typesize-1 frames and hsfan's typesize-2 frames.
//
// It also compares the frames of `hsfan gen sst --frames hsds` (domain sstHSDSFrames, the same
// two days) with HSDS's: the same 12 header bytes (version, flags, typesize, nbytes, blocksize)
// and the same values served by HSDS.
func testHSDSWrittenSST(t *testing.T, p *hsdspeer.Peer, st []string) {
	const dom = "/home/" + hsdspeer.User + "/sst_by_hsds.h5"
	var root struct {
		Root string `json:"root"`
	}
	p.MustDo(t, http.MethodPut, "/", dom, nil, &root)
	filters := []any{map[string]any{"class": "H5Z_FILTER_SHUFFLE", "id": 2, "name": "shuffle"},
		map[string]any{"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": 4, "name": "gzip"}}
	var created struct {
		ID string `json:"id"`
	}
	p.MustDo(t, http.MethodPost, "/datasets", dom, map[string]any{"type": "H5T_STD_I16LE", "shape": []int{2, synth.SSTLat, synth.SSTLon},
		"creationProperties": map[string]any{"layout": map[string]any{"class": "H5D_CHUNKED", "dims": []int{1, synth.SSTLat, synth.SSTLon}},
			"filters": filters}}, &created)
	p.MustDo(t, http.MethodPut, "/groups/"+root.Root+"/links/analysed_sst", dom, map[string]any{"id": created.ID}, nil)
	land := synth.LandMask()
	var values []byte
	days := make([][]byte, 2)
	for d := range days {
		vals := make([]int16, synth.SSTLat*synth.SSTLon)
		synth.SSTDay(d, vals, land)
		days[d] = make([]byte, 2*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint16(days[d][2*i:], uint16(v))
		}
		values = append(values, days[d]...)
	}
	p.MustDo(t, http.MethodPut, "/datasets/"+created.ID+"/value", dom, values, nil)
	p.Flush(t, dom)
	if got := hsfanGet(t, st, dom, "/analysed_sst"); !bytes.Equal(got, values) {
		t.Fatal("hsfan reads HSDS's SST chunks differently from the written values")
	}
	if got := hsdsGet(t, p, sstHSDSFrames, "/analysed_sst"); !bytes.Equal(got, values) {
		t.Fatal("HSDS serves hsfan's HSDS-style SST frames differently from the generated values")
	}
	genID := hsdsResolve(t, p, sstHSDSFrames, "/analysed_sst")
	pl := codec.Pipeline{Compressor: "gzip", Level: 4, Shuffle: codec.ShuffleByte, ItemSize: 2}
	for d := range days {
		key := schema.ChunkKey(created.ID, []int{d, 0, 0}, 0)
		stored, err := os.ReadFile(filepath.Join(p.Root, hsdspeer.Bucket, filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		genKey := schema.ChunkKey(genID, []int{d, 0, 0}, 0)
		gen, err := os.ReadFile(filepath.Join(p.Root, hsdspeer.Bucket, filepath.FromSlash(genKey)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gen[:12], stored[:12]) {
			t.Errorf("day %d: gen sst --frames hsds header % x, HSDS wrote % x", d, gen[:12], stored[:12])
		}
		hi, err := codec.BloscInfo(gen)
		if err != nil || hi.TypeSize != 1 || !hi.Shuffle {
			t.Errorf("day %d: gen sst --frames hsds frame %+v (%v), want typesize 1 with the shuffle flag", d, hi, err)
		}
		t.Logf("day %d: HSDS frame %d bytes, gen --frames hsds %d (%+.1f%%)", d, len(stored), len(gen),
			100*float64(len(gen)-len(stored))/float64(len(stored)))
	}
	for d, raw := range days {
		key := schema.ChunkKey(created.ID, []int{d, 0, 0}, 0)
		stored, err := os.ReadFile(filepath.Join(p.Root, hsdspeer.Bucket, filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		goHSDS, err := codec.BloscEncode(raw, "zlib", 4, true, 1)
		if err != nil {
			t.Fatal(err)
		}
		mine, err := pl.Encode(nil, raw)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(goHSDS[:12], stored[:12]) {
			t.Errorf("day %d: Go header % x for HSDS's parameters, HSDS wrote % x", d, goHSDS[:12], stored[:12])
		}
		if len(mine) >= len(stored) {
			t.Errorf("day %d: hsfan's frame (%d bytes) is not smaller than HSDS's (%d)", d, len(mine), len(stored))
		}
		t.Logf("day %d: HSDS frame %d bytes, Go typesize-1 frame %d (%+.1f%%), hsfan typesize-2 frame %d (%+.1f%%)", d,
			len(stored), len(goHSDS), 100*float64(len(goHSDS)-len(stored))/float64(len(stored)),
			len(mine), 100*float64(len(mine)-len(stored))/float64(len(stored)))
	}
}
