package codec

import (
	"bytes"
	"testing"
)

const fuzzMaxSize = 1 << 20

func addReferenceSeeds(f *testing.F, add func(frame []byte)) {
	m := loadManifest(f)
	for _, fr := range m.Frames {
		b := fr.frame(f)
		if len(b) <= 16<<10 {
			add(b)
		}
	}
}

func FuzzBloscDecode(f *testing.F) {
	addReferenceSeeds(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := BloscDecode(nil, data, fuzzMaxSize)
		if err != nil {
			return
		}
		info, ierr := BloscInfo(data)
		if ierr != nil {
			t.Fatalf("decoded a frame whose header is invalid: %v", ierr)
		}
		if len(out) != info.NBytes {
			t.Fatalf("decoded %d bytes, header says %d", len(out), info.NBytes)
		}
		if !IsBloscFrame(data) {
			t.Fatal("decoded a frame IsBloscFrame rejects")
		}
	})
}

func FuzzPipelineDecode(f *testing.F) {
	comps := []string{"", "blosclz", "lz4", "lz4hc", "snappy", "gzip", "zstd"}
	addReferenceSeeds(f, func(b []byte) {
		if info, err := BloscInfo(b); err == nil {
			f.Add(b, uint8(5), uint8(1), uint8(2), uint32(info.NBytes))
		}
	})
	src := genData("smooth", 1000, 4, 1)
	for ci, c := range comps {
		for sh := range 3 {
			p := Pipeline{Compressor: c, Shuffle: sh, ItemSize: 4}
			enc, err := p.Encode(nil, src)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(enc, uint8(ci), uint8(sh), uint8(4), uint32(len(src)))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, comp, shuffle, item uint8, size uint32) {
		p := Pipeline{Compressor: comps[int(comp)%len(comps)], Shuffle: int(shuffle % 3), ItemSize: int(item%16) + 1}
		n := int(size % fuzzMaxSize)
		out, err := p.Decode(nil, data, n)
		if err == nil && len(out) != n {
			t.Fatalf("%+v: decoded %d bytes without error, want %d", p, len(out), n)
		}
	})
}

func FuzzBlosclzRoundTrip(f *testing.F) {
	f.Add([]byte("abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc"), uint8(5))
	f.Add(genData("smooth", 500, 2, 1), uint8(9))
	f.Fuzz(func(t *testing.T, src []byte, clevel uint8) {
		dst := make([]byte, len(src))
		n := blosclzEncode(dst, src, int(clevel%9)+1)
		if n == 0 {
			return
		}
		if n >= len(src) {
			t.Fatalf("compressed %d bytes to %d", len(src), n)
		}
		out := make([]byte, len(src))
		m, err := blosclzDecode(out, dst[:n])
		if err != nil || m != len(src) || !bytes.Equal(out, src) {
			t.Fatalf("round trip failed: m=%d err=%v", m, err)
		}
	})
}
