package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBloscNeedCBlosc: frames c-blosc writes (through numcodecs) with byte shuffle of typesize
// 1, 3, 12 and 16, bitshuffle (flag 0x04), no shuffle, memcpyed (incompressible data) and a
// final partial block, in blocks of 16 to 256 KiB, decoded with a need function naming a few
// byte ranges (block edges, a range straddling two blocks, the last byte), give c-blosc's bytes
// in every block need names, and leave every other block as dst held it.
func TestBloscNeedCBlosc(t *testing.T) {
	requireNumcodecs(t)
	dir := t.TempDir()
	script := `
import json, sys, numpy as np, numcodecs
from numcodecs import blosc
out = sys.argv[1]
cases = []
rng = np.random.default_rng(5)
smooth = (np.arange(700_001) * 7 // 5 % 251).astype(np.uint8).tobytes()
noise = rng.integers(0, 256, 700_001, dtype=np.uint8).tobytes()
k = 0
for cname in ["lz4", "zlib", "zstd", "blosclz"]:
    for shuffle in [blosc.NOSHUFFLE, blosc.SHUFFLE, blosc.BITSHUFFLE]:
        for typesize in [1, 3, 12, 16]:
            for bs in [1 << 14, 1 << 18]:
                for name, data in [("smooth", smooth), ("noise", noise)]:
                    n = len(data) // typesize * typesize - typesize * 5  # a partial last block
                    buf = np.frombuffer(data[:n], dtype="V%d" % typesize)
                    enc = numcodecs.Blosc(cname=cname, clevel=5, shuffle=shuffle, blocksize=bs).encode(buf)
                    f = "%s/f%d" % (out, k)
                    open(f + ".frame", "wb").write(enc)
                    open(f + ".raw", "wb").write(data[:n])
                    cases.append({"file": f, "name": "%s/%s/shuffle=%d/ts=%d/bs=%d" % (cname, name, shuffle, typesize, bs)})
                    k += 1
json.dump(cases, open(out + "/cases.json", "w"))
`
	if out, err := exec.Command(python, "-c", script, dir).CombinedOutput(); err != nil {
		t.Fatalf("numcodecs: %v: %s", err, out)
	}
	var cases []struct{ File, Name string }
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		frame, err1 := os.ReadFile(c.File + ".frame")
		raw, err2 := os.ReadFile(c.File + ".raw")
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		info, err := BloscInfo(frame)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		seen[fmt.Sprintf("memcpyed=%v", info.Memcpyed)] = true
		seen[fmt.Sprintf("bitshuffle=%v", info.BitShuffle)] = true
		bs, n := info.BlockSize, len(raw)
		if n > bs {
			seen[fmt.Sprintf("several blocks, typesize %d, memcpyed=%v, bitshuffle=%v", info.TypeSize, info.Memcpyed, info.BitShuffle)] = true
		}
		// Needed: the first byte, the byte ranges around the second boundary, the last byte.
		wanted := [][2]int{{0, 1}, {2*bs - 2, 2*bs + 3}, {n - 1, n}}
		need := func(start, end int) bool {
			for _, w := range wanted {
				if w[0] < end && start < w[1] {
					return true
				}
			}
			return false
		}
		dst := bytes.Repeat([]byte{0xd5}, n)
		got, err := bloscDecodeBlocks(dst[:0], frame, n, need)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if len(got) != n {
			t.Fatalf("%s: %d bytes, want %d", c.Name, len(got), n)
		}
		for start := 0; start < n; start += bs {
			end := min(start+bs, n)
			switch {
			case need(start, end) || info.Memcpyed:
				if !bytes.Equal(got[start:end], raw[start:end]) {
					t.Fatalf("%s: needed block at %d differs from c-blosc's bytes", c.Name, start)
				}
			case !bytes.Equal(got[start:end], dst[start:end]) || got[start] != 0xd5:
				t.Fatalf("%s: block at %d was written though not needed", c.Name, start)
			}
		}
	}
	for _, k := range []string{"memcpyed=true", "memcpyed=false", "bitshuffle=true",
		"several blocks, typesize 1, memcpyed=false, bitshuffle=false", "several blocks, typesize 12, memcpyed=false, bitshuffle=false",
		"several blocks, typesize 16, memcpyed=false, bitshuffle=true", "several blocks, typesize 3, memcpyed=true, bitshuffle=false",
		"several blocks, typesize 3, memcpyed=false, bitshuffle=false"} {
		if !seen[k] {
			t.Errorf("no frame with %s among c-blosc's", k)
		}
	}
}
