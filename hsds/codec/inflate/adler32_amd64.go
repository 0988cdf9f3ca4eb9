//go:build amd64 && !purego

package inflate

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 checksum (x86-64 since Haswell and Zen; the generic SWAR one elsewhere).
var useAVX2 = cpu.X86.HasAVX2

// adler32AVX2 sums n >= 1 blocks of 32 bytes at p into 8 x 32-bit lanes each of acc: acc[0:8]
// the byte sums (s1), acc[8:16] for every block the byte sums of the blocks before it (P),
// acc[16:24] the bytes weighted 32, 31, ..., 1 by their place in their block (W), so that over
// the 32n bytes s1 gains sum(acc[0:8]) and s2 gains 32n*s1 + 32*sum(acc[8:16]) +
// sum(acc[16:24]). The lanes do not overflow for n <= adler32AVX2MaxBlocks.
//
//go:noescape
func adler32AVX2(p *byte, n int, acc *[24]uint32)

// adler32AVX2MaxBlocks bounds n: the P lanes reach at most 255*8*n*(n-1)/2 < 2^32, and the final
// 32*P sum is taken in 64 bits; 173*32 = 5536 <= zlib's NMAX, so s1 and s2 also fit before the
// modulo.
const adler32AVX2MaxBlocks = 173

// adler32Sum returns the Adler-32 checksum (RFC 1950 8.2) of p, as hash/adler32.Checksum: with
// AVX2 32 bytes a step (vpsadbw for the byte sums, vpmaddubsw/vpmaddwd for the weighted sums, as
// zlib-ng's and libdeflate's x86 versions do), the rest by adler32Update.
func adler32Sum(p []byte) uint32 {
	if !useAVX2 || len(p) < 64 {
		return adler32Generic(p)
	}
	const mod = 65521
	s1, s2 := uint64(1), uint64(0)
	var acc [24]uint32
	for len(p) >= 32 {
		n := min(len(p)/32, adler32AVX2MaxBlocks)
		adler32AVX2(&p[0], n, &acc)
		var a, b, c uint64
		for i := range 8 {
			a += uint64(acc[i])
			b += uint64(acc[8+i])
			c += uint64(acc[16+i])
		}
		s2 += uint64(32*n)*s1 + 32*b + c
		s1 += a
		s1 %= mod
		s2 %= mod
		p = p[32*n:]
	}
	return adler32Update(uint32(s2<<16|s1), p)
}
