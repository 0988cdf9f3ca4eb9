package inflate

import "encoding/binary"

// adler32Sum returns the Adler-32 checksum (RFC 1950 8.2) of p, as hash/adler32.Checksum, eight
// bytes at a time: for a little-endian word of bytes b0..b7,
//
//	s2 += 8*s1 + 8*b0 + 7*b1 + ... + 1*b7,   s1 += b0 + ... + b7,
//
// with the sums of the byte lanes taken by multiplication (SWAR): the even bytes and the odd
// bytes sit in four 16-bit lanes, and the top lane of lanes*weights is their weighted sum (at
// most 255*(8+6+4+2) = 5100, so no lane carries). hash/adler32 adds byte by byte (one long
// dependency chain); this is about three times faster. Reduced modulo 65521 every 5552 bytes
// (zlib's NMAX, so the uint32-sized bounds of zlib hold in these uint64 sums).
func adler32Sum(p []byte) uint32 {
	const (
		mod  = 65521
		nmax = 5552 // a multiple of 8
		lo   = 0x00ff00ff00ff00ff
		ones = 0x0001000100010001
		wEv  = 0x0008000600040002 // weights 8, 6, 4, 2 of b0, b2, b4, b6 (top lane of the product)
		wOd  = 0x0007000500030001 // weights 7, 5, 3, 1 of b1, b3, b5, b7
	)
	s1, s2 := uint64(1), uint64(0)
	for len(p) > 0 {
		q := p
		if len(q) > nmax {
			q = q[:nmax]
		}
		p = p[len(q):]
		for len(q) >= 8 {
			v := binary.LittleEndian.Uint64(q)
			e := v & lo
			o := (v >> 8) & lo
			s2 += 8*s1 + (e*wEv)>>48 + (o*wOd)>>48
			s1 += ((e + o) * ones) >> 48
			q = q[8:]
		}
		for _, b := range q {
			s1 += uint64(b)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
	}
	return uint32(s2<<16 | s1)
}
