package codec

import "errors"

// blosclz is c-blosc's own LZ77 codec, derived from FastLZ level 1 with an
// extended ("far") distance form. The stream is a sequence of instructions,
// each starting with a control byte ctrl:
//
//   - ctrl < 32: a literal run of ctrl+1 bytes follows.
//   - ctrl >= 32: a match. len = (ctrl>>5)-1; when that is 6, bytes are added
//     to len until one is not 255. Then a distance byte code follows and
//     len += 3. The match starts ((ctrl&31)<<8) + code + 1 bytes back, unless
//     code is 255 and ctrl&31 is 31: then two big-endian bytes ofs follow and
//     the match starts ofs + 8191 + 1 bytes back.
//
// The first control byte carries a format marker in bits 5-7 and is always a
// literal run. A match is only copied when at least one byte follows it
// (c-blosc's decoder stops before copying a final match); encoders always end
// with literals.

const (
	blosclzMaxCopy     = 32
	blosclzMaxDistance = 8191
	blosclzMaxFar      = 65535 + blosclzMaxDistance - 1
)

var errBlosclzCorrupt = errors.New("corrupt blosclz stream")

// blosclzDecode decodes src into dst, writing at most len(dst) bytes, and
// returns the number of bytes written. It mirrors c-blosc 1.21's
// blosclz_decompress, including its bounds checks.
func blosclzDecode(dst, src []byte) (int, error) {
	if len(src) == 0 {
		return 0, nil
	}
	ip, op := 0, 0
	ctrl := int(src[ip] & 31)
	ip++
	for {
		if ctrl >= 32 {
			length := (ctrl >> 5) - 1
			ofs := (ctrl & 31) << 8
			if length == 7-1 {
				for {
					if ip+1 >= len(src) {
						return 0, errBlosclzCorrupt
					}
					code := src[ip]
					ip++
					length += int(code)
					if code != 255 {
						break
					}
				}
			} else if ip+1 >= len(src) {
				return 0, errBlosclzCorrupt
			}
			code := int(src[ip])
			ip++
			length += 3
			ref := op - ofs - code
			if code == 255 && ofs == 31<<8 {
				if ip+1 >= len(src) {
					return 0, errBlosclzCorrupt
				}
				ofs = int(src[ip])<<8 | int(src[ip+1])
				ip += 2
				ref = op - ofs - blosclzMaxDistance
			}
			if op+length > len(dst) {
				return 0, errBlosclzCorrupt
			}
			if ref-1 < 0 {
				return 0, errBlosclzCorrupt
			}
			if ip >= len(src) {
				break
			}
			ctrl = int(src[ip])
			ip++
			ref--
			// Overlapping copies repeat the pattern dst[ref:op]: copying the
			// already written prefix doubles it each round.
			for length > 0 {
				n := copy(dst[op:op+length], dst[ref:op])
				op += n
				length -= n
			}
			continue
		}
		ctrl++
		if op+ctrl > len(dst) || ip+ctrl > len(src) {
			return 0, errBlosclzCorrupt
		}
		copy(dst[op:op+ctrl], src[ip:ip+ctrl])
		op += ctrl
		ip += ctrl
		if ip >= len(src) {
			break
		}
		ctrl = int(src[ip])
		ip++
	}
	return op, nil
}

// blosclzEncode compresses src into dst in the blosclz format and returns
// the compressed size, or 0 when the output would not be smaller than src
// (or does not fit in dst). It is a simple greedy LZ77 encoder with a 4-byte
// hash; it does not reproduce c-blosc's exact output, only its format. clevel
// 1-9 trades speed for ratio through the hash table size.
func blosclzEncode(dst, src []byte, clevel int) int {
	length := len(src)
	limit := min(len(dst), length-1)
	if length < 16 || limit < 66 {
		return 0
	}
	hashLog := uint(12)
	if clevel < 3 {
		hashLog = 10 + uint(max(clevel, 0))
	}
	var htab [1 << 12]int32 // position+1 of the last occurrence; 0 = none
	ipBound := length - 1   // matches stop before the last byte
	ipLimit := length - 12
	op, ip, litStart := 0, 0, 0

	flushLiterals := func(end int) bool {
		for litStart < end {
			n := min(end-litStart, blosclzMaxCopy)
			if op+1+n > limit {
				return false
			}
			dst[op] = byte(n - 1)
			copy(dst[op+1:], src[litStart:litStart+n])
			op += 1 + n
			litStart += n
		}
		return true
	}
	put := func(b ...byte) bool {
		if op+len(b) > limit {
			return false
		}
		op += copy(dst[op:], b)
		return true
	}
	hash := func(p int) uint32 {
		v := uint32(src[p]) | uint32(src[p+1])<<8 | uint32(src[p+2])<<16 | uint32(src[p+3])<<24
		return (v * 2654435761) >> (32 - hashLog)
	}

	ip = 4 // the stream starts with a literal run
	for ip < ipLimit {
		h := hash(ip)
		ref := int(htab[h]) - 1
		htab[h] = int32(ip + 1)
		dist := ip - ref
		if ref < 0 || dist >= blosclzMaxFar ||
			src[ref] != src[ip] || src[ref+1] != src[ip+1] || src[ref+2] != src[ip+2] || src[ref+3] != src[ip+3] {
			ip++
			continue
		}
		mlen := 4
		for ip+mlen < ipBound && src[ref+mlen] == src[ip+mlen] {
			mlen++
		}
		d := dist - 1
		if d >= blosclzMaxDistance && mlen < 8 {
			ip++
			continue
		}
		if !flushLiterals(ip) {
			return 0
		}
		l := mlen - 2 // the decoder copies l+2 bytes
		var ok bool
		far := d >= blosclzMaxDistance
		lo := d >> 8 // high distance bits in the control byte
		if far {
			d -= blosclzMaxDistance
			lo = 31
		}
		if l < 7 {
			ok = put(byte(l<<5 | lo))
		} else {
			ok = put(byte(7<<5 | lo))
			for r := l - 7; ok; r -= 255 {
				if r >= 255 {
					ok = put(255)
					continue
				}
				ok = put(byte(r))
				break
			}
		}
		if far {
			ok = ok && put(255, byte(d>>8), byte(d))
		} else {
			ok = ok && put(byte(d))
		}
		if !ok {
			return 0
		}
		ip += mlen
		litStart = ip
		if ip < ipLimit {
			htab[hash(ip-2)] = int32(ip - 2 + 1)
			htab[hash(ip-1)] = int32(ip - 1 + 1)
		}
	}
	if !flushLiterals(length) || op >= length {
		return 0
	}
	dst[0] |= 1 << 5 // format marker, ignored by the decoder
	return op
}
