// Package inflate decodes DEFLATE (RFC 1951) and zlib (RFC 1950) streams
// whose decoded size is known in advance, as in blosc frames (which store
// every block's size) and HDF5 deflate-filter chunks (the chunk size).
//
// The decoder follows libdeflate's design (lib/deflate_decompress.c and
// decompress_template.h): a 64-bit bit buffer refilled a word at a time, a
// single-lookup literal/length table with the extra bits folded into the
// entry, subtables for long codewords, 8-byte chunked match copies, and no
// per-symbol checks of input or output room inside the fast loop, which runs
// while at least 16 input bytes and 266 output bytes remain; a careful loop
// with full checks finishes each block.
//
// Malformed input returns an error: it never panics and never reads or
// writes outside src and dst.
package inflate

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors returned by Decode and DecodeZlib (wrapped with context).
var (
	// ErrShortOutput means the stream decodes to more than len(dst) bytes.
	ErrShortOutput = errors.New("inflate: stream decodes to more bytes than the output holds")
	// ErrTruncated means the stream ends before its final block does.
	ErrTruncated = errors.New("inflate: truncated stream")
	// ErrCorrupt means the stream breaks RFC 1951 or RFC 1950.
	ErrCorrupt = errors.New("inflate: corrupt stream")
)

const (
	maxMatch = 258
	// fastOutRoom is the output room the fast loop needs for one symbol:
	// the longest match plus the 8-byte overcopy of the chunked match copy.
	fastOutRoom = maxMatch + 8
	// fastInRoom is the input room the fast loop needs: two word refills.
	fastInRoom = 16
)

// Decoder decodes deflate streams. Its zero value is ready to use; it holds
// the Huffman tables of the dynamic block being decoded (about 11 KB), so
// reuse one per goroutine. A Decoder is not safe for concurrent use.
type Decoder struct {
	lit  [litEnough]uint32
	dist [distEnough]uint32
	prec [1 << precBits]uint32
	lens [numLitLen + numDist]uint8
}

// DecodeZlib decodes the zlib stream (RFC 1950: 2-byte header, deflate data,
// Adler-32 of the decoded bytes, big endian) at the start of src into dst and
// returns the number of bytes decoded and of src bytes consumed. A preset
// dictionary (FDICT), a method other than 8 (deflate), a bad header check, a
// checksum mismatch, or a stream longer than len(dst) is an error.
func (d *Decoder) DecodeZlib(dst, src []byte) (n, consumed int, err error) {
	if len(src) < 2 {
		return 0, 0, fmt.Errorf("zlib header: %w", ErrTruncated)
	}
	cmf, flg := src[0], src[1]
	switch {
	case cmf&0x0f != 8 || cmf>>4 > 7:
		return 0, 0, fmt.Errorf("zlib header: CMF %#02x is not deflate with a window of at most 32 KiB: %w", cmf, ErrCorrupt)
	case (uint16(cmf)<<8|uint16(flg))%31 != 0:
		return 0, 0, fmt.Errorf("zlib header: check bits of %#02x %#02x fail: %w", cmf, flg, ErrCorrupt)
	case flg&0x20 != 0:
		return 0, 0, fmt.Errorf("zlib header: preset dictionary is not supported: %w", ErrCorrupt)
	}
	n, c, err := d.Decode(dst, src[2:])
	if err != nil {
		return n, 0, err
	}
	end := 2 + c
	if len(src)-end < 4 {
		return n, 0, fmt.Errorf("zlib checksum: %w", ErrTruncated)
	}
	if want, got := binary.BigEndian.Uint32(src[end:]), adler32Sum(dst[:n]); want != got {
		return n, 0, fmt.Errorf("zlib checksum %#08x, want %#08x: %w", got, want, ErrCorrupt)
	}
	return n, end + 4, nil
}

// Decode decodes the raw deflate stream at the start of src into dst and
// returns the number of bytes decoded and of src bytes consumed (up to the
// byte holding the end of the final block). A stream that needs more than
// len(dst) bytes returns ErrShortOutput; dst beyond the first n bytes may
// have been overwritten.
func (d *Decoder) Decode(dst, src []byte) (n, consumed int, err error) {
	br := bitReader{src: src}
	out := 0
	for {
		if err := br.need(3); err != nil {
			return out, 0, err
		}
		final := br.bitbuf&1 != 0
		btype := (br.bitbuf >> 1) & 3
		br.consume(3)
		switch btype {
		case 0:
			out, err = br.stored(dst, out)
		case 1:
			out, err = d.huffman(&br, dst, out, &fixedLit, &fixedDist)
		case 2:
			if err = d.readDynamic(&br); err == nil {
				out, err = d.huffman(&br, dst, out, &d.lit, &d.dist)
			}
		default:
			err = fmt.Errorf("block type 3: %w", ErrCorrupt)
		}
		if err != nil {
			return out, 0, err
		}
		if final {
			break
		}
	}
	if br.bitsleft < 8*br.overrun {
		return out, 0, ErrTruncated
	}
	return out, br.in - (int(br.bitsleft>>3) - int(br.overrun)), nil
}

// bitReader is the bit buffer. Bits are consumed from the bottom of bitbuf;
// bitsleft counts the valid ones. Bits above bitsleft are either zero or the
// stream's next bits, so refilling by OR is exact (libdeflate's REFILL_BITS).
// Past the end of src it shifts in zero bytes, counted in overrun: reading
// any of them (bitsleft < 8*overrun) means the stream is truncated.
type bitReader struct {
	src      []byte
	in       int
	bitbuf   uint64
	bitsleft uint
	overrun  uint
}

// refill makes bitsleft >= 56.
func (b *bitReader) refill() error {
	if b.in+8 <= len(b.src) {
		b.bitbuf |= binary.LittleEndian.Uint64(b.src[b.in:]) << (b.bitsleft & 63)
		b.in += int((63 - b.bitsleft) >> 3)
		b.bitsleft |= 56
		return nil
	}
	if b.bitsleft < 8*b.overrun {
		return ErrTruncated
	}
	for b.bitsleft <= 56 {
		if b.in < len(b.src) {
			b.bitbuf |= uint64(b.src[b.in]) << (b.bitsleft & 63)
			b.in++
		} else {
			b.overrun++
		}
		b.bitsleft += 8
	}
	return nil
}

func (b *bitReader) need(n uint) error {
	if b.bitsleft < n {
		return b.refill()
	}
	return nil
}

func (b *bitReader) consume(n uint) {
	b.bitbuf >>= n & 63
	b.bitsleft -= n
}

// stored copies a stored block (RFC 1951 3.2.4) into dst at out.
func (b *bitReader) stored(dst []byte, out int) (int, error) {
	b.consume(b.bitsleft & 7)
	whole := int(b.bitsleft >> 3)
	if whole < int(b.overrun) {
		return out, fmt.Errorf("stored block: %w", ErrTruncated)
	}
	b.in -= whole - int(b.overrun)
	b.bitbuf, b.bitsleft, b.overrun = 0, 0, 0
	if len(b.src)-b.in < 4 {
		return out, fmt.Errorf("stored block header: %w", ErrTruncated)
	}
	n := int(binary.LittleEndian.Uint16(b.src[b.in:]))
	if nn := binary.LittleEndian.Uint16(b.src[b.in+2:]); uint16(n) != ^nn {
		return out, fmt.Errorf("stored block length %d and its complement %d disagree: %w", n, nn, ErrCorrupt)
	}
	b.in += 4
	if len(b.src)-b.in < n {
		return out, fmt.Errorf("stored block of %d bytes: %w", n, ErrTruncated)
	}
	if len(dst)-out < n {
		return out, ErrShortOutput
	}
	copy(dst[out:], b.src[b.in:b.in+n])
	b.in += n
	return out + n, nil
}

// readDynamic reads a dynamic block's header (RFC 1951 3.2.7) and builds
// d.lit and d.dist.
func (d *Decoder) readDynamic(b *bitReader) error {
	if err := b.need(14); err != nil {
		return err
	}
	nlit := int(b.bitbuf&31) + 257
	ndist := int(b.bitbuf>>5&31) + 1
	nprec := int(b.bitbuf>>10&15) + 4
	b.consume(14)
	if nlit > 286 || ndist > 30 {
		return fmt.Errorf("dynamic block with %d literal/length and %d distance codes (at most 286 and 30): %w", nlit, ndist, ErrCorrupt)
	}
	var plens [numPrec]uint8
	for i := range nprec {
		if err := b.need(3); err != nil {
			return err
		}
		plens[precOrder[i]] = uint8(b.bitbuf & 7)
		b.consume(3)
	}
	if err := buildTable(d.prec[:], plens[:], precBits, precEntry); err != nil {
		return fmt.Errorf("code-length code: %w: %w", err, ErrCorrupt)
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		if err := b.need(precBits + 7); err != nil {
			return err
		}
		e := d.prec[b.bitbuf&precMask]
		if e&flagInvalid != 0 {
			return fmt.Errorf("code lengths: invalid code: %w", ErrCorrupt)
		}
		b.consume(uint(e & 0xff))
		sym := e >> 16
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return fmt.Errorf("code lengths: repeat with no previous length: %w", ErrCorrupt)
			}
			val = lens[i-1]
			rep = 3 + int(b.bitbuf&3)
			b.consume(2)
		case 17:
			rep = 3 + int(b.bitbuf&7)
			b.consume(3)
		default:
			rep = 11 + int(b.bitbuf&127)
			b.consume(7)
		}
		if i+rep > len(lens) {
			return fmt.Errorf("code lengths: repeat past the %d lengths: %w", len(lens), ErrCorrupt)
		}
		for j := range rep {
			lens[i+j] = val
		}
		i += rep
	}
	if lens[256] == 0 {
		return fmt.Errorf("dynamic block without an end-of-block code: %w", ErrCorrupt)
	}
	// Symbols beyond nlit and ndist have no code.
	var all [numLitLen + numDist]uint8
	copy(all[:nlit], lens[:nlit])
	copy(all[numLitLen:numLitLen+ndist], lens[nlit:])
	if err := buildTable(d.lit[:], all[:numLitLen], litBits, litEntry); err != nil {
		return fmt.Errorf("literal/length code: %w: %w", err, ErrCorrupt)
	}
	if err := buildTable(d.dist[:], all[numLitLen:], distBits, distEntry); err != nil {
		return fmt.Errorf("distance code: %w: %w", err, ErrCorrupt)
	}
	return nil
}
