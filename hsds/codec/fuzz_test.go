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
	// A legacy hsfan chunk (Decode refuses it; DecodeLegacyShuffle reads it).
	legacy, err := BloscEncode(Shuffle(nil, src, 4), "zlib", 5, false, 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(legacy, uint8(5), uint8(1), uint8(4), uint32(len(src)))
	f.Fuzz(func(t *testing.T, data []byte, comp, shuffle, item uint8, size uint32) {
		p := Pipeline{Compressor: comps[int(comp)%len(comps)], Shuffle: int(shuffle % 3), ItemSize: int(item%16) + 1}
		n := int(size % fuzzMaxSize)
		out, err := p.Decode(nil, data, n)
		if err == nil && len(out) != n {
			t.Fatalf("%+v: decoded %d bytes without error, want %d", p, len(out), n)
		}
		if err == nil && p.IsLegacyShuffle(data) {
			t.Fatalf("%+v: Decode accepted a legacy chunk", p)
		}
		out, err = p.DecodeLegacyShuffle(nil, data, n)
		if err == nil && (len(out) != n || !p.IsLegacyShuffle(data)) {
			t.Fatalf("%+v: DecodeLegacyShuffle returned %d bytes (want %d) for legacy=%v", p, len(out), n, p.IsLegacyShuffle(data))
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

// FuzzBloscEncodeRoundTrip encodes arbitrary bytes with every codec, shuffle, level and typesize
// (including typesizes above 16 and 255 and lengths that are not whole items) and decodes them
// back.
func FuzzBloscEncodeRoundTrip(f *testing.F) {
	f.Add(genData("smooth", 3000, 2, 1), uint8(4), uint8(5), true, uint16(2))
	f.Add(genData("random", 700, 1, 2), uint8(3), uint8(9), false, uint16(1))
	f.Add(genData("smooth", 1000, 3, 3), uint8(0), uint8(1), true, uint16(17))
	f.Add(genData("smooth", 90, 1, 4), uint8(5), uint8(5), true, uint16(300))
	f.Fuzz(func(t *testing.T, src []byte, codec, clevel uint8, shuffle bool, typesize uint16) {
		cname := bloscCodecNames[int(codec)%len(bloscCodecNames)]
		ts := int(typesize%400) + 1
		frame, err := BloscEncode(src, cname, int(clevel%10), shuffle, ts)
		if err != nil {
			t.Fatal(err)
		}
		if len(frame) > len(src)+BloscHeaderSize {
			t.Fatalf("%s ts%d: frame of %d bytes for %d", cname, ts, len(frame), len(src))
		}
		got, err := BloscDecode(nil, frame, len(src))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%s clevel %d shuffle %v ts%d: round trip: %v", cname, clevel%10, shuffle, ts, err)
		}
	})
}
