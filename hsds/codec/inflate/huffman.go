package inflate

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// huffman decodes one Huffman-coded block with the tables lt and dt into dst
// at out and returns the new output position.
//
// The fast loop (libdeflate's decompress_template.h) holds the bit buffer in
// locals and runs while len(src)-in >= fastInRoom and len(dst)-out >=
// fastOutRoom: each iteration refills to >= 56 bits, which covers a
// literal/length code with its extra bits (15+5) and a distance code with its
// extra bits (15+13), so no symbol checks the input; matches are copied 8
// bytes at a time, writing up to 7 bytes past the match, which the room
// check keeps inside dst. The slow loop finishes the block with every check.
func (d *Decoder) huffman(br *bitReader, dst []byte, out int, lt *[litEnough]uint32, dt *[distEnough]uint32) (int, error) {
	src := br.src
	in := br.in
	bitbuf := br.bitbuf
	bitsleft := br.bitsleft
	inFast := len(src) - fastInRoom
	outFast := len(dst) - fastOutRoom
	if inFast < 0 || outFast < 0 {
		return d.huffmanSlow(br, dst, out, lt, dt)
	}
	// The fast loop addresses src and dst through these base pointers, without
	// bounds checks: its conditions keep every access inside them (see above).
	sp := unsafe.Pointer(unsafe.SliceData(src))
	dp := unsafe.Pointer(unsafe.SliceData(dst))

	for in <= inFast && out <= outFast {
		// Refill (branchless, libdeflate REFILL_BITS_BRANCHLESS).
		bitbuf |= load64(sp, in) << (bitsleft & 63)
		in += int((63 - bitsleft) >> 3)
		bitsleft |= 56

		e := lt[bitbuf&litMask]
		if e&flagLiteral != 0 {
			// Up to three literals on one refill (3 x 15 bits <= 56).
			bitbuf >>= e & 63
			bitsleft -= uint(e & 0xff)
			store8(dp, out, byte(e>>16))
			out++
			e = lt[bitbuf&litMask]
			if e&flagLiteral != 0 {
				bitbuf >>= e & 63
				bitsleft -= uint(e & 0xff)
				store8(dp, out, byte(e>>16))
				out++
				e = lt[bitbuf&litMask]
				if e&flagLiteral != 0 {
					bitbuf >>= e & 63
					bitsleft -= uint(e & 0xff)
					store8(dp, out, byte(e>>16))
					out++
					continue
				}
			}
			// A length and distance need up to 48 bits: refill again
			// (in advanced by at most 7 bytes, so 8 more remain).
			bitbuf |= load64(sp, in) << (bitsleft & 63)
			in += int((63 - bitsleft) >> 3)
			bitsleft |= 56
			if out > outFast {
				// Room for a literal but maybe not for a match.
				break
			}
		}
		if e&flagSub != 0 {
			bitbuf >>= litBits
			bitsleft -= litBits
			e = lt[(e>>16 + uint32(bitbuf)&(1<<(e>>8&15)-1))]
			if e&flagLiteral != 0 {
				bitbuf >>= e & 63
				bitsleft -= uint(e & 0xff)
				store8(dp, out, byte(e>>16))
				out++
				continue
			}
		}
		if e&(flagEOB|flagInvalid) != 0 {
			if e&flagInvalid != 0 {
				return out, fmt.Errorf("invalid literal/length code: %w", ErrCorrupt)
			}
			bitbuf >>= e & 63
			bitsleft -= uint(e & 0xff)
			br.in, br.bitbuf, br.bitsleft = in, bitbuf, bitsleft
			return out, nil
		}
		saved := bitbuf
		bitbuf >>= e & 63
		bitsleft -= uint(e & 0xff)
		length := int(e>>16) + int((saved&(1<<(e&63)-1))>>(e>>8&15))

		e = dt[bitbuf&distMask]
		if e&flagSub != 0 {
			bitbuf >>= distBits
			bitsleft -= distBits
			e = dt[(e>>16 + uint32(bitbuf)&(1<<(e>>8&15)-1))]
		}
		if e&flagInvalid != 0 {
			return out, fmt.Errorf("invalid distance code: %w", ErrCorrupt)
		}
		saved = bitbuf
		bitbuf >>= e & 63
		bitsleft -= uint(e & 0xff)
		dist := int(e>>16) + int((saved&(1<<(e&63)-1))>>(e>>8&15))
		if dist > out {
			return out, fmt.Errorf("distance %d beyond the %d bytes decoded: %w", dist, out, ErrCorrupt)
		}
		s := out - dist
		switch {
		case dist >= 8:
			// Each 8-byte load lies before the store that could change it.
			store64(dp, out, load64(dp, s))
			store64(dp, out+8, load64(dp, s+8))
			for i := 16; i < length; i += 8 {
				store64(dp, out+i, load64(dp, s+i))
			}
		case dist == 1:
			v := uint64(load8(dp, s)) * 0x0101010101010101
			for i := 0; i < length; i += 8 {
				store64(dp, out+i, v)
			}
		default:
			for i := range length {
				store8(dp, out+i, load8(dp, s+i))
			}
		}
		out += length
	}

	br.in, br.bitbuf, br.bitsleft = in, bitbuf, bitsleft
	return d.huffmanSlow(br, dst, out, lt, dt)
}

// huffmanSlow finishes a Huffman block with every input and output check.
func (d *Decoder) huffmanSlow(br *bitReader, dst []byte, out int, lt *[litEnough]uint32, dt *[distEnough]uint32) (int, error) {
	for {
		if err := br.refill(); err != nil {
			return out, err
		}
		e := lt[br.bitbuf&litMask]
		if e&flagSub != 0 {
			br.consume(litBits)
			e = lt[(e>>16 + uint32(br.bitbuf)&(1<<(e>>8&15)-1))]
		}
		if e&flagInvalid != 0 {
			return out, fmt.Errorf("invalid literal/length code: %w", ErrCorrupt)
		}
		if e&flagLiteral != 0 {
			br.consume(uint(e & 0xff))
			if out >= len(dst) {
				return out, ErrShortOutput
			}
			dst[out] = byte(e >> 16)
			out++
			continue
		}
		if e&flagEOB != 0 {
			br.consume(uint(e & 0xff))
			if br.bitsleft < 8*br.overrun {
				return out, ErrTruncated
			}
			return out, nil
		}
		saved := br.bitbuf
		br.consume(uint(e & 0xff))
		length := int(e>>16) + int((saved&(1<<(e&63)-1))>>(e>>8&15))
		e = dt[br.bitbuf&distMask]
		if e&flagSub != 0 {
			br.consume(distBits)
			e = dt[(e>>16 + uint32(br.bitbuf)&(1<<(e>>8&15)-1))]
		}
		if e&flagInvalid != 0 {
			return out, fmt.Errorf("invalid distance code: %w", ErrCorrupt)
		}
		saved = br.bitbuf
		br.consume(uint(e & 0xff))
		dist := int(e>>16) + int((saved&(1<<(e&63)-1))>>(e>>8&15))
		if dist > out {
			return out, fmt.Errorf("distance %d beyond the %d bytes decoded: %w", dist, out, ErrCorrupt)
		}
		if length > len(dst)-out {
			return out, ErrShortOutput
		}
		s := out - dist
		for i := range length {
			dst[out+i] = dst[s+i]
		}
		out += length
	}
}

// Unchecked little-endian accesses at byte offset i of a base pointer; the
// fast loop's room checks are their bounds checks. amd64 and arm64 allow
// unaligned loads and stores.
func load64(p unsafe.Pointer, i int) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(p, i))[:])
}

func store64(p unsafe.Pointer, i int, v uint64) {
	binary.LittleEndian.PutUint64((*[8]byte)(unsafe.Add(p, i))[:], v)
}

func load8(p unsafe.Pointer, i int) byte { return *(*byte)(unsafe.Add(p, i)) }

func store8(p unsafe.Pointer, i int, v byte) { *(*byte)(unsafe.Add(p, i)) = v }
