package codec

import (
	"bytes"
	"testing"
)

// shuffleRef is the textbook definition of the HDF5 byte shuffle.
func shuffleRef(src []byte, itemsize int) []byte {
	out := make([]byte, len(src))
	if itemsize < 2 {
		copy(out, src)
		return out
	}
	n := len(src) / itemsize
	for i := 0; i < n; i++ {
		for j := 0; j < itemsize; j++ {
			out[j*n+i] = src[i*itemsize+j]
		}
	}
	copy(out[n*itemsize:], src[n*itemsize:])
	return out
}

func TestShuffleKnownValues(t *testing.T) {
	tests := []struct {
		name     string
		in, want []byte
		itemsize int
	}{
		// int32 little endian 1, 256, 65536: bytes per element grouped by position.
		{"i32", []byte{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}, []byte{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}, 4},
		{"i16 trailing", []byte{1, 2, 3, 4, 5}, []byte{1, 3, 2, 4, 5}, 2},
		{"itemsize1", []byte{9, 8, 7}, []byte{9, 8, 7}, 1},
		{"single item", []byte{1, 2, 3, 4}, []byte{1, 2, 3, 4}, 4},
		{"empty", []byte{}, []byte{}, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Shuffle(nil, tc.in, tc.itemsize)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("Shuffle = %v, want %v", got, tc.want)
			}
			back := Unshuffle(nil, got, tc.itemsize)
			if !bytes.Equal(back, tc.in) {
				t.Fatalf("Unshuffle = %v, want %v", back, tc.in)
			}
		})
	}
}

func TestShuffleMatchesReference(t *testing.T) {
	for _, itemsize := range []int{1, 2, 3, 4, 5, 8, 12, 16} {
		for _, n := range []int{0, 1, 7, 64, 1000, 1003} {
			src := genData("random", n, 1, uint64(n*31+itemsize))
			want := shuffleRef(src, itemsize)
			got := Shuffle(make([]byte, 0, n), src, itemsize)
			if !bytes.Equal(got, want) {
				t.Fatalf("itemsize %d n %d: Shuffle differs from reference", itemsize, n)
			}
			if back := Unshuffle(nil, got, itemsize); !bytes.Equal(back, src) {
				t.Fatalf("itemsize %d n %d: Unshuffle does not invert Shuffle", itemsize, n)
			}
		}
	}
}

func TestBitTransRoundTrip(t *testing.T) {
	for _, elem := range []int{1, 2, 4, 8, 3} {
		for _, n := range []int{8, 64, 1024} {
			src := genData("random", n, elem, uint64(n+elem))
			shuf := make([]byte, n*elem)
			tmp := make([]byte, n*elem)
			bitTrans(shuf, src, tmp, n, elem)
			if bytes.Equal(shuf, src) {
				t.Fatalf("elem %d n %d: bit shuffle left random data unchanged", elem, n)
			}
			back := make([]byte, n*elem)
			bitUntrans(back, shuf, tmp, n, elem)
			if !bytes.Equal(back, src) {
				t.Fatalf("elem %d n %d: bitUntrans does not invert bitTrans", elem, n)
			}
		}
	}
	// Bit k of element i lands in bit row k: 8 one-byte elements with
	// only bit 0 set in element 0 give row 0 = 0x01.
	src := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	out := make([]byte, 8)
	bitTrans(out, src, make([]byte, 8), 8, 1)
	if !bytes.Equal(out, []byte{1, 0, 0, 0, 0, 0, 0, 0}) {
		t.Fatalf("bitTrans of a single low bit = %v", out)
	}
	src = []byte{0x80, 0x80, 0, 0, 0, 0, 0, 0x80}
	bitTrans(out, src, make([]byte, 8), 8, 1)
	if !bytes.Equal(out, []byte{0, 0, 0, 0, 0, 0, 0, 0x83}) {
		t.Fatalf("bitTrans of high bits = %#v", out)
	}
}
