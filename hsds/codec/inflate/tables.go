package inflate

import (
	"errors"
	"fmt"
	"math/bits"
)

// Table entries are uint32:
//
//	bits  0-7   bits to consume: codeword length + extra bits (for a subtable
//	            pointer: the main table's bits)
//	bits  8-11  codeword length (for a subtable pointer: the subtable's bits)
//	bits 12-15  flags
//	bits 16-31  value: literal byte, length or distance base, subtable start
//
// so that a length or distance is base + (saved & mask(bits 0-7)) >> (bits 8-11),
// one lookup with the extra bits folded in, as libdeflate's decode tables
// (lib/deflate_decompress.c, build_decode_table) do.
const (
	flagLiteral = 1 << 15
	flagSub     = 1 << 14
	flagEOB     = 1 << 13
	flagInvalid = 1 << 12

	litBits   = 11 // main litlen table bits (libdeflate LITLEN_TABLEBITS)
	distBits  = 8  // main distance table bits (libdeflate OFFSET_TABLEBITS)
	precBits  = 7  // code-length code table bits: the longest precode codeword
	litMask   = 1<<litBits - 1
	distMask  = 1<<distBits - 1
	precMask  = 1<<precBits - 1
	maxCWLen  = 15
	numLitLen = 288 // litlen symbols with a code length (286, 287 are invalid)
	numDist   = 32  // distance symbols with a code length (30, 31 are invalid)
	numPrec   = 19

	// Table sizes: main table plus the worst case of subtables for a complete
	// code (zlib's examples/enough.c; libdeflate's LITLEN_ENOUGH and OFFSET_ENOUGH).
	litEnough  = 2342
	distEnough = 402

	invalidEntry = flagInvalid
)

// RFC 1951 3.2.5: bases and extra bits of lengths (symbols 257..285) and
// distances (symbols 0..29).
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// precOrder is the order of the code-length code lengths in a dynamic header.
	precOrder = [numPrec]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

var (
	errOversubscribed = errors.New("over-subscribed Huffman code")
	errIncomplete     = errors.New("incomplete Huffman code")
)

// litEntry, distEntry and precEntry give the table entry of a symbol whose
// codeword (relative to its table) is cw bits long.
func litEntry(sym int, cw uint32) uint32 {
	switch {
	case sym < 256:
		return flagLiteral | uint32(sym)<<16 | cw
	case sym == 256:
		return flagEOB | cw
	case sym <= 285:
		i := sym - 257
		return uint32(lengthBase[i])<<16 | cw<<8 | (cw + uint32(lengthExtra[i]))
	default:
		return invalidEntry
	}
}

func distEntry(sym int, cw uint32) uint32 {
	if sym >= 30 {
		return invalidEntry
	}
	return uint32(distBase[sym])<<16 | cw<<8 | (cw + uint32(distExtra[sym]))
}

func precEntry(sym int, cw uint32) uint32 { return uint32(sym)<<16 | cw }

// buildTable fills table (main table of 1<<bits entries followed by
// subtables) for the code given by lens, canonical as RFC 1951 3.2.2 defines
// it, with entry(sym, codeword length within its table). Codes must be
// complete, except as zlib's inflate_table and Go's compress/flate allow: no
// codes at all, or a single code of length 1.
func buildTable(table []uint32, lens []uint8, bits uint, entry func(int, uint32) uint32) error {
	var count [maxCWLen + 1]int
	maxLen := 0
	for _, l := range lens {
		count[l]++
		if int(l) > maxLen {
			maxLen = int(l)
		}
	}
	count[0] = 0
	if maxLen == 0 {
		for i := range table[:1<<bits] {
			table[i] = invalidEntry
		}
		return nil
	}
	// Kraft check and first code of each length.
	var next [maxCWLen + 2]int
	code := 0
	left := 1
	for l := 1; l <= maxCWLen; l++ {
		left <<= 1
		left -= count[l]
		if left < 0 {
			return errOversubscribed
		}
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	if left > 0 {
		if !(maxLen == 1 && count[1] == 1) {
			return errIncomplete
		}
		// The one code fills half the table; the other half is invalid.
		for i := range table[:1<<bits] {
			table[i] = invalidEntry
		}
	}
	if maxLen > int(bits) && len(table) < 1<<bits {
		return fmt.Errorf("table too small")
	}
	// Subtable sizes: for each main-table prefix of long codes, the longest
	// code under it (canonical codes fill the subtree completely).
	var subMax [1 << litBits]uint8 // indexed by prefix (bits <= litBits)
	type longCode struct {
		sym, l int
		rev    uint32
	}
	var long [numLitLen]longCode
	nlong := 0
	codes := next
	for sym, l8 := range lens {
		l := int(l8)
		if l == 0 {
			continue
		}
		c := codes[l]
		codes[l]++
		rev := reverse(uint32(c), uint(l))
		if l <= int(bits) {
			e := entry(sym, uint32(l))
			for i := rev; i < 1<<bits; i += 1 << uint(l) {
				table[i] = e
			}
			continue
		}
		p := rev & (1<<bits - 1)
		if uint8(l) > subMax[p] {
			subMax[p] = uint8(l)
		}
		long[nlong] = longCode{sym, l, rev}
		nlong++
	}
	if nlong == 0 {
		return nil
	}
	// Assign subtables in prefix order.
	var start [1 << litBits]uint32
	pos := uint32(1 << bits)
	for p := uint32(0); p < 1<<bits; p++ {
		if subMax[p] == 0 {
			continue
		}
		sb := uint32(subMax[p]) - uint32(bits)
		if int(pos+1<<sb) > len(table) {
			return fmt.Errorf("Huffman subtables exceed %d entries", len(table))
		}
		start[p] = pos
		table[p] = flagSub | pos<<16 | sb<<8 | uint32(bits)
		for i := pos; i < pos+1<<sb; i++ {
			table[i] = invalidEntry
		}
		pos += 1 << sb
	}
	for _, lc := range long[:nlong] {
		p := lc.rev & (1<<bits - 1)
		sb := uint(subMax[p]) - bits
		rem := uint(lc.l) - bits
		e := entry(lc.sym, uint32(rem))
		for i := lc.rev >> bits; i < 1<<sb; i += 1 << rem {
			table[start[p]+i] = e
		}
	}
	return nil
}

// reverse returns the low n bits of c in reverse order (deflate sends
// Huffman codes most significant bit first into an LSB-first stream).
func reverse(c uint32, n uint) uint32 {
	return uint32(bits.Reverse16(uint16(c))) >> (16 - n)
}

// fixedTables are the litlen and distance tables of fixed-Huffman blocks
// (RFC 1951 3.2.6), built once.
var fixedLit, fixedDist = func() ([litEnough]uint32, [distEnough]uint32) {
	var lens [numLitLen + numDist]uint8
	for i := range numLitLen {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	for i := range numDist {
		lens[numLitLen+i] = 5
	}
	var lt [litEnough]uint32
	var dt [distEnough]uint32
	if err := buildTable(lt[:], lens[:numLitLen], litBits, litEntry); err != nil {
		panic(err)
	}
	if err := buildTable(dt[:], lens[numLitLen:], distBits, distEntry); err != nil {
		panic(err)
	}
	return lt, dt
}()
