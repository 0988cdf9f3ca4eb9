package codec

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func TestBloscDecodeReferenceFrames(t *testing.T) {
	m := loadManifest(t)
	stats := map[string]int{}
	for _, f := range m.Frames {
		t.Run(f.File, func(t *testing.T) {
			raw, frame := f.raw(t), f.frame(t)
			info, err := BloscInfo(frame)
			if err != nil {
				t.Fatalf("BloscInfo: %v", err)
			}
			switch {
			case info.Memcpyed:
				stats["memcpyed"]++
			case !info.DontSplit && info.TypeSize > 1:
				stats["split"]++
			default:
				stats["unsplit"]++
			}
			if info.NBytes != len(raw) {
				t.Fatalf("header nbytes %d, want %d", info.NBytes, len(raw))
			}
			if !IsBloscFrame(frame) {
				t.Fatal("IsBloscFrame = false")
			}
			got, err := BloscDecode(nil, frame, len(raw))
			if err != nil {
				t.Fatalf("BloscDecode: %v", err)
			}
			if !bytes.Equal(got, raw) {
				t.Fatalf("decoded bytes differ from the original (%d vs %d bytes, first diff at %d)", len(got), len(raw), firstDiff(got, raw))
			}
			// Reusing a destination buffer gives the same bytes in place.
			buf := make([]byte, 0, len(raw)+7)
			got2, err := BloscDecode(buf, frame, len(raw))
			if err != nil || !bytes.Equal(got2, raw) || (len(raw) > 0 && &got2[0] != &buf[:1][0]) {
				t.Fatalf("decode into dst: err=%v equal=%v", err, bytes.Equal(got2, raw))
			}
			if len(raw) > 0 {
				if _, err := BloscDecode(nil, frame, len(raw)-1); err == nil {
					t.Fatal("maxSize below nbytes accepted")
				}
			}
			// Automatic block sizes match c-blosc's compute_blocksize.
			if f.BlockSize == 0 && f.SplitMode == "FORWARD_COMPAT" && !(f.CLevel == 0 || len(raw) < minBufferSize) {
				if bs := computeBlocksize(f.CName, f.CLevel, f.ItemSize, len(raw)); bs != info.BlockSize {
					t.Errorf("computeBlocksize = %d, c-blosc chose %d", bs, info.BlockSize)
				}
				if split := splitBlock(f.CName, f.ItemSize, info.BlockSize); split == info.DontSplit {
					t.Errorf("splitBlock = %v, c-blosc dont-split flag = %v", split, info.DontSplit)
				}
			}
		})
	}
	t.Logf("reference frames from c-blosc %s: %v", m.BloscVersion, stats)
	if stats["split"] == 0 || stats["unsplit"] == 0 || stats["memcpyed"] == 0 {
		t.Errorf("reference set lacks a frame kind: %v", stats)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// hsdsGzipHeader is the VERIFIED header of an HSDS gzip chunk
// (hsds-format.md 1.9), without its blocks.
func TestBloscHeaderVerifiedHSDS(t *testing.T) {
	hdr := []byte{0x02, 0x01, 0x61, 0x01}
	hdr = binary.LittleEndian.AppendUint32(hdr, 1638400)
	hdr = binary.LittleEndian.AppendUint32(hdr, 262144)
	hdr = binary.LittleEndian.AppendUint32(hdr, 3488)
	frame := append(hdr, make([]byte, 3488-16)...)
	info, err := BloscInfo(frame)
	if err != nil {
		t.Fatal(err)
	}
	if info.Codec != "zlib" || !info.Shuffle || info.DontSplit || info.TypeSize != 1 || info.BlockSize != 262144 {
		t.Fatalf("unexpected info %+v", info)
	}
	if got := computeBlocksize("zlib", 5, 1, 1638400); got != 262144 {
		t.Fatalf("computeBlocksize(zlib, 5, 1, 1638400) = %d, want 262144", got)
	}
	zstdFrame := append([]byte{0x02, 0x01, 0x92, 0x01, 10, 0, 0, 0, 10, 0, 0, 0, 26, 0, 0, 0}, []byte("0123456789")...)
	got, err := BloscDecode(nil, zstdFrame, 10)
	if err != nil || string(got) != "0123456789" {
		t.Fatalf("memcpyed zstd frame: %q, %v", got, err)
	}
}

func TestBloscDecodeRejectsBadHeaders(t *testing.T) {
	good, err := BloscEncode(genData("smooth", 5000, 4, 1), "lz4", 5, true, 4)
	if err != nil {
		t.Fatal(err)
	}
	mut := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return f(b)
	}
	put := func(off int, v uint32) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b }
	}
	tests := []struct {
		name, want string
		frame      []byte
		max        int
	}{
		{"short", "shorter than", good[:10], 1 << 20},
		{"version0", "version 0", mut(func(b []byte) []byte { b[0] = 0; return b }), 1 << 20},
		{"version3", "version 3", mut(func(b []byte) []byte { b[0] = 3; return b }), 1 << 20},
		{"reserved flag", "reserved", mut(func(b []byte) []byte { b[2] |= 0x08; return b }), 1 << 20},
		{"typesize0", "typesize is 0", mut(func(b []byte) []byte { b[3] = 0; return b }), 1 << 20},
		{"huge nbytes", "exceeds the blosc limit", mut(put(4, 0xfffffff0)), 1 << 40},
		{"nbytes over max", "more than the limit", good, 100},
		{"blocksize0", "blocksize 0", mut(put(8, 0)), 1 << 20},
		{"blocksize>nbytes", "blocksize", mut(put(8, 20001)), 1 << 20},
		{"cbytes>len", "exceeds the", mut(put(12, uint32(len(good)+1))), 1 << 20},
		{"cbytes<16", "smaller than the header", mut(put(12, 3)), 1 << 20},
		{"codec version", "codec version", mut(func(b []byte) []byte { b[1] = 9; return b }), 1 << 20},
		{"codec format", "unknown codec format", mut(func(b []byte) []byte { b[2] |= 0xe0; return b }), 1 << 20},
		{"bstart out of range", "outside", mut(put(16, 0x7ffffff0)), 1 << 20},
		{"bstart negative", "outside", mut(put(16, 0xffffffff)), 1 << 20},
		{"csize out of range", "exceeds", mut(func(b []byte) []byte {
			off := binary.LittleEndian.Uint32(b[16:])
			binary.LittleEndian.PutUint32(b[off:], 1<<30)
			return b
		}), 1 << 20},
		{"memcpyed size", "memcpyed", mut(func(b []byte) []byte { b[2] |= flagMemcpyed; return b }), 1 << 20},
		{"truncated", "exceeds the", good[:len(good)-1], 1 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BloscDecode(nil, tc.frame, tc.max)
			if err == nil {
				t.Fatal("accepted a bad frame")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestBloscDecodeCorruptStreams(t *testing.T) {
	raw := genData("smooth", 20000, 2, 3)
	for _, cname := range bloscCodecNames {
		t.Run(cname, func(t *testing.T) {
			frame, err := BloscEncode(raw, cname, 5, true, 2)
			if err != nil {
				t.Fatal(err)
			}
			info, _ := BloscInfo(frame)
			if info.Memcpyed {
				t.Fatalf("%s did not compress smooth data", cname)
			}
			// Flip bytes inside the compressed streams: every result must be
			// an error or a same-sized output, never a panic.
			step := max(7, len(frame)/100)
			for i := BloscHeaderSize + 4*((len(raw)+info.BlockSize-1)/info.BlockSize); i < len(frame); i += step {
				bad := append([]byte(nil), frame...)
				bad[i] ^= 0x5a
				out, err := BloscDecode(nil, bad, len(raw))
				if err == nil && len(out) != len(raw) {
					t.Fatalf("corrupt byte %d: %d bytes without error", i, len(out))
				}
			}
		})
	}
}
