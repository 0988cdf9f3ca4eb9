package codec

import "encoding/binary"

// Adler-32 (RFC 1950 section 8.2), the checksum that ends every zlib stream, computed eight
// bytes at a time. hash/adler32 adds byte by byte along one dependency chain (s1 += b;
// s2 += s1), which the CPU profile of decoding HSDS's gzip chunks showed taking about half of
// the inflate time; this version adds the bytes of a 64-bit word in eight 32-bit lanes
// (bytes j and j+4 of the word share one uint64) with no chain between words, and folds the
// lanes into s1 and s2 once per block. Results are identical (adler32_test.go checks them
// against hash/adler32).

const (
	adlerMod = 65521 // largest prime below 2^16
	// adlerBlock bounds the bytes summed before a reduction: each position lane of prefix sums
	// holds at most 255 * n*(n+1)/2 for n words, below 2^32 for n <= 5803; 5552 bytes (zlib's
	// NMAX, 694 words) keeps s2's 64-bit fold far from overflow too.
	adlerBlock = 5552
	lanes      = 0x000000ff000000ff
	lanes16    = 0x00ff00ff00ff00ff
	lanes32    = 0x0000ffff0000ffff
	adlerInner = 16 // words summed in 16-bit lanes
)

// adler32Update returns the Adler-32 of p continued from adler (1 for a new checksum).
func adler32Update(adler uint32, p []byte) uint32 {
	s1, s2 := uint64(adler&0xffff), uint64(adler>>16)
	for len(p) > 0 {
		n := min(len(p), adlerBlock) &^ 7
		if n == 0 {
			for _, b := range p {
				s1 += uint64(b)
				s2 += s1
			}
			s1 %= adlerMod
			s2 %= adlerMod
			break
		}
		block := p[:n]
		p = p[n:]
		// v*: per byte position sums of the words so far; q*: the running sums of v*, so that
		// byte x at word k of N ends with weight N-k in q. The inner loop adds 16 words into
		// 16-bit lanes (even and odd byte positions, 4 lanes each; q's lanes stay below
		// 255*16*17/2 = 34680), which are then widened into the 32-bit lanes.
		var va, vb, vc, vd, qa, qb, qc, qd uint64
		for len(block) >= 8*adlerInner {
			var ve, vo, qe, qo uint64
			run := (*[8 * adlerInner]byte)(block)
			for i := 0; i < 8*adlerInner; i += 16 {
				w := binary.LittleEndian.Uint64(run[i : i+8])
				x := binary.LittleEndian.Uint64(run[i+8 : i+16])
				ve += w & lanes16
				vo += w >> 8 & lanes16
				qe += ve
				qo += vo
				ve += x & lanes16
				vo += x >> 8 & lanes16
				qe += ve
				qo += vo
			}
			block = block[8*adlerInner:]
			// q of the words before this run gains adlerInner times their v.
			qa += adlerInner*va + qe&lanes32
			qc += adlerInner*vc + qe>>16&lanes32
			qb += adlerInner*vb + qo&lanes32
			qd += adlerInner*vd + qo>>16&lanes32
			va += ve & lanes32
			vc += ve >> 16 & lanes32
			vb += vo & lanes32
			vd += vo >> 16 & lanes32
		}
		for len(block) >= 8 {
			w := binary.LittleEndian.Uint64(block)
			va += w & lanes
			vb += w >> 8 & lanes
			vc += w >> 16 & lanes
			vd += w >> 24 & lanes
			qa += va
			qb += vb
			qc += vc
			qd += vd
			block = block[8:]
		}
		lo, hi := func(x uint64) uint64 { return x & 0xffffffff }, func(x uint64) uint64 { return x >> 32 }
		// byte position j of the word has weight 8*(N-k) - j in s2 (positions 0..7 of a word,
		// lanes: a = 0 and 4, b = 1 and 5, c = 2 and 6, d = 3 and 7).
		sumV := lo(va) + hi(va) + lo(vb) + hi(vb) + lo(vc) + hi(vc) + lo(vd) + hi(vd)
		sumQ := lo(qa) + hi(qa) + lo(qb) + hi(qb) + lo(qc) + hi(qc) + lo(qd) + hi(qd)
		posV := 4*hi(va) + lo(vb) + 5*hi(vb) + 2*lo(vc) + 6*hi(vc) + 3*lo(vd) + 7*hi(vd)
		s2 += uint64(n)*s1 + 8*sumQ - posV
		s1 += sumV
		s1 %= adlerMod
		s2 %= adlerMod
	}
	return uint32(s2<<16 | s1)
}
