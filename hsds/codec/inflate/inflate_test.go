package inflate

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// inputs returns test payloads covering literals, short and long matches,
// overlapping copies (distances 1..7), long runs and incompressible data.
func inputs() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	m := map[string][]byte{"empty": {}, "one": {42}}
	random := make([]byte, 100000)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	m["random"] = random
	zeros := make([]byte, 300000)
	m["zeros"] = zeros
	text := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog; "), 3000)
	m["text"] = text
	// int16 samples of a smooth field with noise: what blosc-zlib SST blocks hold.
	sst := make([]byte, 2*100000)
	v := 1500
	for i := 0; i < len(sst); i += 2 {
		v += int(r.IntN(7)) - 3
		if i%5000 < 600 {
			sst[i], sst[i+1] = 0x00, 0x80 // fill value runs
			continue
		}
		sst[i], sst[i+1] = byte(v), byte(v>>8)
	}
	m["sst-like"] = sst
	short := make([]byte, 50000)
	for i := range short {
		short[i] = byte(i % (1 + i/5000)) // periods 1..10: overlapping copies
	}
	m["periods"] = short
	mixed := make([]byte, 0, 200000)
	for len(mixed) < 190000 {
		n := r.IntN(2000)
		if r.IntN(2) == 0 {
			for range n {
				mixed = append(mixed, byte(r.Uint32()))
			}
		} else {
			b := byte(r.Uint32())
			for range n {
				mixed = append(mixed, b)
			}
		}
	}
	m["mixed"] = mixed
	return m
}

func deflateLevel(t testing.TB, src []byte, level int) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoundTrip decodes compress/flate's streams at every level (0: stored
// blocks, HuffmanOnly, 1-9: fixed and dynamic blocks) and checks the bytes
// and the consumed count, with trailing garbage after the stream.
func TestRoundTrip(t *testing.T) {
	var d Decoder
	for name, in := range inputs() {
		for _, level := range []int{flate.HuffmanOnly, 0, 1, 2, 4, 6, 9} {
			comp := deflateLevel(t, in, level)
			withTail := append(append([]byte{}, comp...), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)
			dst := make([]byte, len(in))
			n, c, err := d.Decode(dst, withTail)
			if err != nil {
				t.Fatalf("%s level %d: %v", name, level, err)
			}
			if n != len(in) || !bytes.Equal(dst, in) {
				t.Fatalf("%s level %d: decoded %d bytes, want %d (equal=%v)", name, level, n, len(in), bytes.Equal(dst[:n], in))
			}
			if c != len(comp) {
				t.Fatalf("%s level %d: consumed %d, want %d", name, level, c, len(comp))
			}
			// One byte short of room must fail with ErrShortOutput, not panic.
			if len(in) > 0 {
				if _, _, err := d.Decode(make([]byte, len(in)-1), comp); !errors.Is(err, ErrShortOutput) {
					t.Fatalf("%s level %d: short output: err %v, want ErrShortOutput", name, level, err)
				}
			}
			// Every truncation must fail.
			for _, cut := range []int{0, 1, len(comp) / 2, len(comp) - 1} {
				if cut >= len(comp) || cut < 0 {
					continue
				}
				if _, _, err := d.Decode(make([]byte, len(in)), comp[:cut]); err == nil {
					t.Fatalf("%s level %d: truncated to %d of %d bytes decodes without error", name, level, cut, len(comp))
				}
			}
		}
	}
}

func TestZlib(t *testing.T) {
	var d Decoder
	for name, in := range inputs() {
		var buf bytes.Buffer
		w, _ := zlib.NewWriterLevel(&buf, 5)
		w.Write(in)
		w.Close()
		comp := buf.Bytes()
		dst := make([]byte, len(in))
		n, c, err := d.DecodeZlib(dst, comp)
		if err != nil || n != len(in) || c != len(comp) || !bytes.Equal(dst, in) {
			t.Fatalf("%s: n %d c %d err %v", name, n, c, err)
		}
		if len(in) == 0 {
			continue
		}
		bad := append([]byte{}, comp...)
		bad[len(bad)-1] ^= 1
		if _, _, err := d.DecodeZlib(dst, bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: bad checksum: err %v, want ErrCorrupt", name, err)
		}
	}
	for _, hdr := range [][]byte{{0x78}, {0x79, 0x9c}, {0x78, 0x9d}, {0x78, 0xbb}} {
		if _, _, err := d.DecodeZlib(make([]byte, 10), append(hdr, 3, 0, 0, 0, 0, 1)); err == nil {
			t.Fatalf("header % x: no error", hdr)
		}
	}
}

// reference decodes src with compress/flate, reading at most limit+1 bytes.
func reference(src []byte, limit int) ([]byte, int, error) {
	br := bytes.NewReader(src)
	r := flate.NewReader(br)
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, 0, err
	}
	// compress/flate reads ahead by bytes; it does not report where the
	// stream ended, so only decoded bytes are compared.
	return out, 0, nil
}

// FuzzDecode checks Decode against compress/flate on arbitrary input: when
// either decodes the stream into exactly limit bytes, both must, with equal
// bytes; malformed input must return an error, never panic. Seeds cover
// stored, fixed and dynamic blocks of every payload of inputs(); inputs the
// fuzzer finds failing are kept under testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, in := range inputs() {
		if len(in) > 3000 {
			in = in[:3000]
		}
		for _, level := range []int{flate.HuffmanOnly, 0, 1, 6, 9} {
			f.Add(deflateLevel(f, in, level), uint16(len(in)))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, limit16 uint16) {
		limit := int(limit16)
		var d Decoder
		dst := make([]byte, limit)
		n, _, err := d.Decode(dst, src)
		want, _, rerr := reference(src, limit)
		refOK := rerr == nil && len(want) == limit
		ours := err == nil && n == limit
		if err == nil && n != limit && !(rerr == nil && len(want) == n) {
			t.Fatalf("ours decodes %d bytes, reference %d bytes (err %v)", n, len(want), rerr)
		}
		if ours != refOK {
			t.Fatalf("ours: n=%d err=%v; reference: %d bytes err=%v", n, err, len(want), rerr)
		}
		if ours && !bytes.Equal(dst, want) {
			t.Fatalf("ours and reference decode different bytes")
		}
	})
}
