package codec

import "encoding/binary"

// Bit shuffle as implemented by the bitshuffle library (and vendored into
// c-blosc 1.x): for n elements (n a multiple of 8) of size elem, bit k of
// byte j of every element is gathered into bit row 8*j+k of n/8 bytes.
// These are ports of the scalar routines bshuf_trans_bit_elem_scal and
// bshuf_untrans_bit_elem_scal.

// trans8x8 transposes the 8x8 bit matrix packed in x (TRANS_BIT_8X8). It is
// its own inverse.
func trans8x8(x uint64) uint64 {
	t := (x ^ (x >> 7)) & 0x00AA00AA00AA00AA
	x = x ^ t ^ (t << 7)
	t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCC
	x = x ^ t ^ (t << 14)
	t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0
	x = x ^ t ^ (t << 28)
	return x
}

// bitTrans bit-shuffles n*elem bytes of in into out using tmp (same size);
// n must be a multiple of 8.
func bitTrans(out, in, tmp []byte, n, elem int) {
	nbyte := n * elem
	in, out, tmp = in[:nbyte], out[:nbyte], tmp[:nbyte]
	// Transpose bytes within elements.
	Shuffle(out, in, elem)
	// Transpose bits within bytes.
	rows := nbyte / 8
	for ii := 0; ii < rows; ii++ {
		x := trans8x8(binary.LittleEndian.Uint64(out[8*ii:]))
		for kk := 0; kk < 8; kk++ {
			tmp[kk*rows+ii] = byte(x >> (8 * kk))
		}
	}
	// Transpose rows of shuffled bits within groups of eight.
	nb := n / 8
	for ii := 0; ii < 8; ii++ {
		for jj := 0; jj < elem; jj++ {
			copy(out[(jj*8+ii)*nb:(jj*8+ii+1)*nb], tmp[(ii*elem+jj)*nb:])
		}
	}
}

// bitUntrans reverses bitTrans.
func bitUntrans(out, in, tmp []byte, n, elem int) {
	nbyte := n * elem
	in, out, tmp = in[:nbyte], out[:nbyte], tmp[:nbyte]
	nb := n / 8
	// Transpose bytes of the bit rows.
	for jj := 0; jj < elem; jj++ {
		for ii := 0; ii < nb; ii++ {
			o := tmp[ii*8*elem+jj*8 : ii*8*elem+jj*8+8]
			for kk := 0; kk < 8; kk++ {
				o[kk] = in[(jj*8+kk)*nb+ii]
			}
		}
	}
	// Shuffle bits within the bytes of eight-element groups.
	for jj := 0; jj < 8*elem; jj += 8 {
		for ii := 0; ii+8*elem-1 < nbyte; ii += 8 * elem {
			x := trans8x8(binary.LittleEndian.Uint64(tmp[ii+jj:]))
			for kk := 0; kk < 8; kk++ {
				out[ii+jj/8+kk*elem] = byte(x >> (8 * kk))
			}
		}
	}
}

// bloscBitShuffle bit-shuffles one blosc block of len(src) bytes into dst
// (blosc_internal_bitshuffle): when the element count is a multiple of 8
// the elements are bit-shuffled and any trailing bytes copied, otherwise the
// whole block is copied unchanged.
func bloscBitShuffle(dst, src, tmp []byte, typesize int) {
	n := len(src) / typesize
	if n%8 != 0 {
		copy(dst, src)
		return
	}
	bitTrans(dst, src, tmp, n, typesize)
	copy(dst[n*typesize:len(src)], src[n*typesize:])
}

// bloscBitUnshuffle reverses bloscBitShuffle.
func bloscBitUnshuffle(dst, src, tmp []byte, typesize int) {
	n := len(src) / typesize
	if n%8 != 0 {
		copy(dst, src)
		return
	}
	bitUntrans(dst, src, tmp, n, typesize)
	copy(dst[n*typesize:len(src)], src[n*typesize:])
}
