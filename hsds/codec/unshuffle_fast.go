package codec

import "encoding/binary"

// Word-at-a-time unshuffle kernels for item sizes 2, 4 and 8: eight
// elements per step, interleaving the byte streams with shifts and masks
// instead of single-byte stores.

// spread8 moves byte k of x to byte 2k of the result.
func spread8(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	return (v | v<<8) & 0x00FF00FF00FF00FF
}

// spread16 moves 16-bit half k of x to bits 32k of the result.
func spread16(x uint32) uint64 {
	v := uint64(x)
	return (v | v<<16) & 0x0000FFFF0000FFFF
}

// zip8 interleaves the bytes of a and b: a0 b0 a1 b1 a2 b2 a3 b3.
func zip8(a, b uint32) uint64 { return spread8(a) | spread8(b)<<8 }

// zip16 interleaves the 16-bit halves of a and b: a0 b0 a1 b1.
func zip16(a, b uint32) uint64 { return spread16(a) | spread16(b)<<16 }

// unshuffle2 unshuffles the first 8*(n/8) elements of 2-byte items and
// returns how many it did.
func unshuffle2(dst, src []byte, n int) int {
	s0, s1 := src[:n], src[n:2*n]
	m := n &^ 7
	for i := 0; i < m; i += 8 {
		a := binary.LittleEndian.Uint64(s0[i : i+8])
		b := binary.LittleEndian.Uint64(s1[i : i+8])
		d := dst[2*i : 2*i+16]
		binary.LittleEndian.PutUint64(d[0:8], zip8(uint32(a), uint32(b)))
		binary.LittleEndian.PutUint64(d[8:16], zip8(uint32(a>>32), uint32(b>>32)))
	}
	return m
}

// unshuffle4 is unshuffle2 for 4-byte items.
func unshuffle4(dst, src []byte, n int) int {
	s0, s1, s2, s3 := src[:n], src[n:2*n], src[2*n:3*n], src[3*n:4*n]
	m := n &^ 7
	for i := 0; i < m; i += 8 {
		a := binary.LittleEndian.Uint64(s0[i : i+8])
		b := binary.LittleEndian.Uint64(s1[i : i+8])
		c := binary.LittleEndian.Uint64(s2[i : i+8])
		e := binary.LittleEndian.Uint64(s3[i : i+8])
		d := dst[4*i : 4*i+32 : 4*i+32]
		ab := zip8(uint32(a), uint32(b)) // elements 0-3, bytes 0-1
		ce := zip8(uint32(c), uint32(e)) // elements 0-3, bytes 2-3
		binary.LittleEndian.PutUint64(d[0:8], zip16(uint32(ab), uint32(ce)))
		binary.LittleEndian.PutUint64(d[8:16], zip16(uint32(ab>>32), uint32(ce>>32)))
		ab = zip8(uint32(a>>32), uint32(b>>32)) // elements 4-7
		ce = zip8(uint32(c>>32), uint32(e>>32))
		binary.LittleEndian.PutUint64(d[16:24], zip16(uint32(ab), uint32(ce)))
		binary.LittleEndian.PutUint64(d[24:32], zip16(uint32(ab>>32), uint32(ce>>32)))
	}
	return m
}

// unshuffle8 is unshuffle2 for 8-byte items.
func unshuffle8(dst, src []byte, n int) int {
	var s [8][]byte
	for k := range s {
		s[k] = src[k*n : (k+1)*n]
	}
	m := n &^ 7
	var w [8]uint64
	for i := 0; i < m; i += 8 {
		for k := range w {
			w[k] = binary.LittleEndian.Uint64(s[k][i : i+8])
		}
		d := dst[8*i : 8*i+64]
		for h := 0; h < 2; h++ { // elements 4h .. 4h+3
			sh := 32 * h
			p01 := zip8(uint32(w[0]>>sh), uint32(w[1]>>sh))
			p23 := zip8(uint32(w[2]>>sh), uint32(w[3]>>sh))
			p45 := zip8(uint32(w[4]>>sh), uint32(w[5]>>sh))
			p67 := zip8(uint32(w[6]>>sh), uint32(w[7]>>sh))
			lo03 := zip16(uint32(p01), uint32(p23)) // bytes 0-3 of elements 4h, 4h+1
			lo47 := zip16(uint32(p45), uint32(p67)) // bytes 4-7 of elements 4h, 4h+1
			hi03 := zip16(uint32(p01>>32), uint32(p23>>32))
			hi47 := zip16(uint32(p45>>32), uint32(p67>>32))
			o := d[32*h : 32*h+32]
			binary.LittleEndian.PutUint64(o[0:8], lo03&0xFFFFFFFF|lo47<<32)
			binary.LittleEndian.PutUint64(o[8:16], lo03>>32|lo47&^0xFFFFFFFF)
			binary.LittleEndian.PutUint64(o[16:24], hi03&0xFFFFFFFF|hi47<<32)
			binary.LittleEndian.PutUint64(o[24:32], hi03>>32|hi47&^0xFFFFFFFF)
		}
	}
	return m
}
