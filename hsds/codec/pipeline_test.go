package codec

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPipelineRoundTrip(t *testing.T) {
	comps := []string{"", "blosclz", "lz4", "lz4hc", "snappy", "gzip", "deflate", "zlib", "zstd"}
	for _, comp := range comps {
		for _, shuffle := range []int{ShuffleNone, ShuffleByte, ShuffleBit} {
			for _, item := range []int{1, 2, 4, 8} {
				p := Pipeline{Compressor: comp, Level: 0, Shuffle: shuffle, ItemSize: item}
				src := genData("smooth", 10001, item, uint64(item))
				enc, err := p.Encode(nil, src)
				if err != nil {
					t.Fatalf("%+v: Encode: %v", p, err)
				}
				// c-blosc (and so BloscEncode) memcpys a snappy frame of one
				// unsplit block: snappy wants more room than the frame has.
				snappyMemcpy := comp == "snappy" && (shuffle != ShuffleByte || item == 1)
				if comp != "" && !snappyMemcpy && len(enc) >= len(src) {
					t.Errorf("%+v: %d bytes did not compress (%d)", p, len(src), len(enc))
				}
				dst := make([]byte, 0, len(src))
				got, err := p.Decode(dst, enc, len(src))
				if err != nil {
					t.Fatalf("%+v: Decode: %v", p, err)
				}
				if !bytes.Equal(got, src) {
					t.Fatalf("%+v: round trip differs at %d", p, firstDiff(got, src))
				}
				if len(got) > 0 && &got[0] != &dst[:1][0] {
					t.Errorf("%+v: Decode did not use dst", p)
				}
				if _, err := p.Decode(nil, enc, len(src)+1); err == nil {
					t.Errorf("%+v: wrong size accepted", p)
				}
				// DecodePlanes: the HDF5 byte-shuffle layout when the chunk's last stage is
				// that shuffle (not blosc frames, which undo their own), else Decode's bytes.
				planes, ok, err := p.DecodePlanes(nil, enc, len(src), nil)
				if err != nil {
					t.Fatalf("%+v: DecodePlanes: %v", p, err)
				}
				wantPlanes := shuffle == ShuffleByte && item > 1 && (comp == "" || !IsBloscFrame(enc))
				switch {
				case ok != wantPlanes:
					t.Errorf("%+v: DecodePlanes planes=%v, want %v", p, ok, wantPlanes)
				case ok && !bytes.Equal(Unshuffle(nil, planes, item), src):
					t.Errorf("%+v: DecodePlanes planes are not the shuffled chunk", p)
				case !ok && !bytes.Equal(planes, src):
					t.Errorf("%+v: DecodePlanes differs from Decode", p)
				}
			}
		}
	}
}

func TestPipelineEncodeLayout(t *testing.T) {
	src := genData("smooth", 1000, 4, 1)
	// Shuffle-only chunks are stored HDF5-shuffled.
	got, err := Pipeline{Shuffle: ShuffleByte, ItemSize: 4}.Encode(nil, src)
	if err != nil || !bytes.Equal(got, Shuffle(nil, src, 4)) {
		t.Fatalf("shuffle-only chunk is not the shuffled bytes: %v", err)
	}
	// No filters: a copy.
	got, _ = Pipeline{}.Encode(nil, src)
	if !bytes.Equal(got, src) {
		t.Fatal("raw chunk differs from input")
	}
	tests := []struct {
		name     string
		p        Pipeline
		src      []byte
		codec    string
		typesize int
		shuffle  bool
	}{
		// A compressor with shuffle: blosc's own shuffle with typesize =
		// item size; the frame decodes to the values themselves.
		{"gzip+shuffle", Pipeline{Compressor: "gzip", Level: 6, Shuffle: ShuffleByte, ItemSize: 4}, src, "zlib", 4, true},
		{"zstd+shuffle item 8", Pipeline{Compressor: "zstd", Shuffle: ShuffleByte, ItemSize: 8}, src, "zstd", 8, true},
		// Item size 1: typesize 1 with the shuffle flag, HSDS's own header.
		{"lz4+shuffle item 1", Pipeline{Compressor: "lz4", Shuffle: ShuffleByte, ItemSize: 1}, src, "lz4", 1, true},
		// Item sizes above 255: c-blosc stores typesize 1 (flag kept).
		{"gzip+shuffle item 300", Pipeline{Compressor: "gzip", Shuffle: ShuffleByte, ItemSize: 300}, src[:3000], "zlib", 1, true},
		// Chunks below 128 bytes are memcpyed, the shuffle flag kept.
		{"gzip+shuffle small", Pipeline{Compressor: "gzip", Shuffle: ShuffleByte, ItemSize: 2}, src[:40], "zlib", 2, true},
		// No shuffle: typesize 1, flag clear (as HSDS).
		{"gzip", Pipeline{Compressor: "gzip", ItemSize: 4}, src, "zlib", 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frame, err := tc.p.Encode(nil, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			info, err := BloscInfo(frame)
			if err != nil || info.Codec != tc.codec || info.TypeSize != tc.typesize || info.Shuffle != tc.shuffle || info.BitShuffle {
				t.Fatalf("header %+v (%v), want codec %s typesize %d shuffle %v", info, err, tc.codec, tc.typesize, tc.shuffle)
			}
			inner, err := BloscDecode(nil, frame, len(tc.src))
			if err != nil || !bytes.Equal(inner, tc.src) {
				t.Fatalf("the blosc frame does not decode to the values: %v", err)
			}
			if tc.p.IsLegacyShuffle(frame) {
				t.Fatal("a new frame is taken for a legacy one")
			}
		})
	}
	// Bitshuffle: 12-byte header with total and block bytes.
	bs, err := Pipeline{Shuffle: ShuffleBit, ItemSize: 4}.Encode(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint64(bs) != uint64(len(src)) || binary.BigEndian.Uint32(bs[8:]) != 2048*4 {
		t.Fatalf("bitshuffle header % x", bs[:12])
	}
	// Bitshuffle with a compressor: the bitshuffled layout in a blosc frame
	// without blosc shuffle, typesize 1 (storUtil.py _compress).
	bf, err := Pipeline{Compressor: "lz4", Shuffle: ShuffleBit, ItemSize: 4}.Encode(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := BloscInfo(bf); err != nil || info.TypeSize != 1 || info.Shuffle || info.BitShuffle {
		t.Fatalf("bitshuffle+lz4 frame header %+v, %v", info, err)
	}
	if inner, _ := BloscDecode(nil, bf, 2*len(src)); !bytes.Equal(inner, bs) {
		t.Fatal("bitshuffle+lz4 frame does not hold the bitshuffle layout")
	}
}

func TestPipelineDecodeReference(t *testing.T) {
	m := loadManifest(t)
	n := 0
	for _, f := range m.Frames {
		if !strings.HasPrefix(f.File, "hsds-zlib-") {
			continue
		}
		n++
		raw := f.raw(t)
		got, err := Pipeline{Compressor: "gzip", Level: 5}.Decode(nil, f.frame(t), len(raw))
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("%s: %v", f.File, err)
		}
	}
	if n == 0 {
		t.Fatal("no HSDS-style zlib frames in the reference set")
	}
	// A plain zlib chunk (HDF5-linked) with gzip.
	pz := m.PlainZlib
	b, err := os.ReadFile(filepath.Join("testdata", "frames", pz.File))
	if err != nil {
		t.Fatal(err)
	}
	raw := pz.raw(t)
	got, err := Pipeline{Compressor: "gzip"}.Decode(nil, b, len(raw))
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("plain zlib chunk: %v", err)
	}
	// The same stream, read as shuffled data, is unshuffled afterwards.
	got, err = Pipeline{Compressor: "deflate", Shuffle: ShuffleByte, ItemSize: 2}.Decode(nil, b, len(raw))
	if err != nil || !bytes.Equal(got, Unshuffle(nil, raw, 2)) {
		t.Fatalf("plain zlib chunk with shuffle: %v", err)
	}
	// DecodePlanes leaves it shuffled: the stream's own bytes.
	if got, planes, err := (Pipeline{Compressor: "deflate", Shuffle: ShuffleByte, ItemSize: 2}).DecodePlanes(nil, b, len(raw), nil); err != nil || !planes || !bytes.Equal(got, raw) {
		t.Fatalf("plain zlib chunk with shuffle, DecodePlanes: planes=%v, %v", planes, err)
	}
	// Decoding ignores the level (HSDS datasets may carry zstd levels > 9).
	if got, err := (Pipeline{Compressor: "gzip", Level: 15}).Decode(nil, b, len(raw)); err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("level 15: %v", err)
	}
	if _, err := (Pipeline{Compressor: "lz4"}).Decode(nil, b, len(raw)); err == nil || !strings.Contains(err.Error(), "not a blosc frame") {
		t.Fatalf("zlib stream read as lz4: %v", err)
	}
}

func TestPipelineDecodeErrors(t *testing.T) {
	src := genData("smooth", 4000, 2, 1)
	gz, _ := Pipeline{Compressor: "gzip"}.Encode(nil, src)
	tests := []struct {
		name string
		p    Pipeline
		data []byte
		size int
		want string
	}{
		{"size mismatch raw", Pipeline{}, src, len(src) - 2, "chunk decodes to 8000 bytes, want 7998"},
		{"size mismatch blosc", Pipeline{Compressor: "gzip"}, gz, len(src) + 2, "want 8002"},
		{"garbage gzip", Pipeline{Compressor: "gzip"}, []byte("not zlib at all"), 10, "zlib"},
		{"garbage zstd", Pipeline{Compressor: "zstd"}, []byte("xx"), 10, "not a blosc frame"},
		{"unknown compressor", Pipeline{Compressor: "lzf"}, src, len(src), "unknown compressor"},
		{"negative size", Pipeline{}, src, -1, "negative size"},
		{"bad shuffle", Pipeline{Shuffle: 7, ItemSize: 2}, src, len(src), "unknown shuffle"},
		{"bitshuffle header", Pipeline{Shuffle: ShuffleBit, ItemSize: 2}, make([]byte, 12), 8, "reports 0 bytes"},
		{"bitshuffle short", Pipeline{Shuffle: ShuffleBit, ItemSize: 2}, make([]byte, 5), 8, "shorter than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.p.Decode(nil, tc.data, tc.size)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestPipelineValidate(t *testing.T) {
	tests := []struct {
		p  Pipeline
		ok bool
	}{
		{Pipeline{}, true},
		{Pipeline{Compressor: "GZIP", Level: 9}, true},
		{Pipeline{Compressor: "zstd", Level: 3, Shuffle: 1, ItemSize: 4}, true},
		{Pipeline{Compressor: "lzf"}, false},
		{Pipeline{Compressor: "lz4", Level: 10}, false},
		{Pipeline{Level: -1}, false},
		{Pipeline{Shuffle: 1}, false},
		{Pipeline{Shuffle: 3, ItemSize: 4}, false},
		{Pipeline{ItemSize: -2}, false},
	}
	for _, tc := range tests {
		if err := tc.p.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: Validate() = %v, want ok=%v", tc.p, err, tc.ok)
		}
	}
}

func TestDecodeZlib(t *testing.T) {
	src := genData("smooth", 100000, 2, 1)
	z, err := encodeZlib(src, 6)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		max  int
		ok   bool
	}{
		{"exact", z, len(src), true},
		{"roomy", z, len(src) * 2, true},
		{"too small", z, len(src) - 1, false},
		{"truncated", z[:len(z)-3], len(src), false},
		{"bad checksum", append(append([]byte(nil), z[:len(z)-1]...), z[len(z)-1]^1), len(src), false},
		{"raw deflate", z[2:], len(src), false},
		{"empty", nil, 10, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeZlib(nil, tc.in, tc.max)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && !bytes.Equal(got, src) {
				t.Fatal("decoded bytes differ")
			}
		})
	}
	// A zlib bomb is cut off at maxSize.
	bomb, _ := encodeZlib(make([]byte, 4<<20), 1)
	if _, err := DecodeZlib(nil, bomb, 1<<20); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("zlib bomb: %v", err)
	}
}

func TestBitshuffleLZ4Layout(t *testing.T) {
	for _, item := range []int{1, 2, 4, 8, 3} {
		for _, n := range []int{0, 5, 8, 2048, 2048*2 + 13, 5000} {
			src := genData("smooth", n, item, uint64(n))
			enc, err := encodeBitshuffleLZ4(src, item, 2048)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeBitshuffleLZ4(nil, enc, item, len(src))
			if err != nil || !bytes.Equal(got, src) {
				t.Fatalf("item %d n %d: %v", item, n, err)
			}
			// trailing (n % 8) elements are stored raw at the end.
			tail := (n % 8) * item
			if !bytes.Equal(enc[len(enc)-tail:], src[len(src)-tail:]) {
				t.Fatalf("item %d n %d: leftover elements not stored raw", item, n)
			}
			if n >= 8 {
				if _, err := decodeBitshuffleLZ4(nil, enc[:len(enc)-1-tail], item, len(src)); err == nil {
					t.Fatalf("item %d n %d: truncated buffer accepted", item, n)
				}
			}
		}
	}
}

// TestDecodePlanesNeed: with need, only the blosc blocks that hold needed bytes are decoded (the
// others keep dst's bytes); zlib streams and raw chunks decode whole.
func TestDecodePlanesNeed(t *testing.T) {
	src := genData("smooth", 1_100_000, 4, 4) // 4.4 MB: several blosc blocks
	for _, p := range []Pipeline{
		{Compressor: "gzip", Shuffle: ShuffleByte, ItemSize: 4},
		{Compressor: "lz4", ItemSize: 4},
		{Compressor: "zstd", Shuffle: ShuffleByte, ItemSize: 4, HSDSFrames: true},
	} {
		enc, err := p.Encode(nil, src)
		if err != nil {
			t.Fatal(err)
		}
		info, err := BloscInfo(enc)
		if err != nil {
			t.Fatal(err)
		}
		bs := info.BlockSize
		if len(src) < 3*bs {
			t.Fatalf("%+v: blocks of %d bytes: fewer than 3 in %d", p, bs, len(src))
		}
		// Bytes 2bs-1 (the end of block 1) and 2bs (the start of block 2) are needed.
		var asked [][2]int
		need := func(start, end int) bool {
			asked = append(asked, [2]int{start, end})
			return start <= 2*bs && 2*bs-1 < end
		}
		dst := bytes.Repeat([]byte{0xaa}, len(src))
		got, planes, err := p.DecodePlanes(dst[:0], enc, len(src), need)
		if err != nil || planes {
			t.Fatalf("%+v: planes=%v, %v", p, planes, err)
		}
		if len(asked) != (len(src)+bs-1)/bs {
			t.Errorf("%+v: need asked for %d blocks, the frame has %d", p, len(asked), (len(src)+bs-1)/bs)
		}
		for j := 0; j*bs < len(src); j++ {
			lo, hi := j*bs, min((j+1)*bs, len(src))
			decoded := j == 1 || j == 2
			if decoded && !bytes.Equal(got[lo:hi], src[lo:hi]) {
				t.Errorf("%+v: needed block %d differs", p, j)
			}
			if !decoded && !bytes.Equal(got[lo:hi], bytes.Repeat([]byte{0xaa}, hi-lo)) {
				t.Errorf("%+v: block %d was decoded though not needed", p, j)
			}
		}
	}
	// A zlib stream (HSDS's plain gzip chunks) decodes whole.
	p := Pipeline{Compressor: "gzip", Shuffle: ShuffleByte, ItemSize: 4}
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zw.Write(Shuffle(nil, src, 4))
	zw.Close()
	got, planes, err := p.DecodePlanes(nil, zb.Bytes(), len(src), func(int, int) bool { return false })
	if err != nil || !planes || !bytes.Equal(Unshuffle(nil, got, 4), src) {
		t.Fatalf("zlib stream: planes=%v, %v", planes, err)
	}
}
