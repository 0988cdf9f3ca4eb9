package codec

import (
	"bytes"
	"testing"
)

func TestBloscEncodeRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"smooth2":  genData("smooth", 40000, 2, 1), // several blocks for fast codecs
		"smooth8":  genData("smooth", 30001, 8, 2), // leftover block
		"ramp1":    genData("ramp", 1<<20, 1, 3),   // HSDS-like, 4 blocks of 256 KiB for zlib
		"random":   genData("random", 5000, 1, 4),  // memcpyed
		"tiny":     []byte("0123456789"),           // below MIN_BUFFERSIZE
		"empty":    nil,
		"odd4":     genData("smooth", 33333, 1, 5), // nbytes not a multiple of typesize 4
		"smooth16": genData("smooth", 3000, 16, 6), // typesize 16 still splits
	}
	for name, src := range inputs {
		for _, cname := range bloscCodecNames {
			for _, ts := range []int{1, 2, 4, 8} {
				for _, shuffle := range []bool{false, true} {
					if name == "ramp1" && (ts != 1 || shuffle) {
						continue // large: the HSDS shape only
					}
					frame, err := BloscEncode(src, cname, 5, shuffle, ts)
					if err != nil {
						t.Fatalf("%s %s ts%d: %v", name, cname, ts, err)
					}
					info, err := BloscInfo(frame)
					if err != nil {
						t.Fatalf("%s %s ts%d: own frame rejected: %v", name, cname, ts, err)
					}
					if info.CBytes != len(frame) || info.NBytes != len(src) {
						t.Fatalf("%s %s: header sizes %d/%d, want %d/%d", name, cname, info.NBytes, info.CBytes, len(src), len(frame))
					}
					if len(frame) > len(src)+BloscHeaderSize {
						t.Fatalf("%s %s: frame of %d bytes for %d input bytes", name, cname, len(frame), len(src))
					}
					got, err := BloscDecode(nil, frame, len(src))
					if err != nil || !bytes.Equal(got, src) {
						t.Fatalf("%s %s ts%d shuffle=%v: round trip failed: %v", name, cname, ts, shuffle, err)
					}
					compressible := name != "random" && name != "tiny" && name != "empty"
					// c-blosc offers snappy snappy_max_compressed_length bytes of
					// room, more than a frame of one unsplit block has left, so it
					// memcpys such frames (TestGoFramesDecodeInC compares with C).
					snappyOneStream := cname == "snappy" && info.NBytes <= info.BlockSize && (info.DontSplit || info.TypeSize == 1)
					if compressible && info.Memcpyed && !snappyOneStream {
						t.Errorf("%s %s ts%d: compressible data stored memcpyed", name, cname, ts)
					}
					if !compressible && !info.Memcpyed {
						t.Errorf("%s %s: incompressible data not memcpyed", name, cname)
					}
				}
			}
		}
	}
}

func TestBloscEncodeDeterministic(t *testing.T) {
	src := genData("smooth", 100000, 4, 7)
	for _, cname := range bloscCodecNames {
		a, err := BloscEncode(src, cname, 5, true, 4)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			b, _ := BloscEncode(src, cname, 5, true, 4)
			if !bytes.Equal(a, b) {
				t.Fatalf("%s: output differs between runs", cname)
			}
		}
	}
}

func TestBloscEncodeHeader(t *testing.T) {
	src := genData("ramp", 1638400, 1, 1)
	frame, err := BloscEncode(src, "zlib", 5, false, 1)
	if err != nil {
		t.Fatal(err)
	}
	// As HSDS writes gzip chunks: version 2, zlib v1, codec 3, split allowed.
	if frame[0] != 2 || frame[1] != 1 || frame[2] != 0x60 || frame[3] != 1 {
		t.Fatalf("header bytes % x, want 02 01 60 01", frame[:4])
	}
	info, _ := BloscInfo(frame)
	if info.BlockSize != 262144 {
		t.Fatalf("blocksize %d, want 262144", info.BlockSize)
	}
	zf, _ := BloscEncode(genData("smooth", 5000, 4, 1), "zstd", 5, true, 4)
	if zf[2] != 0x80|flagDontSplit|flagShuffle {
		t.Fatalf("zstd flags %#x, want %#x (never split)", zf[2], 0x80|flagDontSplit|flagShuffle)
	}
}

func TestBloscEncodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		cname    string
		clevel   int
		typesize int
	}{
		{"codec", "lzma", 5, 1},
		{"level low", "lz4", -1, 1},
		{"level high", "lz4", 10, 1},
		{"typesize", "lz4", 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := BloscEncode([]byte("data"), tc.cname, tc.clevel, false, tc.typesize); err == nil {
				t.Fatal("bad parameters accepted")
			}
		})
	}
}

func TestComputeBlocksize(t *testing.T) {
	tests := []struct {
		cname                    string
		clevel, typesize, nbytes int
		want                     int
	}{
		{"zlib", 5, 1, 1638400, 262144},
		{"zlib", 9, 1, 4 << 20, 256 << 10}, // 32K*2*8*2 = 1 MiB, split cap 256K
		{"zstd", 9, 1, 4 << 20, 1 << 20},   // zstd does not split: no cap
		{"lz4", 5, 4, 4 << 20, 512 << 10},  // 128K, split: *4
		{"lz4", 1, 2, 1 << 20, 64 << 10},   // 16K*2 = 32K -> raised to 64K
		{"blosclz", 5, 8, 100, 96},         // rounded down to whole items
		{"lz4", 5, 8, 4, 1},
		{"lz4", 5, 3, 1000, 999},
	}
	for _, tc := range tests {
		if got := computeBlocksize(tc.cname, tc.clevel, tc.typesize, tc.nbytes); got != tc.want {
			t.Errorf("computeBlocksize(%s, %d, %d, %d) = %d, want %d", tc.cname, tc.clevel, tc.typesize, tc.nbytes, got, tc.want)
		}
	}
}

// TestBloscEncodeHeaderMatchesC encodes the reference data with the
// reference parameters and compares the header with c-blosc's: version
// bytes, flags (but the memcpyed bit, which depends on the codec's
// output), typesize, nbytes and blocksize.
func TestBloscEncodeHeaderMatchesC(t *testing.T) {
	m := loadManifest(t)
	n := 0
	for _, f := range m.Frames {
		if f.BlockSize != 0 || f.SplitMode != "FORWARD_COMPAT" || f.Shuffle == "bitshuffle" {
			continue
		}
		n++
		frame := f.frame(t)
		raw := f.raw(t)
		got, err := BloscEncode(raw, f.CName, f.CLevel, f.Shuffle == "shuffle", f.ItemSize)
		if err != nil {
			t.Fatalf("%s: %v", f.File, err)
		}
		g, c := append([]byte(nil), got[:12]...), append([]byte(nil), frame[:12]...)
		g[2] &^= flagMemcpyed
		c[2] &^= flagMemcpyed
		if !bytes.Equal(g, c) {
			t.Errorf("%s: header % x, c-blosc wrote % x", f.File, g, c)
		}
	}
	if n < 50 {
		t.Fatalf("only %d comparable reference frames", n)
	}
}
