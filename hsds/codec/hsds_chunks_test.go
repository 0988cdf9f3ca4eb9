package codec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hsdsChunk is one entry of testdata/hsds/manifest.json (make_hsds_frames.py): a chunk as HSDS
// 0.9.4's storUtil.py _compress stores it, with the sha256 of the values (SHA256) and of what
// HSDS's _uncompress returns for it (HSDSSHA256).
type hsdsChunk struct {
	File       string `json:"file"`
	Kind       string `json:"kind"`
	N          int    `json:"n"`
	DType      string `json:"dtype"`
	ItemSize   int    `json:"itemsize"`
	Seed       uint64 `json:"seed"`
	Compressor string `json:"compressor"`
	Level      int    `json:"level"`
	Shuffle    int    `json:"shuffle"`
	SHA256     string `json:"sha256"`
	HSDSSHA256 string `json:"hsds_sha256"`
}

func loadHSDSChunks(t *testing.T) []hsdsChunk {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hsds", "manifest.json"))
	if err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	var m struct {
		Source string      `json:"source"`
		Chunks []hsdsChunk `json:"chunks"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	if len(m.Chunks) < 20 {
		t.Fatalf("manifest lists %d chunks", len(m.Chunks))
	}
	t.Logf("chunks made with %s", m.Source)
	return m.Chunks
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestDecodeHSDSChunks reads chunks that HSDS's own _compress wrote and checks that Decode
// returns what HSDS's _uncompress returns: the values for every blosc frame (no HDF5 unshuffle
// after blosc) and for plain zlib streams with shuffle (HDF5-unshuffled); HSDS's reading of its
// shuffle-only chunks (its bug, hsds-format.md 1.9). Legacy hsfan chunks, which HSDS reads as
// the shuffled bytes, are refused with ErrLegacyShuffle and read by DecodeLegacyShuffle.
func TestDecodeHSDSChunks(t *testing.T) {
	chunks := loadHSDSChunks(t)
	kinds := map[string]int{}
	for _, c := range chunks {
		t.Run(strings.TrimSuffix(c.File, ".chunk"), func(t *testing.T) {
			stored, err := os.ReadFile(filepath.Join("testdata", "hsds", c.File))
			if err != nil {
				t.Fatal(err)
			}
			raw := genData(c.Kind, c.N, c.ItemSize, c.Seed)
			if sha(raw) != c.SHA256 {
				t.Fatalf("regenerated values differ from the manifest (generator drift)")
			}
			comp := c.Compressor
			if comp == "zlib" {
				comp = "gzip" // HSDS's DEFLATE filter
			}
			p := Pipeline{Compressor: comp, Level: c.Level, Shuffle: c.Shuffle, ItemSize: c.ItemSize}
			size := c.N * c.ItemSize
			got, err := p.Decode(nil, stored, size)
			switch {
			case strings.HasPrefix(c.File, "legacy-"):
				kinds["legacy"]++
				if !errors.Is(err, ErrLegacyShuffle) || !strings.Contains(err.Error(), "hsfan repack") {
					t.Fatalf("legacy chunk: Decode error %v, want ErrLegacyShuffle naming hsfan repack", err)
				}
				if !p.IsLegacyShuffle(stored) {
					t.Fatal("IsLegacyShuffle is false")
				}
				inner, err := BloscDecode(nil, stored, size)
				if err != nil || sha(inner) != c.HSDSSHA256 || sha(inner) == c.SHA256 {
					t.Fatalf("HSDS does not read the frame's bytes, or they are the values: %v", err)
				}
				got, err = p.DecodeLegacyShuffle(nil, stored, size)
				if err != nil || !bytes.Equal(got, raw) {
					t.Fatalf("DecodeLegacyShuffle: %v", err)
				}
				return
			case strings.HasPrefix(c.File, "shuffleonly-"):
				kinds["shuffle-only"]++
				if err != nil || sha(got) != c.HSDSSHA256 {
					t.Fatalf("shuffle-only chunk is not read as HSDS reads it: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, raw) || c.HSDSSHA256 != c.SHA256 {
				t.Fatalf("decoded values differ (first at byte %d)", firstDiff(got, raw))
			}
			if p.IsLegacyShuffle(stored) {
				t.Fatal("an HSDS chunk is taken for a legacy one")
			}
			if _, err := p.DecodeLegacyShuffle(nil, stored, size); err == nil {
				t.Fatal("DecodeLegacyShuffle accepted a chunk that is not legacy")
			}
			if !IsBloscFrame(stored) {
				kinds["zlib stream"]++
				return
			}
			info, err := BloscInfo(stored)
			if err != nil {
				t.Fatal(err)
			}
			kinds["blosc"]++
			if info.Memcpyed {
				kinds["memcpyed"]++
			}
			// HSDS frames: typesize 1, shuffle flag exactly when the dataset has the filter.
			if info.TypeSize != 1 || info.Shuffle != (c.Shuffle == ShuffleByte) || info.BitShuffle {
				t.Fatalf("HSDS frame header %+v", info)
			}
			// Go writes the same header for HSDS's parameters (the compressed bytes differ).
			goFrame, err := BloscEncode(raw, c.Compressor, c.Level, c.Shuffle == ShuffleByte, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(goFrame[:12], stored[:12]) {
				t.Fatalf("Go header % x, HSDS wrote % x", goFrame[:12], stored[:12])
			}
		})
	}
	for _, k := range []string{"legacy", "shuffle-only", "zlib stream", "blosc", "memcpyed"} {
		if kinds[k] == 0 {
			t.Errorf("no %s chunk in the fixture set", k)
		}
	}
}

// TestLegacyShuffleDetection checks which frames Decode refuses as legacy hsfan chunks: only
// typesize-1 frames without shuffle flags in byte-shuffle datasets with a compressor and an item
// size > 1, whatever their size (memcpyed or not).
func TestLegacyShuffleDetection(t *testing.T) {
	vals := genData("smooth", 5000, 4, 3)
	legacy := func(src []byte, item int, cname string) []byte {
		f, err := BloscEncode(Shuffle(nil, src, item), cname, 5, false, 1)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	shuf := Pipeline{Compressor: "gzip", Shuffle: ShuffleByte, ItemSize: 4}
	hsdsStyle, _ := BloscEncode(vals, "zlib", 5, true, 1)
	newStyle, _ := shuf.Encode(nil, vals)
	tests := []struct {
		name   string
		p      Pipeline
		frame  []byte
		legacy bool
	}{
		{"legacy gzip", shuf, legacy(vals, 4, "zlib"), true},
		{"legacy zstd small (memcpyed)", Pipeline{Compressor: "zstd", Shuffle: ShuffleByte, ItemSize: 4}, legacy(vals[:64], 4, "zstd"), true},
		{"legacy lz4 random (memcpyed)", Pipeline{Compressor: "lz4", Shuffle: ShuffleByte, ItemSize: 8}, legacy(genData("random", 4000, 1, 2), 8, "lz4"), true},
		{"HSDS style", shuf, hsdsStyle, false},
		{"new style", shuf, newStyle, false},
		{"no shuffle filter", Pipeline{Compressor: "gzip", ItemSize: 4}, legacy(vals, 1, "zlib"), false},
		{"item size 1", Pipeline{Compressor: "gzip", Shuffle: ShuffleByte, ItemSize: 1}, legacy(vals, 1, "zlib"), false},
		{"bitshuffle", Pipeline{Compressor: "lz4", Shuffle: ShuffleBit, ItemSize: 4}, legacy(vals, 1, "lz4"), false},
		{"no compressor", Pipeline{Shuffle: ShuffleByte, ItemSize: 4}, legacy(vals, 4, "zlib"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.IsLegacyShuffle(tc.frame); got != tc.legacy {
				t.Fatalf("IsLegacyShuffle = %v, want %v", got, tc.legacy)
			}
			size, _ := BloscInfo(tc.frame)
			_, err := tc.p.Decode(nil, tc.frame, size.NBytes)
			if tc.legacy != errors.Is(err, ErrLegacyShuffle) {
				t.Fatalf("Decode error %v, legacy %v", err, tc.legacy)
			}
		})
	}
}
