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

// TestGoFramesDecodeInC writes frames with BloscEncode and Pipeline.Encode
// and has c-blosc (through numcodecs) decode them.
func TestGoFramesDecodeInC(t *testing.T) {
	requireNumcodecs(t)
	dir := t.TempDir()
	type entry struct {
		File string `json:"file"`
		Raw  string `json:"raw"`
	}
	var entries []entry
	write := func(name string, frame, raw []byte) {
		t.Helper()
		e := entry{File: name + ".blosc", Raw: name + ".raw"}
		if err := os.WriteFile(filepath.Join(dir, e.File), frame, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Raw), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
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
					frame, err := BloscEncode(src, cname, 5, shuffle, ts)
					if err != nil {
						t.Fatal(err)
					}
					write(fmt.Sprintf("%s-%s-ts%d-s%v", name, cname, ts, shuffle), frame, src)
				}
			}
		}
	}
	// Levels change block sizes and codec parameters; a larger buffer gives
	// several blocks of HSDS's gzip shape.
	ramp := genData("ramp", 300000, 4, 2)
	for _, cname := range bloscCodecNames {
		for _, clevel := range []int{1, 9} {
			frame, err := BloscEncode(ramp[:200000], cname, clevel, true, 4)
			if err != nil {
				t.Fatal(err)
			}
			write(fmt.Sprintf("ramp-%s-l%d", cname, clevel), frame, ramp[:200000])
		}
		frame, err := BloscEncode(ramp, cname, 5, false, 1)
		if err != nil {
			t.Fatal(err)
		}
		write("ramp-"+cname, frame, ramp)
	}
	// Chunks as the pipeline stores them, compared with the shuffled bytes
	// blosc must return.
	src := genData("smooth", 100000, 4, 9)
	for _, comp := range []string{"gzip", "zstd", "lz4", "lz4hc", "blosclz", "snappy"} {
		p := Pipeline{Compressor: comp, Shuffle: ShuffleByte, ItemSize: 4}
		frame, err := p.Encode(nil, src)
		if err != nil {
			t.Fatal(err)
		}
		write("pipeline-"+comp, frame, Shuffle(nil, src, 4))
	}
	mb, _ := json.Marshal(map[string]any{"frames": entries})
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), mb, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, filepath.Join("testdata", "make_frames.py"), "verify", dir).CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil {
		for _, l := range lines {
			if strings.HasPrefix(l, "FAIL") {
				t.Error(l)
			}
		}
		t.Fatalf("c-blosc rejected Go frames: %v: %s", err, lines[len(lines)-1])
	}
	t.Log(lines[len(lines)-1])
}
