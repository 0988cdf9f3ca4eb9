package inflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"strings"
	"testing"
)

// bitWriter writes deflate bit fields (LSB first) and Huffman codes (MSB first).
type bitWriter struct {
	b    []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) bits(v uint64, n uint) *bitWriter {
	w.acc |= v << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.b = append(w.b, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
	return w
}

// code writes an n-bit Huffman codeword c, most significant bit first.
func (w *bitWriter) code(c uint64, n uint) *bitWriter {
	return w.bits(uint64(reverse(uint32(c), n)), n)
}

func (w *bitWriter) bytes() []byte {
	out := append([]byte{}, w.b...)
	if w.nacc > 0 {
		out = append(out, byte(w.acc))
	}
	return out
}

// fixedLitCode returns the fixed-Huffman codeword of a literal/length symbol.
func fixedLitCode(sym int) (uint64, uint) {
	switch {
	case sym < 144:
		return uint64(0x30 + sym), 8
	case sym < 256:
		return uint64(0x190 + sym - 144), 9
	case sym < 280:
		return uint64(sym - 256), 7
	default:
		return uint64(0xc0 + sym - 280), 8
	}
}

func fixed(w *bitWriter, syms ...int) *bitWriter {
	for _, s := range syms {
		w.code(fixedLitCode(s))
	}
	return w
}

// dynamicHeader writes a dynamic block header with the nlit+ndist code lengths lens, coded
// by a precode that gives symbols 0..15 length 4 (a complete code, codeword = symbol) and
// 16..18 none, then the bytes raw.
func dynamicHeader(w *bitWriter, final bool, nlit, ndist int, lens []int, raw []int) *bitWriter {
	f := uint64(0)
	if final {
		f = 1
	}
	w.bits(f, 1).bits(2, 2)
	w.bits(uint64(nlit-257), 5).bits(uint64(ndist-1), 5).bits(19-4, 4)
	// Precode lengths in precOrder: 4 for symbols 0..15, 0 for 16, 17, 18 (unless raw is set).
	var pl [19]int
	for i := 0; i < 16; i++ {
		pl[i] = 4
	}
	for i := range 19 {
		w.bits(uint64(pl[precOrder[i]]), 3)
	}
	for _, l := range lens {
		w.code(uint64(l), 4) // canonical code of symbol l among 16 codes of length 4 is l
	}
	for _, r := range raw {
		w.bits(uint64(r), 8)
	}
	return w
}

// TestMalformed feeds hand-made broken streams of every kind; each must fail with an error
// (never panic), and compress/flate must reject them too.
func TestMalformed(t *testing.T) {
	litLens := func(n int, l int) []int {
		x := make([]int, n)
		for i := range x {
			x[i] = l
		}
		return x
	}
	// 257 literal/length code lengths: 257 codes of length 8 over-subscribe (256 fill it);
	// 256 literals and no EOB is complete but cannot end; 255 literals and EOB is incomplete.
	over := append(litLens(256, 8), 8)
	noEOB := append(litLens(256, 8), 0)
	incomplete := append(litLens(256, 8), 8)
	incomplete[0], incomplete[1] = 0, 0
	type malformed struct {
		src  []byte
		want string // in the error
	}
	cases := map[string]malformed{
		"block type 3":         {new(bitWriter).bits(1, 1).bits(3, 2).bytes(), "block type 3"},
		"stored nlen mismatch": {[]byte{0x01, 0x05, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd', 'e'}, "complement"},
		"stored truncated":     {[]byte{0x01, 0x05, 0x00, 0xfa, 0xff, 'a', 'b'}, "stored block of 5 bytes"},
		// 'a', then length 3 at distance 4 (distance code 3) with 1 byte decoded.
		"distance too far":   {fixed(new(bitWriter).bits(1, 1).bits(1, 2), 'a', 257).code(3, 5).bytes(), "distance 4 beyond"},
		"distance symbol 30": {fixed(new(bitWriter).bits(1, 1).bits(1, 2), 'a', 'b', 257).code(30, 5).bytes(), "invalid distance code"},
		"litlen symbol 286":  {fixed(new(bitWriter).bits(1, 1).bits(1, 2), 'a', 286).bytes(), "invalid literal/length code"},
		"no final block":     {fixed(new(bitWriter).bits(0, 1).bits(1, 2), 'a', 256).bytes(), "stored block header"},
		"truncated fixed":    {fixed(new(bitWriter).bits(1, 1).bits(1, 2), 'a', 'b').bytes()[:1], "truncated"},
		"hlit 287": {new(bitWriter).bits(1, 1).bits(2, 2).bits(30, 5).bits(0, 5).bits(15, 4).
			bits(0, 3*19).bytes(), "287 literal/length"},
		"over-subscribed":   {dynamicHeader(new(bitWriter), true, 257, 1, append(over, 1), nil).bytes(), "over-subscribed"},
		"no end-of-block":   {dynamicHeader(new(bitWriter), true, 257, 1, append(noEOB, 1), nil).bytes(), "without an end-of-block"},
		"incomplete litlen": {dynamicHeader(new(bitWriter), true, 257, 1, append(incomplete, 1), nil).bytes(), "incomplete"},
		// Precode of 4 lengths (16, 17, 18, 0 in precOrder): symbols 16 and 0 of length 1; the
		// first code length is then a repeat (code 1) with nothing to repeat.
		"repeat first": {new(bitWriter).bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4).
			bits(1, 3).bits(0, 3).bits(0, 3).bits(1, 3).code(1, 1).bits(0, 2).bytes(), "repeat with no previous"},
		"empty": {nil, "stored block: inflate: truncated"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			src := c.src
			var d Decoder
			n, _, err := d.Decode(make([]byte, 1000), src)
			if err == nil {
				t.Fatalf("decoded %d bytes without error", n)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want it to name %q", err, c.want)
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("error %v is neither ErrCorrupt nor ErrTruncated", err)
			}
			if _, rerr := io.ReadAll(flate.NewReader(bytes.NewReader(src))); rerr == nil {
				t.Fatalf("compress/flate accepts it (ours: %v)", err)
			}
		})
	}
}
