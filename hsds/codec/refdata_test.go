package codec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// genData mirrors gen_data in testdata/make_frames.py.
func genData(kind string, n, itemsize int, seed uint64) []byte {
	const lcgA, lcgC = 6364136223846793005, 1442695040888963407
	x := seed
	if kind == "random" {
		out := make([]byte, n*itemsize)
		for i := range out {
			x = x*lcgA + lcgC
			out[i] = byte(x >> 56)
		}
		return out
	}
	out := make([]byte, 0, n*itemsize)
	for i := 0; i < n; i++ {
		x = x*lcgA + lcgC
		var v uint64
		switch kind {
		case "smooth":
			v = uint64(i>>4) + x>>63
		case "ramp":
			v = uint64(i >> 10)
		default:
			panic("unknown kind " + kind)
		}
		for b := 0; b < itemsize; b++ {
			out = append(out, byte(v>>(8*b)))
		}
	}
	return out
}

type refFrame struct {
	File      string `json:"file"`
	Kind      string `json:"kind"`
	N         int    `json:"n"`
	ItemSize  int    `json:"itemsize"`
	Seed      uint64 `json:"seed"`
	CName     string `json:"cname"`
	CLevel    int    `json:"clevel"`
	Shuffle   string `json:"shuffle"`
	NThreads  int    `json:"nthreads"`
	BlockSize int    `json:"blocksize"`
	SplitMode string `json:"splitmode"`
	SHA256    string `json:"sha256"`
}

type refManifest struct {
	BloscVersion string     `json:"blosc_version"`
	Frames       []refFrame `json:"frames"`
	PlainZlib    refFrame   `json:"plain_zlib"`
}

func loadManifest(t testing.TB) refManifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "frames", "manifest.json"))
	if err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	var m refManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	if len(m.Frames) == 0 {
		t.Fatal("manifest lists no frames")
	}
	return m
}

// raw regenerates a frame's decoded bytes and checks them against the hash
// the C side recorded.
func (f refFrame) raw(t testing.TB) []byte {
	t.Helper()
	raw := genData(f.Kind, f.N, f.ItemSize, f.Seed)
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != f.SHA256 {
		t.Fatalf("%s: regenerated data hash %s, manifest says %s (generator drift)", f.File, got, f.SHA256)
	}
	return raw
}

func (f refFrame) frame(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "frames", f.File))
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return b
}
