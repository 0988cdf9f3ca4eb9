package codec

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const python = "/usr/bin/python3"

// requireNumcodecs skips the test, saying why, when the C library cannot be
// reached through numcodecs.
func requireNumcodecs(t *testing.T) {
	t.Helper()
	out, err := exec.Command(python, "-c", "import numcodecs.blosc").CombinedOutput()
	if err != nil {
		t.Skipf("SKIP: %s cannot import numcodecs (install python3-numcodecs to check frames against c-blosc): %v: %s",
			python, err, strings.TrimSpace(string(out)))
	}
}

// crossFrame is one Go-written frame for testdata/make_frames.py verify:
// the frame, the bytes c-blosc must decode it to and, when CName is set,
// the parameters c-blosc (numcodecs) compresses Raw with to compare its
// header (version bytes, flags including memcpyed, typesize, nbytes,
// blocksize) with the Go frame's.
type crossFrame struct {
	File     string `json:"file"`
	Raw      string `json:"raw"`
	CName    string `json:"cname,omitempty"`
	CLevel   int    `json:"clevel,omitempty"`
	Shuffle  bool   `json:"shuffle,omitempty"`
	TypeSize int    `json:"typesize,omitempty"`
}

// TestGoFramesDecodeInC writes frames with BloscEncode and Pipeline.Encode
// and has c-blosc (through numcodecs) decode them to the same bytes; for
// frames whose input is whole items c-blosc also compresses the same input
// and its header must equal the Go one: flags (shuffle, memcpyed,
// dont-split, codec) and typesize exactly as c-blosc sets them, including
// buffers below 128 bytes (memcpyed), incompressible ones, typesizes that
// do not divide the block size, typesizes above 16 (never split) and
// above 255 (c-blosc stores typesize 1).
func TestGoFramesDecodeInC(t *testing.T) {
	requireNumcodecs(t)
	dir := t.TempDir()
	var entries []crossFrame
	write := func(name string, frame, raw []byte, e crossFrame) {
		t.Helper()
		e.File, e.Raw = name+".blosc", name+".raw"
		if err := os.WriteFile(filepath.Join(dir, e.File), frame, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Raw), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	encode := func(name string, src []byte, cname string, clevel int, shuffle bool, ts int) {
		t.Helper()
		frame, err := BloscEncode(src, cname, clevel, shuffle, ts)
		if err != nil {
			t.Fatal(err)
		}
		e := crossFrame{}
		if len(src)%ts == 0 && len(src) > 0 {
			e = crossFrame{CName: cname, CLevel: clevel, Shuffle: shuffle, TypeSize: ts}
		}
		write(name, frame, src, e)
	}
	inputs := map[string][]byte{
		"smooth": genData("smooth", 50001, 2, 1),
		"random": genData("random", 3000, 1, 3),
		"tiny":   genData("smooth", 40, 1, 4),
	}
	for name, src := range inputs {
		for _, cname := range bloscCodecNames {
			for _, ts := range []int{1, 2, 4, 8} {
				for _, shuffle := range []bool{false, true} {
					encode(fmt.Sprintf("%s-%s-ts%d-s%v", name, cname, ts, shuffle), src, cname, 5, shuffle, ts)
				}
			}
		}
	}
	// Item sizes that do not divide c-blosc's block sizes, above
	// MAX_SPLITS (16) and above BLOSC_MAX_TYPESIZE (255); buffers that are
	// not whole items (leftover bytes in the last block), below 128 bytes,
	// and incompressible.
	for _, ts := range []int{3, 12, 16, 17, 24, 255, 256, 300} {
		for _, cname := range bloscCodecNames {
			for _, shuffle := range []bool{false, true} {
				base := fmt.Sprintf("ts%d-%s-s%v", ts, cname, shuffle)
				encode(base+"-whole", genData("smooth", 70000/ts+3, ts, uint64(ts)), cname, 5, shuffle, ts)
				encode(base+"-leftover", genData("smooth", 90001, 1, uint64(ts)), cname, 5, shuffle, ts)
				encode(base+"-small", genData("smooth", 1+100/ts, ts, 7)[:max(ts, 100/ts*ts)], cname, 5, shuffle, ts)
				encode(base+"-random", genData("random", 2000/ts+1, ts, 8), cname, 5, shuffle, ts)
			}
		}
	}
	// Levels change block sizes and codec parameters; a larger buffer gives
	// several blocks of HSDS's gzip shape.
	ramp := genData("ramp", 300000, 4, 2)
	for _, cname := range bloscCodecNames {
		for _, clevel := range []int{0, 1, 9} {
			encode(fmt.Sprintf("ramp-%s-l%d", cname, clevel), ramp[:200000], cname, clevel, true, 4)
		}
		encode("ramp-"+cname, ramp, cname, 5, false, 1)
	}
	// Chunks as the pipeline stores them decode in C to the values
	// themselves (HSDS's _uncompress applies no unshuffle after blosc).
	for _, item := range []int{1, 2, 4, 8, 12} {
		src := genData("smooth", 100000/item, item, 9)
		for _, comp := range []string{"gzip", "zstd", "lz4", "lz4hc", "blosclz", "snappy"} {
			for _, shuffle := range []int{ShuffleNone, ShuffleByte} {
				p := Pipeline{Compressor: comp, Shuffle: shuffle, ItemSize: item}
				frame, err := p.Encode(nil, src)
				if err != nil {
					t.Fatal(err)
				}
				write(fmt.Sprintf("pipeline-%s-item%d-shuffle%d", comp, item, shuffle), frame, src, crossFrame{})
			}
		}
	}
	mb, _ := json.Marshal(map[string]any{"frames": entries})
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), mb, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, filepath.Join("testdata", "make_frames.py"), "verify", dir).CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "FAIL") {
			t.Error(l)
		}
	}
	if err != nil {
		t.Fatalf("c-blosc rejected Go frames: %v: %s", err, lines[len(lines)-1])
	}
	t.Log(lines[len(lines)-1])
}
